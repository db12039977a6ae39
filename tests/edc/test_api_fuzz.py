"""Never a 500 for anything a client sends (docs/contracts/server.md): random documents and random
values in every field of the screening body, and random path and query values."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haictrial.clinical.patient import Patient

from .enrolment import consent_body

FIELDS = sorted(Patient.model_fields) + ["site", "identifiers", "unexpected"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=4))
def test_a_screening_body_never_causes_a_500(api, patient, changes):
    body = dict(patient, **changes)
    response = api["alice"].post("/api/screenings", body)
    assert response.status_code in (201, 400, 403, 422), (changes, response.content)
    if response.status_code != 201:
        assert set(response.json()) == {"detail", "field"}


@SETTINGS
@given(body=JSON_VALUES)
def test_any_json_document_as_a_body_never_causes_a_500(api, body):
    for path in ("/api/screenings", "/api/auth/token", "/api/screenings/1/enroll"):
        response = api["alice"].post(path, raw=json.dumps(body))
        assert response.status_code < 500, (path, body, response.content)


@SETTINGS
@given(
    segment=st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and "?" not in s and "#" not in s),
    cycle=st.text(max_size=12),
)
def test_path_and_query_values_never_cause_a_500(api, enrolled, segment, cycle):
    from urllib.parse import quote

    for path in (
        f"/api/subjects/{quote(segment)}",
        f"/api/subjects/{quote(segment)}/audit",
        f"/api/screenings/{quote(segment)}",
    ):
        assert api["alice"].get(path).status_code in (400, 404, 422)
    assert api["alice"].get("/api/subjects/CHA-001-0001/plan", cycle=cycle).status_code in (200, 400, 422)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"identifiers": {"full_name": "Zhang\x00San"}}, "identifiers.full_name"),
        ({"liver_lesions": [{"id": "L\x001", "longest_diameter_mm": 20}]}, "liver_lesions[0].id"),
        ({"labs": {"alt": {"value": 40, "unit": "U/L\x00"}}}, "labs.alt.unit"),
    ],
)
def test_a_nul_character_is_an_input_error_naming_the_field(api, patient, change, field):
    # PostgreSQL text and JSON cannot hold NUL: refused up front, on every database.
    patient.update(change)
    response = api["alice"].post("/api/screenings", patient)
    assert response.status_code in (400, 422)
    assert response.json()["field"] == field


def test_values_a_database_cannot_store_are_client_errors(api, enrolled):
    huge = str(2**70)
    assert api["alice"].get(f"/api/screenings/{huge}").status_code in (404, 422)
    assert api["alice"].post(f"/api/screenings/{huge}/enroll", consent_body()).status_code in (404, 422)
    assert api["alice"].get("/api/subjects/CHA-001-0001/plan", cycle=huge).status_code == 422
    assert api["alice"].get("/api/subjects", q="CHA\x00").json() == []
    assert api["alice"].get("/api/subjects", status="cured").json() == []
    change = {"version": 2**70, "reason": "x", "status": "on_treatment"}
    assert api["alice"].patch("/api/subjects/CHA-001-0001", change).status_code == 422
    change = {"version": 1, "reason": "x\x00", "status": "on_treatment"}
    assert api["alice"].patch("/api/subjects/CHA-001-0001", change).json()["field"] == "reason"
    token = api["anonymous"].post("/api/auth/token", {"username": "ali\x00ce", "password": "x"})
    assert token.status_code in (401, 422)
