"""TV from the protocol's schedule (SDTMIG 3.4 section 7.3.1: one record per planned visit), the
Define-XML check agreeing with odmlib's own validator, and the cheap Dataset-JSON schema check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from dsjframe.errors import DataValidationError
from odmlib.odm_parser import ODMSchemaValidator

from haictrial.errors import InputError
from haictrial.interop.sdtm import files
from haictrial.interop.sdtm.define import schema_problems
from haictrial.interop.sdtm.design import treatment_cycles, tv
from haictrial.interop.sdtm.metadata import DOMAINS
from haictrial.protocol import load_protocol

PROTOCOL = load_protocol()


def test_tv_comes_from_the_protocol_schedule():
    rows = tv(PROTOCOL)
    numbers = [r["VISITNUM"] for r in rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    # 12 months (primary endpoint time frame) of 21-day cycles: ceil(365.25 / 21) = 18 cycles
    assert treatment_cycles(PROTOCOL) == 18
    cycles = [r for r in rows if r["VISIT"].startswith("HAIC CYCLE") and "DAY" not in r["VISIT"]]
    assert len(cycles) == 18
    # cetuximab on days 8 and 15 of each cycle (settings.cetuximab_days [1, 8, 15])
    assert {r["VISITNUM"] for r in rows if r["VISIT"] == "HAIC CYCLE 1 DAY 8"} == {101.08}
    # imaging every 2 cycles (settings.imaging_every_cycles): 9 in 18 cycles
    assert len([r for r in rows if r["VISIT"].startswith("IMAGING")]) == 9
    # follow-up every 3 months for 5 years (schedule.follow_up_every_months, follow_up_years)
    assert len([r for r in rows if r["VISIT"].startswith("FOLLOW-UP")]) == 20
    assert rows[0]["VISIT"] == "SCREENING" and rows[-1]["VISIT"] == "END OF STUDY"


def test_tv_follows_a_changed_schedule():
    changed = PROTOCOL.model_copy(
        update={"schedule": PROTOCOL.schedule.model_copy(update={"follow_up_every_months": 6})}
    )
    assert len([r for r in tv(changed) if r["VISIT"].startswith("FOLLOW-UP")]) == 10


def test_a_time_frame_without_months_is_an_input_error_naming_the_field():
    endpoints = [e.model_copy(update={"time_frame": "until resection"}) if e.kind == "primary" else e
                 for e in PROTOCOL.endpoints]  # fmt: skip
    with pytest.raises(InputError) as error:
        treatment_cycles(PROTOCOL.model_copy(update={"endpoints": endpoints}))
    assert error.value.field == "endpoints.time_frame"


def _define(tmp_path: Path) -> Path:
    from haictrial.interop.sdtm.build import Package
    from haictrial.interop.sdtm.define import build_define, write_define

    frames = {"TV": pd.DataFrame(tv(PROTOCOL), columns=list(DOMAINS["TV"].variables))}
    package = Package(frames, {"TV": DOMAINS["TV"]})
    path = tmp_path / "define.xml"
    write_define(build_define(package, PROTOCOL, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), ["json"]), path)
    return path


def test_the_libxml2_define_check_agrees_with_odmlibs_validator(tmp_path):
    path = _define(tmp_path)
    assert schema_problems(path) == []
    ODMSchemaValidator(standard="define", version="2.1").validate_file(str(path))  # raises when invalid
    broken = tmp_path / "broken.xml"
    broken.write_text(path.read_text(encoding="utf-8").replace('ODMVersion="1.3.2"', 'ODMVersion="9"'))
    assert schema_problems(broken)
    assert list(ODMSchemaValidator(standard="define", version="2.1").xsd.iter_errors(str(broken)))


def test_dataset_json_metadata_is_still_checked_against_the_schema(tmp_path):
    frame = pd.DataFrame({"STUDYID": ["S"], "DOMAIN": ["TV"]})
    good = {"name": "TV", "label": "Trial Visits", "itemGroupOID": "IG.TV", "studyOID": "S",
            "metaDataVersionOID": "M", "originator": "o", "sourceSystem": {"name": "h", "version": "1"},
            "columns": [{"itemOID": "IT.TV.STUDYID", "name": "STUDYID", "label": "Study Identifier",
                         "dataType": "string", "length": 1},
                        {"itemOID": "IT.TV.DOMAIN", "name": "DOMAIN", "label": "Domain Abbreviation",
                         "dataType": "string", "length": 2}]}  # fmt: skip
    files._write_json(frame.astype("string"), tmp_path / "tv.json", good)
    assert (tmp_path / "tv.json").stat().st_size > 0
    with pytest.raises(DataValidationError):
        files._write_json(frame.astype("string"), tmp_path / "bad.json", {**good, "studyOID": 5})
    written = json.loads((tmp_path / "tv.json").read_text(encoding="utf-8"))
    assert list(files._dataset_schema().iter_errors(written)) == []
    del written["columns"]  # required by the Dataset-JSON 1.1 schema
    assert list(files._dataset_schema().iter_errors(written))


def test_define_xml_stays_valid_after_an_odm_export_in_the_same_process(tmp_path):
    """odmlib's namespace registry is process-wide and the ODM 1.3.2 builder resets it to the ODM namespaces:
    a define.xml written afterwards (a server worker runs both) must still declare xlink and def."""
    import odmlib.ns_registry as NS

    NS.NamespaceRegistry(prefix="odm", uri="http://www.cdisc.org/ns/odm/v1.3", is_default=True, is_reset=True)
    NS.NamespaceRegistry(prefix="xml", uri="http://www.w3.org/XML/1998/namespace")
    path = _define(tmp_path)
    assert schema_problems(path) == []
    text = path.read_text(encoding="utf-8")
    assert (
        'xmlns:xlink="http://www.w3.org/1999/xlink"' in text and 'xmlns:def="http://www.cdisc.org/ns/def/v2.1"' in text
    )
