"""`haictrial export odm`: CDISC ODM 1.3.2 (docs/contracts/interop.md), checked against the ODM 1.3.2 schema that
odmlib ships (ODM1-3-2.xsd) and read back with odmlib's own ODM loader."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import odmlib.loader as LD
import odmlib.odm_loader as OL
import pytest
from odmlib.oid_generator import create_oid_checker
from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.clinical.crf_base import FormName
from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.crfs.layouts import Field, Rows, layout_for
from haictrial.interop.odm import document as odm_document
from haictrial.interop.odm.document import build_odm, schema_problems, write_odm
from haictrial.interop.odm.export import export_odm
from haictrial.interop.odm.source import read_database
from haictrial.protocol import load_protocol

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
PROTOCOL = load_protocol()


def _fields(items, key=""):
    """(group key, field) of every input of a layout; a repeating part's key is its dotted list path."""
    for entry in items:
        if isinstance(entry, Rows):
            yield from _fields(entry.fields, f"{key}.{entry.path}" if key else entry.path)
        else:
            assert isinstance(entry, Field)
            yield key, entry


@pytest.fixture
def odm_file(trial, tmp_path) -> Path:
    result = export_odm(tmp_path / "out", PROTOCOL)
    assert result.problems == []
    return tmp_path / "out" / "odm.xml"


def test_it_is_valid_against_odmlibs_odm_1_3_2_schema(odm_file):
    assert schema_problems(odm_file) == []
    loader = LD.ODMLoader(OL.XMLODMLoader())
    loader.open_odm_document(str(odm_file))
    odm = loader.root()
    assert odm.ODMVersion == "1.3.2" and odm.FileType == "Snapshot"
    # odmlib's own checks: element order and every OID reference defined (ODM 1.3.2 section 2.10).
    errors = odm.validate(collect_errors=True, oid_checker=create_oid_checker("odm_1_3_2"))
    assert errors == []


def test_every_ecrf_is_a_formdef_and_every_field_an_itemdef(odm_file):
    root = ET.parse(odm_file).getroot()
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    assert {f.get("OID") for f in mdv.findall("odm:FormDef", NS)} == {f"F.{name.value}" for name in FormName}
    oids = {d.get("OID") for d in mdv.findall("odm:ItemDef", NS)}
    for form in FormName:
        for key, field in _fields(item for s in layout_for(form).sections for item in s.items):
            oid = ".".join(p for p in ("IT", form.value, key, field.path) if p)
            if field.kind == "multi":
                assert {f"{oid}.{code}" for code, _label in field.choices} <= oids, oid
            else:
                assert oid in oids, oid
    # The imaging form is laid out per subject: its per-lesion inputs are one repeating group.
    assert {f"IT.imaging.lesions.{n}" for n in ("lesion_id", "target_mm", "non_target", "morphology")} <= oids


def test_items_carry_data_types_units_and_code_lists(odm_file):
    root = ET.parse(odm_file).getroot()
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    items = {d.get("OID"): d for d in mdv.findall("odm:ItemDef", NS)}
    height = items["IT.baseline.demographics.height_cm"]
    assert height.get("DataType") == "float"
    assert height.find("odm:MeasurementUnitRef", NS).get("MeasurementUnitOID") == "MU.cm"
    assert items["IT.baseline.visit_date"].get("DataType") == "date"
    assert items["IT.haic_cycle.infusions.start_at"].get("DataType") == "datetime"
    assert items["IT.haic_cycle.cycle"].get("DataType") == "integer"
    # A lab value accepts each unit the units module accepts (platelets: 10^9/L first, SI).
    platelets = items["IT.haic_cycle.pre_cycle_labs.platelets"]
    units = [u.get("MeasurementUnitOID") for u in platelets.findall("odm:MeasurementUnitRef", NS)]
    assert units[0] == odm_document.unit_oid("10^9/L") and len(units) > 1
    sex = items["IT.baseline.demographics.sex"].find("odm:CodeListRef", NS).get("CodeListOID")
    code_list = mdv.find(f"odm:CodeList[@OID='{sex}']", NS)
    assert [c.get("CodedValue") for c in code_list.findall("odm:CodeListItem", NS)] == ["male", "female"]
    # A multiple choice (Couinaud segments I-VIII) is one boolean item per segment.
    assert items["IT.baseline.lesions.segments.S1"].get("DataType") == "boolean"
    symbols = {
        u.get("OID"): u.get("Name") for u in root.findall("odm:Study/odm:BasicDefinitions/odm:MeasurementUnit", NS)
    }
    assert symbols["MU.mm"] == "mm" and symbols[odm_document.unit_oid("[Ch]")] == "[Ch]"


def test_visits_are_study_event_defs_with_their_forms(odm_file):
    root = ET.parse(odm_file).getroot()
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    events = {e.get("OID"): e for e in mdv.findall("odm:StudyEventDef", NS)}
    assert list(events) == [f"SE.{v.id}" for v in PROTOCOL.schedule.visits]
    cycle = events["SE.haic_cycle"]
    assert cycle.get("Repeating") == "Yes"
    assert [r.get("FormOID") for r in cycle.findall("odm:FormRef", NS)] == [
        "F.haic_cycle",
        "F.targeted_agent",
        "F.adverse_events",
        "F.concomitant_medications",
    ]
    assert events["SE.baseline"].get("Repeating") == "No"


