"""Screening against the CHALLENGE-A1 eligibility criteria (NCT06988852, I1-I8 and E1-E8; docs/contracts/screen.md).

Each criterion is tested pass / fail / unknown from the registered wording, with its thresholds on both
sides (age 18-75 years; LVEF >= 45 %, FEV1/FVC >= 60 %, ECOG 0-1; WBC >= 3.0, neutrophils >= 1.5,
platelets >= 75 x10^9/L, total bilirubin <= 30 umol/L, ALT and AST <= 200 U/L, creatinine <= 150 umol/L;
measurable lesion >= 10 mm per RECIST 1.1 section 3.1.1, Eisenhauer 2009, doi:10.1016/j.ejca.2008.10.026;
Child-Pugh A per Pugh 1973, doi:10.1002/bjs.1800600817; E5 events within 6 calendar months).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haictrial.clinical.eligibility import (
    CRITERIA,
    CriterionResult,
    CriterionStatus,
    ScreeningResult,
    age_in_years,
    months_before,
    screen,
)
from haictrial.clinical.patient import Patient, completed_years
from haictrial.documents import parse_model
from haictrial.protocol import default_protocol_path, load_protocol
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.units import CONVERSIONS, Analyte

TESTS = Path(__file__).parent.parent
EXAMPLE_PATH = default_protocol_path().parent / "examples" / "patient.example.json"
SHARED_EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "patient.example.json"
VARIANT = TESTS / "data" / "protocols" / "variant.yaml"
PATIENTS = TESTS / "data" / "patients"

PASS, FAIL, UNKNOWN = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.UNKNOWN
DELETE = object()


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))


def changed(changes: dict[str, Any]) -> dict[str, Any]:
    """The example patient with dotted paths set (``DELETE`` removes the key)."""
    data = example()
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for name in parents:
            node = node.setdefault(name, {})
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return data


def screened(changes: dict[str, Any] | None = None, protocol: Protocol | None = None) -> ScreeningResult:
    patient = parse_model(Patient, changed(changes or {}))
    return screen(patient, protocol or load_protocol())


def criterion(result: ScreeningResult, criterion_id: str) -> CriterionResult:
    return next(c for c in result.criteria if c.id == criterion_id)


def lab(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def with_thresholds(**changes: Any) -> Protocol:
    """The bundled protocol with some eligibility thresholds changed (no code change)."""
    protocol = load_protocol()
    thresholds = protocol.eligibility.thresholds.model_copy(update=changes)
    eligibility = protocol.eligibility.model_copy(update={"thresholds": thresholds})
    return protocol.model_copy(update={"eligibility": eligibility})


# --- the shared example -------------------------------------------------------------------


def test_the_contract_example_is_eligible():
    result = screened()
    assert result.eligible is True
    assert [c.id for c in result.criteria] == [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]
    assert all(c.status == PASS for c in result.criteria)
    assert result.missing == []
    assert result.child_pugh is not None
    assert (result.child_pugh.score, result.child_pugh.child_pugh_class) == (5, "A")
    # docs/contracts/screen.md: born 1961-04-03, screened 2026-11-20 -> 65 years.
    assert criterion(result, "I1").reason == "age 65 years (18-75)"


def test_the_examples_gi_haemorrhage_is_older_than_6_months():
    # E5: 2026-11-20 minus 6 calendar months is 2026-05-20; 2025-12-10 is before it, so E5 passes.
    assert months_before(dt.date(2026, 11, 20), 6) == dt.date(2026, 5, 20)
    e5 = criterion(screened(), "E5")
    assert e5.status == PASS
    assert "2025-12-10" in e5.reason


def test_the_bundled_example_is_the_shared_contract_example():
    if not SHARED_EXAMPLE.exists():
        pytest.skip("the shared contracts directory is not beside this checkout")
    assert json.loads(SHARED_EXAMPLE.read_text(encoding="utf-8")) == example()


def test_the_contract_document_has_the_contract_fields():
    doc = screened().as_contract()
    assert {"subject_id", "eligible", "criteria", "child_pugh", "missing"} <= set(doc)
    assert doc["subject_id"] == "CHA-001-0001" and doc["eligible"] is True
    first = doc["criteria"][0]
    assert {k: first[k] for k in ("id", "kind", "status", "reason", "missing")} == {
        "id": "I1",
        "kind": "inclusion",
        "status": "pass",
        "reason": "age 65 years (18-75)",
        "missing": [],
    }
    # Extra fields (allowed by the contract): the translatable form of the reason.
    assert first["reason_template"] == "age {age} years ({min_years}-{max_years})"
    assert first["reason_params"] == {"age": 65, "min_years": 18, "max_years": 75}
    assert doc["child_pugh"]["score"] == 5 and doc["child_pugh"]["class"] == "A"
    assert doc["protocol_id"] == "CHALLENGE-A1" and doc["protocol_version"] == "1.0"
    assert json.loads(json.dumps(doc)) == doc  # plain JSON values only


# --- table-driven criteria ----------------------------------------------------------------

# (criterion id, changes to the example, expected status, text expected in the reason, expected missing)
CASES: list[tuple[str, dict[str, Any], CriterionStatus, str, list[str]]] = [
    # I1 age 18-75 on the screening date (2026-11-20), whole years, birthday-correct.
    ("I1", {"birth_date": "2008-11-20"}, PASS, "age 18 years (18-75)", []),
    ("I1", {"birth_date": "2008-11-21"}, FAIL, "age 17 years, outside 18-75", []),
    ("I1", {"birth_date": "1951-11-20"}, PASS, "age 75 years (18-75)", []),
    ("I1", {"birth_date": "1950-11-21"}, PASS, "age 75 years", []),
    ("I1", {"birth_date": "1950-11-20"}, FAIL, "age 76 years, outside 18-75", []),
    ("I1", {"birth_date": DELETE, "age_years": 18}, PASS, "age 18 years", []),
    ("I1", {"birth_date": DELETE, "age_years": 75}, PASS, "age 75 years", []),
    ("I1", {"birth_date": DELETE, "age_years": 17}, FAIL, "age 17 years", []),
    ("I1", {"birth_date": DELETE, "age_years": 76}, FAIL, "age 76 years", []),
    ("I1", {"age_years": 65}, PASS, "age_years 65 not used", []),  # a disagreeing age_years is refused
    ("I1", {"birth_date": DELETE}, UNKNOWN, "birth_date or age_years", ["birth_date or age_years"]),
    ("I1", {"birth_date": None, "age_years": None}, UNKNOWN, "not reported", ["birth_date or age_years"]),
    ("I1", {"screening_date": DELETE}, UNKNOWN, "screening_date", ["screening_date or age_years"]),
    ("I1", {"screening_date": DELETE, "age_years": 64}, PASS, "from age_years", []),
    # I2 no other malignancy.
    ("I2", {"other_malignancy_history": False}, PASS, "no history of other malignancy", []),
    ("I2", {"other_malignancy_history": True}, FAIL, "history of another malignancy", []),
    ("I2", {"other_malignancy_history": None}, UNKNOWN, "not reported", ["other_malignancy_history"]),
    # I3 refused or progressed on prior systemic treatment.
    ("I3", {"prior_systemic_treatment": "refused"}, PASS, "refused", []),
    ("I3", {"prior_systemic_treatment": "progressed"}, PASS, "progressed", []),
    ("I3", {"prior_systemic_treatment": "none"}, FAIL, "no prior systemic treatment", []),
    ("I3", {"prior_systemic_treatment": "ongoing_response"}, FAIL, "responding", []),
    ("I3", {"prior_systemic_treatment": DELETE}, UNKNOWN, "not reported", ["prior_systemic_treatment"]),
    # I4 pathology-confirmed CRLM.
    ("I4", {"pathology_confirmed_crlm": True}, PASS, "CRLM confirmed by pathology", []),
    ("I4", {"pathology_confirmed_crlm": False}, FAIL, "not confirmed", []),
    ("I4", {"pathology_confirmed_crlm": None}, UNKNOWN, "not reported", ["pathology_confirmed_crlm"]),
    # I5 measurable lesion >= 10 mm (RECIST 1.1 section 3.1.1).
    ("I5", {"liver_lesions": [{"id": "L1", "longest_diameter_mm": 10}]}, PASS, "L1 10 mm", []),
    ("I5", {"liver_lesions": [{"id": "L1", "longest_diameter_mm": 9.9}]}, FAIL, "L1 9.9 mm, below 10 mm", []),
    ("I5", {"liver_lesions": []}, FAIL, "no liver lesion", []),
    ("I5", {"liver_lesions": None}, UNKNOWN, "not reported", ["liver_lesions"]),
    (
        "I5",
        {"liver_lesions": [{"id": "L1"}]},
        UNKNOWN,
        "size of L1 not reported",
        ["liver_lesions[0].longest_diameter_mm"],
    ),
    (
        "I5",
        {"liver_lesions": [{"id": "L1", "longest_diameter_mm": None}, {"id": "L2", "longest_diameter_mm": 12}]},
        PASS,
        "L2 12 mm",
        [],
    ),
    (
        "I5",
        {"liver_lesions": [{"id": "L1", "longest_diameter_mm": 8}, {"id": "L2"}]},
        UNKNOWN,
        "size of L2 not reported",
        ["liver_lesions[1].longest_diameter_mm"],
    ),
    # I6 LVEF >= 45 %, FEV1/FVC >= 60 %, ECOG 0-1.
    ("I6", {"lvef_percent": 45}, PASS, "LVEF 45 % (>= 45 %)", []),
    ("I6", {"lvef_percent": 44.9}, FAIL, "LVEF 44.9 % below 45 %", []),
    ("I6", {"fev1_fvc_percent": 60}, PASS, "FEV1/FVC 60 %", []),
    ("I6", {"fev1_fvc_percent": 59.9}, FAIL, "FEV1/FVC 59.9 % below 60 %", []),
    ("I6", {"ecog": 0}, PASS, "ECOG 0 (0-1)", []),
    ("I6", {"ecog": 2}, FAIL, "ECOG 2, above 1", []),
    ("I6", {"lvef_percent": None}, UNKNOWN, "LVEF not reported", ["lvef_percent"]),
    ("I6", {"ecog": DELETE, "fev1_fvc_percent": DELETE}, UNKNOWN, "ECOG not reported", ["fev1_fvc_percent", "ecog"]),
    ("I6", {"ecog": DELETE, "lvef_percent": 30}, FAIL, "LVEF 30 % below 45 %", []),
    # I7 Child-Pugh class A (example: 5 points; albumin 30 g/L adds 1, INR 1.8 one more -> B).
    ("I7", {"labs.albumin": lab(30, "g/L")}, PASS, "Child-Pugh A (6 points)", []),
    ("I7", {"labs.albumin": lab(3.0, "g/dL"), "labs.inr": lab(1.8, "ratio")}, FAIL, "Child-Pugh B (7 points)", []),
    ("I7", {"ascites": "moderate_severe", "hepatic_encephalopathy": "grade_3_4"}, FAIL, "class A required", []),
    ("I7", {"labs.albumin": DELETE}, UNKNOWN, "labs.albumin not reported", ["labs.albumin"]),
    (
        "I7",
        {"ascites": None, "labs.inr": None},
        UNKNOWN,
        "labs.inr, ascites not reported",
        ["labs.inr", "ascites"],
    ),
    # I8 screening labs, compared in SI units.
    ("I8", {"labs.platelets": lab(75, "10^9/L")}, PASS, "platelets 75 x10^9/L (>= 75 x10^9/L)", []),
    ("I8", {"labs.platelets": lab(74.9, "10^9/L")}, FAIL, "platelets 74.9 x10^9/L below 75 x10^9/L", []),
    ("I8", {"labs.platelets": lab(62, "10^9/L")}, FAIL, "platelets 62 x10^9/L below 75", []),
    ("I8", {"labs.platelets": lab(75000, "/uL")}, PASS, "platelets 75000 /uL (75 x10^9/L)", []),
    ("I8", {"labs.platelets": lab(74.9, "10^3/uL")}, FAIL, "below 75 x10^9/L", []),
    ("I8", {"labs.wbc": lab(3.0, "10^9/L")}, PASS, "WBC 3 x10^9/L (>= 3 x10^9/L)", []),
    ("I8", {"labs.wbc": lab(2.9, "10^9/L")}, FAIL, "WBC 2.9 x10^9/L below 3 x10^9/L", []),
    ("I8", {"labs.neutrophils": lab(1.5, "10^9/L")}, PASS, "neutrophils 1.5", []),
    ("I8", {"labs.neutrophils": lab(1.49, "10^9/L")}, FAIL, "neutrophils 1.49 x10^9/L below 1.5", []),
    ("I8", {"labs.total_bilirubin": lab(30, "umol/L")}, PASS, "total bilirubin 30 umol/L (<= 30 umol/L)", []),
    ("I8", {"labs.total_bilirubin": lab(30.1, "umol/L")}, FAIL, "total bilirubin 30.1 umol/L above 30 umol/L", []),
    # 30 umol/L is 30 / 17.1 mg/dL (docs/contracts/screen.md factor 17.1): on the limit, so it passes.
    ("I8", {"labs.total_bilirubin": lab(30 / 17.1, "mg/dL")}, PASS, "mg/dL (30 umol/L)", []),
    ("I8", {"labs.total_bilirubin": lab(1.8, "mg/dL")}, FAIL, "1.8 mg/dL (30.78 umol/L) above 30 umol/L", []),
    ("I8", {"labs.alt": lab(200, "U/L")}, PASS, "ALT 200 U/L", []),
    ("I8", {"labs.alt": lab(201, "U/L")}, FAIL, "ALT 201 U/L above 200 U/L", []),
    ("I8", {"labs.ast": lab(200, "IU/L")}, PASS, "AST 200", []),
    ("I8", {"labs.ast": lab(200.5, "U/L")}, FAIL, "AST 200.5 U/L above 200 U/L", []),
    ("I8", {"labs.creatinine": lab(150, "umol/L")}, PASS, "creatinine 150 umol/L", []),
    ("I8", {"labs.creatinine": lab(151, "umol/L")}, FAIL, "creatinine 151 umol/L above 150", []),
    ("I8", {"labs.creatinine": lab(150 / 88.4, "mg/dL")}, PASS, "(150 umol/L)", []),
    ("I8", {"labs.creatinine": lab(1.7, "mg/dL")}, FAIL, "1.7 mg/dL (150.28 umol/L) above 150 umol/L", []),
    ("I8", {"labs.hemoglobin": DELETE}, PASS, "platelets", []),  # haemoglobin is not an I8 criterion
    ("I8", {"labs.platelets": DELETE}, UNKNOWN, "platelets not reported", ["labs.platelets"]),
    (
        "I8",
        {"labs.platelets": None, "labs.creatinine": lab(160, "umol/L")},
        FAIL,
        "creatinine 160 umol/L above 150 umol/L",
        [],
    ),
    (
        "I8",
        {"labs": None},
        UNKNOWN,
        "WBC not reported",
        [f"labs.{a}" for a in ("wbc", "neutrophils", "platelets", "total_bilirubin", "alt", "ast", "creatinine")],
    ),
    # E1 extrahepatic metastasis; E4 peritoneal spread; E6 resectable primary; E8 complete data.
    ("E1", {"extrahepatic_metastasis": False}, PASS, "no extrahepatic metastasis", []),
    ("E1", {"extrahepatic_metastasis": True}, FAIL, "extrahepatic metastasis", []),
    ("E1", {"extrahepatic_metastasis": None}, UNKNOWN, "not reported", ["extrahepatic_metastasis"]),
    ("E4", {"peritoneal_spread": False}, PASS, "no peritoneal spread", []),
    ("E4", {"peritoneal_spread": True}, FAIL, "peritoneal spread", []),
    ("E4", {"peritoneal_spread": DELETE}, UNKNOWN, "not reported", ["peritoneal_spread"]),
    ("E6", {"primary_tumor.completely_resectable": True}, PASS, "can be completely resected", []),
    ("E6", {"primary_tumor.completely_resectable": False}, FAIL, "may not be completely resected", []),
    (
        "E6",
        {"primary_tumor.completely_resectable": None},
        UNKNOWN,
        "not reported",
        ["primary_tumor.completely_resectable"],
    ),
    ("E6", {"primary_tumor": None}, UNKNOWN, "not reported", ["primary_tumor.completely_resectable"]),
    ("E8", {"data_complete": True}, PASS, "clinical data complete", []),
    ("E8", {"data_complete": False}, FAIL, "clinical data incomplete", []),
    ("E8", {"data_complete": None}, UNKNOWN, "not reported", ["data_complete"]),
    # E2, E3, E7 lists: null is unknown, [] passes, any entry fails.
    ("E2", {"unable_to_tolerate": []}, PASS, "able to tolerate chemotherapy, anaesthesia and surgery", []),
    ("E2", {"unable_to_tolerate": ["anesthesia"]}, FAIL, "unable to tolerate: anesthesia", []),
    ("E2", {"unable_to_tolerate": None}, UNKNOWN, "not reported", ["unable_to_tolerate"]),
    ("E3", {"allergies": []}, PASS, "no allergy to oxaliplatin", []),
    ("E3", {"allergies": ["oxaliplatin", "cetuximab"]}, FAIL, "oxaliplatin, cetuximab", []),
    ("E3", {"allergies": ["fluorouracil"]}, FAIL, "fluorouracil", []),
    ("E3", {"allergies": None}, UNKNOWN, "not reported", ["allergies"]),
    ("E7", {"prior_liver_directed_treatment": []}, PASS, "no prior resection, ablation or radiation", []),
    ("E7", {"prior_liver_directed_treatment": ["ablation"]}, FAIL, "ablation", []),
    ("E7", {"prior_liver_directed_treatment": ["resection", "radiation"]}, FAIL, "resection, radiation", []),
    ("E7", {"prior_liver_directed_treatment": DELETE}, UNKNOWN, "not reported", ["prior_liver_directed_treatment"]),
]


def _e5(*entries: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"medical_history": list(entries), **changes}


# E5 (screening 2026-11-20; 6 calendar months back is 2026-05-20, an event on that date is within).
CASES += [
    ("E5", _e5(), PASS, "no excluding medical history", []),
    ("E5", _e5({"condition": "gastrointestinal_hemorrhage", "date": "2026-05-20"}), FAIL, "within 6 months", []),
    ("E5", _e5({"condition": "gastrointestinal_hemorrhage", "date": "2026-05-19"}), PASS, "more than 6 months", []),
    ("E5", _e5({"condition": "cerebral_infarction", "date": "2026-11-20"}), FAIL, "cerebral infarction", []),
    ("E5", _e5({"condition": "cerebral_hemorrhage", "date": "2026-09-01"}), FAIL, "cerebral hemorrhage", []),
    ("E5", _e5({"condition": "gastrointestinal_perforation", "date": "2026-06-01"}), FAIL, "perforation", []),
    ("E5", _e5({"condition": "coagulation_disorder", "date": "1990-01-01"}), FAIL, "excluded at any date", []),
    ("E5", _e5({"condition": "gastrointestinal_ulcer"}), FAIL, "gastrointestinal ulcer: excluded at any date", []),
    (
        "E5",
        _e5({"condition": "gastrointestinal_perforation"}),
        UNKNOWN,
        "undated (may be within 6 months)",
        ["medical_history[0].date"],
    ),
    (
        "E5",
        _e5(
            {"condition": "cerebral_infarction", "date": "2020-01-01"},
            {"condition": "cerebral_hemorrhage", "date": None},
        ),
        UNKNOWN,
        "cerebral hemorrhage undated",
        ["medical_history[1].date"],
    ),
    (
        "E5",
        _e5({"condition": "cerebral_hemorrhage"}, {"condition": "gastrointestinal_hemorrhage", "date": "2026-10-01"}),
        FAIL,
        "within 6 months",
        [],
    ),
    ("E5", _e5({"condition": "cerebral_hemorrhage"}, {"condition": "coagulation_disorder"}), FAIL, "any date", []),
    (
        "E5",
        _e5({"condition": "gastrointestinal_hemorrhage", "date": "2025-01-01"}, screening_date=None),
        UNKNOWN,
        "screening_date not reported",
        ["screening_date"],
    ),
    ("E5", _e5({"condition": "gastrointestinal_ulcer"}, screening_date=None), FAIL, "any date", []),
    ("E5", {"medical_history": None}, UNKNOWN, "not reported", ["medical_history"]),
    # Month-end: 6 months before 2026-08-31 is 2026-02-28.
    (
        "E5",
        _e5({"condition": "cerebral_infarction", "date": "2026-02-28"}, screening_date="2026-08-31"),
        FAIL,
        "since 2026-02-28",
        [],
    ),
    (
        "E5",
        _e5({"condition": "cerebral_infarction", "date": "2026-02-27"}, screening_date="2026-08-31"),
        PASS,
        "more than 6 months",
        [],
    ),
]


@pytest.mark.parametrize(
    ("criterion_id", "changes", "status", "reason", "missing"),
    CASES,
    ids=[f"{c[0]}-{i}-{c[2].value}" for i, c in enumerate(CASES)],
)
def test_each_criterion(criterion_id, changes, status, reason, missing):
    result = criterion(screened(changes), criterion_id)
    assert result.status == status, result.reason
    assert reason in result.reason
    assert result.missing == missing
    assert result.kind.value == ("inclusion" if criterion_id.startswith("I") else "exclusion")


def test_every_criterion_has_pass_fail_and_unknown_cases():
    seen = {(c[0], c[2]) for c in CASES}
    for obj in CRITERIA:
        for status in CriterionStatus:
            assert (obj.id, status) in seen, (obj.id, status)


def test_both_birth_date_and_age_years_use_birth_date_and_say_so():
    i1 = criterion(screened({"age_years": 65}), "I1")
    assert i1.status == PASS
    assert i1.reason == ("age 65 years (18-75); computed from birth_date and screening_date, age_years 65 not used")


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        ("1961-04-03", "2026-11-20", 65),
        ("1961-04-03", "2026-04-02", 64),  # day before the birthday
        ("1961-04-03", "2026-04-03", 65),  # on the birthday
        ("2000-02-29", "2018-02-28", 17),  # leap-day birthday, common year: reached on 1 March
        ("2000-02-29", "2018-03-01", 18),
        ("2000-02-29", "2020-02-29", 20),
    ],
)
def test_age_in_completed_years(birth, on, years):
    assert age_in_years(dt.date.fromisoformat(birth), dt.date.fromisoformat(on)) == years


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-11-20", 6, "2026-05-20"),
        ("2026-08-31", 6, "2026-02-28"),  # clamped to the month's last day
        ("2028-08-31", 6, "2028-02-29"),  # leap year
        ("2026-03-15", 6, "2025-09-15"),  # across the year
        ("2026-01-31", 12, "2025-01-31"),
        ("2026-12-31", 1, "2026-11-30"),
    ],
)
def test_months_before_counts_calendar_months(day, months, expected):
    assert months_before(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


# --- the verdict ---------------------------------------------------------------------------


def test_a_failure_makes_the_patient_ineligible_even_with_unknowns():
    result = screened({"labs.platelets": lab(62, "10^9/L"), "labs.albumin": DELETE})
    assert result.eligible is False
    assert criterion(result, "I8").status == FAIL
    assert criterion(result, "I7").status == UNKNOWN
    assert result.missing == ["labs.albumin"]
    assert result.child_pugh is None


def test_unknowns_without_failure_leave_the_verdict_open_and_list_the_fields():
    result = screened({"lvef_percent": DELETE, "allergies": None})
    assert result.eligible is None
    assert result.missing == ["lvef_percent", "allergies"]


def test_every_failure_is_reported_at_once():
    result = screened(
        {"age_years": None, "birth_date": "2010-01-01", "extrahepatic_metastasis": True, "data_complete": False}
    )
    assert [c.id for c in result.criteria if c.status == FAIL] == ["I1", "E1", "E8"]


@pytest.mark.parametrize(
    ("name", "eligible", "failing", "missing"),
    [
        ("ineligible.json", False, ["I7", "I8", "E1"], []),
        ("undecided.json", None, [], ["labs.albumin", "medical_history[0].date"]),
        ("conventional_units.json", True, [], []),
    ],
)
def test_the_example_patients(name, eligible, failing, missing):
    patient = parse_model(Patient, json.loads((PATIENTS / name).read_text(encoding="utf-8")))
    result = screen(patient, load_protocol())
    assert result.eligible is eligible
    assert [c.id for c in result.criteria if c.status == FAIL] == failing
    assert result.missing == missing


# --- thresholds come from the protocol ----------------------------------------------------


def test_a_variant_protocol_changes_verdicts_without_code_change():
    # variant.yaml: age to 80, platelets >= 100 x10^9/L, total bilirubin <= 1.5 mg/dL (25.65 umol/L).
    variant = load_protocol(VARIANT)
    age_78 = {"birth_date": "1948-01-01"}
    assert criterion(screened(age_78), "I1").status == FAIL
    assert criterion(screened(age_78, variant), "I1").status == PASS
    platelets_90 = {"labs.platelets": lab(90, "10^9/L")}
    assert criterion(screened(platelets_90), "I8").status == PASS
    i8 = criterion(screened(platelets_90, variant), "I8")
    assert i8.status == FAIL and i8.reason == "platelets 90 x10^9/L below 100 x10^9/L"
    bilirubin_27 = {"labs.total_bilirubin": lab(27, "umol/L")}
    assert screened(bilirubin_27).eligible is True
    result = screened(bilirubin_27, variant)
    assert result.eligible is False
    assert criterion(result, "I8").reason == "total bilirubin 27 umol/L above 1.5 mg/dL = 25.65 umol/L"
    assert result.protocol_version == "1.0-variant"
    # On the variant's limit, in its own unit: passes.
    assert criterion(screened({"labs.total_bilirubin": lab(1.5, "mg/dL")}, variant), "I8").status == PASS


def test_the_e5_lookback_comes_from_the_protocol():
    # The example's GI haemorrhage (2025-12-10) is within 12 months of 2026-11-20 (since 2025-11-20).
    e5 = criterion(screened(protocol=with_thresholds(E5_recent_event_months=12)), "E5")
    assert e5.status == FAIL and "within 12 months (since 2025-11-20)" in e5.reason


def test_the_e5_condition_lists_come_from_the_protocol():
    protocol = with_thresholds(
        E5_recent_conditions=["cerebral_infarction"],
        E5_any_time_conditions=["gastrointestinal_hemorrhage"],
    )
    assert criterion(screened(protocol=protocol), "E5").status == FAIL
    ulcer = {"medical_history": [{"condition": "gastrointestinal_ulcer"}]}
    e5 = criterion(screened(ulcer, protocol), "E5")
    assert e5.status == PASS and "not an exclusion under this protocol" in e5.reason


def test_the_measurable_size_and_child_pugh_classes_come_from_the_protocol():
    assert criterion(screened(protocol=with_thresholds(I5_measurable_min_mm=50)), "I5").status == FAIL
    class_b = {"labs.albumin": lab(30, "g/L"), "labs.inr": lab(1.8, "ratio")}
    assert criterion(screened(class_b), "I7").status == FAIL
    assert criterion(screened(class_b, with_thresholds(I7_child_pugh_classes=["A", "B"])), "I7").status == PASS


def test_organ_function_limits_come_from_the_protocol():
    protocol = load_protocol()
    organ = protocol.eligibility.thresholds.I6_organ_function.model_copy(update={"ecog_max": 0})
    i6 = criterion(screened(protocol=with_thresholds(I6_organ_function=organ)), "I6")
    assert i6.status == FAIL and i6.reason == "ECOG 1, above 0"


# --- invariants ----------------------------------------------------------------------------

#: Every field some criterion needs, and the name it is reported under when absent.
REQUIRED: dict[str, list[str]] = {
    "birth_date": ["birth_date or age_years"],
    "screening_date": ["screening_date or age_years", "screening_date"],
    "ecog": ["ecog"],
    "lvef_percent": ["lvef_percent"],
    "fev1_fvc_percent": ["fev1_fvc_percent"],
    "pathology_confirmed_crlm": ["pathology_confirmed_crlm"],
    "other_malignancy_history": ["other_malignancy_history"],
    "prior_systemic_treatment": ["prior_systemic_treatment"],
    "primary_tumor.completely_resectable": ["primary_tumor.completely_resectable"],
    "liver_lesions": ["liver_lesions"],
    "extrahepatic_metastasis": ["extrahepatic_metastasis"],
    "peritoneal_spread": ["peritoneal_spread"],
    "ascites": ["ascites"],
    "hepatic_encephalopathy": ["hepatic_encephalopathy"],
    **{f"labs.{a}": [f"labs.{a}"] for a in Analyte if a != Analyte.hemoglobin},
    "medical_history": ["medical_history"],
    "allergies": ["allergies"],
    "unable_to_tolerate": ["unable_to_tolerate"],
    "prior_liver_directed_treatment": ["prior_liver_directed_treatment"],
    "data_complete": ["data_complete"],
}


@pytest.mark.parametrize("path", list(REQUIRED))
def test_removing_a_required_field_leaves_the_verdict_open(path):
    result = screened({path: DELETE})
    assert result.eligible is None
    assert result.missing == REQUIRED[path]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths=st.sets(st.sampled_from(sorted(REQUIRED)), min_size=1), as_null=st.booleans())
def test_removing_any_required_fields_never_yields_eligible(paths, as_null):
    result = screened({p: None if as_null else DELETE for p in paths})
    assert result.eligible is not True
    assert result.eligible is None  # the example fails nothing: only unknowns remain
    # Only removed fields are reported missing (a removed screening_date is not named once birth_date is gone).
    assert result.missing
    assert set(result.missing) <= {name for path in paths for name in REQUIRED[path]}


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def lab_values(draw: st.DrawFn, analyte: Analyte) -> dict[str, Any]:
    unit = draw(st.sampled_from(list(CONVERSIONS[analyte][1])))
    return {"value": draw(st.floats(0, 500, allow_nan=False)), "unit": unit}


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    """Random valid patient documents, every field possibly absent."""
    screening = draw(_maybe(st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31))))
    data: dict[str, Any] = {
        "screening_date": screening,
        "birth_date": draw(_maybe(st.dates(dt.date(1930, 1, 1), screening or dt.date(2024, 1, 1)))),
        "age_years": draw(_maybe(st.integers(0, 120))),
        "ecog": draw(_maybe(st.integers(0, 4))),
        "lvef_percent": draw(_maybe(st.floats(20, 80))),
        "fev1_fvc_percent": draw(_maybe(st.floats(40, 95))),
        "pathology_confirmed_crlm": draw(_maybe(st.booleans())),
        "other_malignancy_history": draw(_maybe(st.booleans())),
        "prior_systemic_treatment": draw(
            _maybe(st.sampled_from(["progressed", "refused", "none", "ongoing_response"]))
        ),
        "primary_tumor": {"completely_resectable": draw(_maybe(st.booleans()))},
        "liver_lesions": draw(
            _maybe(
                st.lists(
                    st.fixed_dictionaries(
                        {"id": st.just("L"), "longest_diameter_mm": _maybe(st.floats(1, 100))},
                    ),
                    max_size=3,
                )
            )
        ),
        "extrahepatic_metastasis": draw(_maybe(st.booleans())),
        "peritoneal_spread": draw(_maybe(st.booleans())),
        "ascites": draw(_maybe(st.sampled_from(["none", "mild", "moderate_severe"]))),
        "hepatic_encephalopathy": draw(_maybe(st.sampled_from(["none", "grade_1_2", "grade_3_4"]))),
        "labs": {a.value: draw(_maybe(lab_values(a))) for a in Analyte},
        "medical_history": draw(
            _maybe(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "condition": st.sampled_from(
                                ["cerebral_infarction", "gastrointestinal_hemorrhage", "gastrointestinal_ulcer"]
                            ),
                            "date": _maybe(st.dates(dt.date(2015, 1, 1), screening or dt.date(2030, 12, 31))),
                        }
                    ),
                    max_size=2,
                )
            )
        ),
        "allergies": draw(_maybe(st.lists(st.sampled_from(["oxaliplatin", "cetuximab"]), max_size=1))),
        "unable_to_tolerate": draw(_maybe(st.lists(st.sampled_from(["surgery"]), max_size=1))),
        "prior_liver_directed_treatment": draw(_maybe(st.lists(st.sampled_from(["ablation"]), max_size=1))),
        "data_complete": draw(_maybe(st.booleans())),
    }
    document = json.loads(json.dumps(data, default=str))
    if draw(st.booleans()):
        # Near the eligible example: only a few fields changed, so all three verdicts occur.
        keys = draw(st.sets(st.sampled_from(sorted(document)), max_size=3))
        document = {**example(), **{k: document[k] for k in keys}}
        if document.get("birth_date") and document.get("screening_date"):
            document["birth_date"] = min(document["birth_date"], document["screening_date"])
        history = document.get("medical_history") or []
        if document.get("screening_date"):
            for entry in history:
                if entry.get("date") and entry["date"] > document["screening_date"]:
                    entry["date"] = document["screening_date"]
    if all(document.get(k) is not None for k in ("birth_date", "screening_date", "age_years")):
        # age_years disagreeing with birth_date is refused (tests/clinical/test_strict_input.py): agree.
        birth, on = (dt.date.fromisoformat(document[k]) for k in ("birth_date", "screening_date"))
        document["age_years"] = completed_years(birth, on)
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=patients())
def test_the_verdict_follows_the_statuses(document):
    result = screen(parse_model(Patient, document), load_protocol())
    statuses = [c.status for c in result.criteria]
    assert len(statuses) == 16
    assert (result.eligible is True) == all(s == PASS for s in statuses)
    assert (result.eligible is False) == (FAIL in statuses)
    if result.eligible is None:
        assert result.missing
    for c in result.criteria:
        # A criterion is unknown exactly when something it needs is missing.
        assert bool(c.missing) == (c.status == UNKNOWN), c
        assert c.reason
    assert (result.child_pugh is None) == (criterion(result, "I7").status == UNKNOWN)
    assert result.missing == list(dict.fromkeys(m for c in result.criteria for m in c.missing))
