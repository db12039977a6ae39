"""The REST API of docs/contracts/server.md: tokens, screening, enrolment, subjects, plan, audit, errors.

Eligibility verdicts cite NCT06988852 criteria (docs/contracts/screen.md); the plan is docs/contracts/plan.md.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from haictrial.clinical.dosing import plan_cycle
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.edc.accounts.models import ApiToken
from haictrial.edc.subjects.models import CyclePlan, Screening
from haictrial.protocol import load_protocol

from .conftest import PASSWORD, ApiClient
from .enrolment import consent_body

SUBJECT_CALLS = ["", "/plan?cycle=1", "/calendar", "/audit"]


def test_it_issues_a_token_and_stores_only_its_hash(users):
    client = ApiClient(None)
    response = client.post("/api/auth/token", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=users["alice"])
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.key_hash
    assert ApiClient(token).get("/api/subjects").status_code == 200


def test_it_refuses_a_wrong_password(users):
    response = ApiClient(None).post("/api/auth/token", {"username": "alice", "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "field"}
    assert "token" not in response.json()


def test_token_requests_are_throttled_after_repeated_failures(users, settings):
    client = ApiClient(None)
    wrong = {"username": "alice", "password": "wrong-password-1"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/api/auth/token", wrong).status_code == 401
    assert client.post("/api/auth/token", wrong).status_code == 429  # the limit-th failure locks
    locked = client.post("/api/auth/token", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert set(locked.json()) == {"detail", "field"}


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/subjects"),
        ("get", "/api/subjects/CHA-001-0001"),
        ("get", "/api/subjects/CHA-001-0001/plan?cycle=1"),
        ("get", "/api/subjects/CHA-001-0001/audit"),
        ("get", "/api/screenings"),
        ("post", "/api/screenings"),
        ("post", "/api/screenings/1/enroll"),
    ],
)
def test_it_answers_401_without_a_valid_token(enrolled, method, path):
    for client in (ApiClient(None), ApiClient("not-a-token")):
        response = client.get(path) if method == "get" else client.post(path, {})
        assert response.status_code == 401, (path, response.content)
        assert response.json()["detail"]
        assert "CHA-001-0001" not in response.content.decode()


def test_it_screens_a_patient_and_returns_the_screen_output_with_an_id(api, patient):
    response = api["alice"].post("/api/screenings", patient)
    assert response.status_code == 201
    body = response.json()
    assert isinstance(body["screening_id"], int)
    assert body["eligible"] is True
    assert [c["id"] for c in body["criteria"]] == [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]
    assert all(set(c) >= {"id", "kind", "status", "reason"} for c in body["criteria"])
    # Bilirubin 14.2 umol/L, albumin 39 g/L, INR 1.04, no ascites or encephalopathy: 5 points, class A (Pugh 1973).
    assert (body["child_pugh"]["score"], body["child_pugh"]["class"]) == (5, "A")
    assert body["missing"] == []


def test_it_stores_the_document_without_direct_identifiers(api, patient):
    body = api["alice"].post("/api/screenings", patient).json()
    stored = Screening.objects.get(pk=body["screening_id"])
    assert "birth_date" not in stored.patient and "identifiers" not in stored.patient
    assert stored.patient["age_years"] == 65  # born 1961-04-03, screened 2026-11-20 (criterion I1)
    assert stored.identifiers.full_name == "Zhang San"
    assert stored.protocol_version == load_protocol().version


def test_it_reports_unknown_criteria_and_missing_fields(api, patient):
    del patient["lvef_percent"]
    body = api["alice"].post("/api/screenings", patient).json()
    assert body["eligible"] is None
    assert "lvef_percent" in body["missing"]
    assert next(c for c in body["criteria"] if c["id"] == "I6")["status"] == "unknown"


def test_it_enrols_an_eligible_patient_with_a_site_sequence_and_the_targeted_agent(api, patient, enrolled):
    assert enrolled["subject_id"] == "CHA-001-0001"
    assert enrolled["status"] == "enrolled"
    # Left-sided (sigmoid) and KRAS/NRAS/BRAF wild type: cetuximab (NCT06988852 arm; docs/contracts/plan.md).
    assert enrolled["targeted_agent"] == "cetuximab"
    assert "left-sided" in enrolled["targeted_agent_reason"]
    patient["molecular"]["kras"] = "mutant"
    patient["identifiers"] = {"full_name": "Li Si", "hospital_number": "H-0043"}  # another person
    second = api["carol"].post("/api/screenings", patient).json()
    subject = api["carol"].post(f"/api/screenings/{second['screening_id']}/enroll", consent_body()).json()
    assert subject["subject_id"] == "CHA-001-0002"
    assert subject["targeted_agent"] == "bevacizumab"  # KRAS mutant
    patient["site"] = "002"
    patient["identifiers"] = {"full_name": "Wang Wu", "hospital_number": "H-0042"}  # same number, other site
    third = api["bob"].post("/api/screenings", patient).json()
    assert (
        api["bob"].post(f"/api/screenings/{third['screening_id']}/enroll", consent_body()).json()["subject_id"]
        == "CHA-002-0001"
    )


def test_it_refuses_to_enrol_an_ineligible_patient_with_the_reason(api, patient):
    patient["extrahepatic_metastasis"] = True  # exclusion E1
    body = api["alice"].post("/api/screenings", patient).json()
    assert body["eligible"] is False
    response = api["alice"].post(f"/api/screenings/{body['screening_id']}/enroll", consent_body())
    assert response.status_code == 409
    assert "E1" in response.json()["detail"]
    assert api["alice"].get("/api/subjects").json() == []


def test_it_refuses_to_enrol_when_eligibility_is_unknown(api, patient):
    del patient["ecog"]
    body = api["alice"].post("/api/screenings", patient).json()
    response = api["alice"].post(f"/api/screenings/{body['screening_id']}/enroll", consent_body())
    assert response.status_code == 409
    assert "ecog" in response.json()["detail"]


def test_it_refuses_to_enrol_twice(api, enrolled):
    response = api["alice"].post(f"/api/screenings/{enrolled['screening_id']}/enroll", consent_body())
    assert response.status_code == 409
    assert "CHA-001-0001" in response.json()["detail"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"site": None}, "site"),
        ({"site": "999"}, "site"),
        ({"labs": {"alt": {"value": 40, "unit": "furlongs"}}}, "labs.alt.unit"),
        ({"ecog": "seven"}, "ecog"),
        ({"ecog": 7}, "ecog"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"liver_lesions": [{"id": "L1", "longest_diameter_mm": -4}]}, "liver_lesions[0].longest_diameter_mm"),
        ({"screening_date": "20-11-2026"}, "screening_date"),
        ({"identifiers": {"full_name": "x" * 300}}, "identifiers.full_name"),
        ({"labs": {"platelets": {"value": "many", "unit": "10^9/L"}}}, "labs.platelets.value"),
    ],
)
def test_it_names_the_field_of_a_malformed_screening(api, patient, change, field):
    patient.update(change)
    response = api["alice"].post("/api/screenings", patient)
    assert response.status_code in (400, 422), response.content
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert Screening.objects.count() == 0


def test_it_answers_400_for_a_body_that_is_not_json(api):
    response = api["alice"].post("/api/screenings", raw="{not json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_it_rejects_nan_in_a_screening(api, patient):
    raw = json.dumps(patient).replace('"height_cm": 162', '"height_cm": NaN')
    response = api["alice"].post("/api/screenings", raw=raw)
    assert 400 <= response.status_code < 500
    assert Screening.objects.count() == 0


def test_it_returns_the_plan_of_the_plan_engine(api, enrolled, patient):
    response = api["alice"].get("/api/subjects/CHA-001-0001/plan", cycle=2)
    assert response.status_code == 200
    plan = response.json()
    document = {k: v for k, v in patient.items() if k not in ("site", "identifiers")}
    document["subject_id"] = "CHA-001-0001"
    expected = plan_cycle(parse_model(Patient, document), load_protocol(), 2).as_contract()
    # No eCRF recorded yet: the plan engine's plan, with no toxicity terms left out of dose modification.
    assert plan == json.loads(json.dumps(expected)) | {"ignored_toxicity_terms": []}
    assert plan["bsa_m2"] == 1.62  # docs/contracts/plan.md example: 162 cm, 58.5 kg, Mosteller
    assert plan["protocol_version"] == load_protocol().version and plan["engine_version"]
    assert not CyclePlan.objects.exists()  # a GET never writes


@pytest.mark.parametrize("cycle", ["0", "abc", "-1"])
def test_it_names_the_cycle_when_it_is_not_a_positive_number(api, enrolled, cycle):
    response = api["alice"].get("/api/subjects/CHA-001-0001/plan", cycle=cycle)
    assert response.status_code in (400, 422)
    assert response.json()["field"] == "cycle"


def test_it_lists_the_visit_calendar(api, enrolled):
    visits = api["alice"].get("/api/subjects/CHA-001-0001/calendar", cycles=2).json()
    assert [v["kind"] for v in visits if v["kind"] == "haic_cycle"] == ["haic_cycle", "haic_cycle"]
    assert sum(v["kind"] == "cetuximab_weekly" for v in visits) == 6  # days 1, 8, 15 of each cycle


def test_it_shows_the_subject_record_with_identifiers_to_its_own_site(api, enrolled):
    record = api["alice"].get("/api/subjects/CHA-001-0001").json()
    assert record["identifiers"]["full_name"] == "Zhang San"
    assert record["identifiers"]["birth_date"] == "1961-04-03"
    assert record["screening"]["eligible"] is True
    assert api["monty"].get("/api/subjects/CHA-001-0001").json()["identifiers"]["hospital_number"] == "H-0042"


@pytest.mark.parametrize("suffix", SUBJECT_CALLS)
def test_another_sites_user_gets_404_and_no_data_for_every_subject_call(api, enrolled, suffix):
    response = api["bob"].get(f"/api/subjects/CHA-001-0001{suffix}")
    assert response.status_code in (403, 404)
    text = response.content.decode()
    for secret in ("Zhang San", "H-0042", "1961-04-03", "cetuximab", "sigmoid"):
        assert secret not in text


def test_another_sites_user_cannot_change_a_subject(api, enrolled):
    response = api["bob"].patch("/api/subjects/CHA-001-0001", {"version": 1, "reason": "x", "status": "off_study"})
    assert response.status_code in (403, 404)
    assert api["alice"].get("/api/subjects/CHA-001-0001").json()["status"] == "enrolled"


def test_another_sites_user_cannot_see_or_enrol_a_screening(api, patient):
    body = api["alice"].post("/api/screenings", patient).json()
    assert api["bob"].get(f"/api/screenings/{body['screening_id']}").status_code == 404
    assert api["bob"].post(f"/api/screenings/{body['screening_id']}/enroll", consent_body()).status_code in (403, 404)
    assert api["bob"].get("/api/screenings").json() == []


def test_a_user_cannot_screen_at_another_site(api, patient):
    patient["site"] = "002"
    patient["identifiers"] = {"full_name": "Chen Liu", "hospital_number": "B-0001"}  # another person
    response = api["alice"].post("/api/screenings", patient)
    assert response.status_code == 403
    assert Screening.objects.count() == 0


def test_lists_and_search_show_only_the_callers_sites(api, enrolled):
    assert [s["subject_id"] for s in api["alice"].get("/api/subjects").json()] == ["CHA-001-0001"]
    assert api["bob"].get("/api/subjects").json() == []
    assert api["bob"].get("/api/subjects", q="CHA-001").json() == []
    assert api["alice"].get("/api/subjects", q="0001").json()[0]["site"] == "001"


def test_the_statistician_reads_every_site_de_identified(api, enrolled, patient):
    patient["site"] = "002"
    patient["identifiers"] = {"full_name": "Chen Liu", "hospital_number": "B-0001"}  # another person
    screening = api["bob"].post("/api/screenings", patient).json()
    api["bob"].post(f"/api/screenings/{screening['screening_id']}/enroll", consent_body())
    subjects = api["stan"].get("/api/subjects").json()
    assert {s["subject_id"] for s in subjects} == {"CHA-001-0001", "CHA-002-0001"}
    record = api["stan"].get("/api/subjects/CHA-001-0001")
    assert record.status_code == 200
    assert "identifiers" not in record.json()
    trail = api["stan"].get("/api/subjects/CHA-001-0001/audit").content.decode()
    for secret in ("Zhang San", "H-0042", "1961-04-03"):
        assert secret not in record.content.decode() and secret not in trail
    assert api["stan"].get("/api/screenings").status_code == 200


@pytest.mark.parametrize("name", ["stan", "monty", "adam"])
def test_read_only_roles_cannot_screen_enrol_or_edit(api, enrolled, patient, name):
    assert api[name].post("/api/screenings", patient).status_code == 403
    body = api["alice"].post("/api/screenings", patient).json()
    assert api[name].post(f"/api/screenings/{body['screening_id']}/enroll", consent_body()).status_code == 403
    change = {"version": 1, "reason": "x", "status": "on_treatment"}
    assert api[name].patch("/api/subjects/CHA-001-0001", change).status_code == 403


def test_the_admin_sees_no_identifiers(api, enrolled):
    assert "identifiers" not in api["adam"].get("/api/subjects/CHA-001-0001").json()


def test_it_records_every_change_in_the_subjects_audit_trail(api, enrolled):
    change = {
        "version": 1,
        "reason": "first HAIC cycle given",
        "status": "on_treatment",
        "treatment_start_date": "2026-11-27",
    }
    response = api["carol"].patch("/api/subjects/CHA-001-0001", change)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    trail = api["alice"].get("/api/subjects/CHA-001-0001/audit").json()
    assert [(e["action"], e["model"]) for e in trail] == [
        ("create", "subjects.screening"),
        ("create", "subjects.identifiers"),
        ("create", "subjects.subject"),
        ("create", "subjects.consent"),
        ("update", "subjects.subject"),
    ]
    last = trail[-1]
    assert last["user"] == "carol" and last["reason"] == "first HAIC cycle given"
    assert last["old_values"]["status"] == "enrolled" and last["new_values"]["status"] == "on_treatment"
    assert last["new_values"]["treatment_start_date"] == "2026-11-27"
    assert trail[1]["new_values"]["full_name"] == "Zhang San"  # own-site staff see identifier changes


@pytest.mark.parametrize(
    "change, field",
    [
        ({"version": 1, "status": "on_treatment"}, "reason"),
        ({"version": 1, "reason": "  ", "status": "on_treatment"}, "reason"),
        ({"reason": "x", "status": "on_treatment"}, "version"),
        ({"version": 1, "reason": "x", "status": "cured"}, "status"),
        ({"version": 1, "reason": "x", "status": "resected"}, "status"),
        ({"version": 1, "reason": "x", "treatment_start_date": "soon"}, "treatment_start_date"),
    ],
)
def test_it_names_the_field_of_a_bad_change(api, enrolled, change, field):
    response = api["alice"].patch("/api/subjects/CHA-001-0001", change)
    assert 400 <= response.status_code < 500 and response.status_code != 409, response.content
    assert response.json()["field"] == field


def test_the_openapi_document_declares_the_error_responses(db):
    response = ApiClient(None).get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/screenings", "/api/screenings/{screening_id}/enroll", "/api/subjects/{subject_id}/plan"):
        for operation in paths[path].values():
            assert {"401", "404", "409", "422"} <= set(operation["responses"]), path
    schema = response.json()["components"]["schemas"]["ScreeningIn"]
    assert "site" in schema["required"] and "labs" in schema["properties"]