def test_clinical_data_holds_every_record_with_audit_records_and_signatures(trial, odm_file):
    root = ET.parse(odm_file).getroot()
    clinical = root.find("odm:ClinicalData", NS)
    subjects = {s.get("SubjectKey"): s for s in clinical.findall("odm:SubjectData", NS)}
    assert set(subjects) == {trial["first"], trial["second"]}
    assert subjects[trial["second"]].find("odm:SiteRef", NS).get("LocationOID") == "LOC.002"
    first = subjects[trial["first"]]
    forms = first.findall(".//odm:FormData", NS)
    assert len(forms) == sum(len(ids) for ids in trial["records"].values())
    cycles = first.findall(
        "odm:StudyEventData[@StudyEventOID='SE.haic_cycle']/odm:FormData[@FormOID='F.haic_cycle']", NS
    )
    assert [c.get("FormRepeatKey") for c in cycles] == ["1", "2"]
    infusions = cycles[0].findall("odm:ItemGroupData[@ItemGroupOID='IG.haic_cycle.infusions']", NS)
    assert [g.get("ItemGroupRepeatKey") for g in infusions] == ["1", "2", "3", "4"]
    dose = infusions[0].find("odm:ItemData[@ItemOID='IT.haic_cycle.infusions.given_dose_mg']", NS)
    assert float(dose.get("Value")) == trial["document"]["haic_cycles"][0]["infusions"][0]["given_dose_mg"]
    platelets = cycles[0].find(".//odm:ItemData[@ItemOID='IT.haic_cycle.pre_cycle_labs.platelets']", NS)
    assert platelets.find("odm:MeasurementUnitRef", NS) is not None
    baseline = first.find(".//odm:FormData[@FormOID='F.baseline']", NS)
    audit = baseline.find("odm:AuditRecord", NS)  # its last change: the lock of the signed casebook
    assert audit.find("odm:ReasonForChange", NS).text == "locked by the signature of alice"
    assert audit.find("odm:UserRef", NS).get("UserOID") == "USR.alice"
    reasons = [r.text for r in clinical.findall("odm:AuditRecords/odm:AuditRecord/odm:ReasonForChange", NS)]
    assert "scale recalibrated" in reasons
    assert baseline.find("odm:Signature/odm:SignatureRef", NS).get("SignatureOID") == "SD.CASEBOOK"
    listed = clinical.findall("odm:AuditRecords/odm:AuditRecord", NS)
    assert len(listed) == AuditEntry.objects.filter(model="crfs.formrecord").count()
    assert len(clinical.findall("odm:Signatures/odm:Signature", NS)) == 1


def test_it_is_de_identified(trial, odm_file):
    text = odm_file.read_text(encoding="utf-8")
    birth = trial["document"]["baseline"]["demographics"]["birth_date"]
    assert birth not in text
    assert "H-0001" not in text and "Synthetic Patient" not in text
    data = ET.parse(odm_file).getroot().findall(".//odm:ItemData[@ItemOID='IT.baseline.demographics.birth_date']", NS)
    assert data == []


def test_an_invalid_document_is_reported_by_the_schema(trial, tmp_path):
    document = build_odm(read_database(), PROTOCOL)
    path = tmp_path / "odm.xml"
    write_odm(document, path)
    broken = path.read_text(encoding="utf-8").replace('FileType="Snapshot"', 'FileType="Sometimes"', 1)
    path.write_text(broken, encoding="utf-8")
    problems = schema_problems(path)
    assert problems and "FileType" in problems[0]


def test_the_command_writes_odm_xml_and_prints_the_files(trial, tmp_path):
    result = CliRunner().invoke(app, ["export", "odm", "--out", str(tmp_path / "x"), "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["problems"] == []
    [written] = printed["files"]
    assert written["path"].endswith("odm.xml") and len(written["sha256"]) == 64 and written["rows"] > 10


def test_the_command_exits_1_when_its_output_fails_the_schema(trial, tmp_path, monkeypatch):
    original = odm_document.build_odm

    def broken(snapshot, protocol):
        document = original(snapshot, protocol)
        listed = document.ClinicalData[0].AuditRecords[0].AuditRecord
        listed[1].ID = listed[0].ID  # two audit records with one ID: not an xs:ID
        return document

    monkeypatch.setattr(odm_document, "build_odm", broken)
    result = CliRunner().invoke(app, ["export", "odm", "--out", str(tmp_path / "x"), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"]


def test_an_out_that_is_a_file_is_exit_2(tmp_path, db):
    target = tmp_path / "file"
    target.write_text("x")
    from haictrial.errors import InputError

    with pytest.raises(InputError) as caught:
        export_odm(target, PROTOCOL)
    assert caught.value.field == "--out"
