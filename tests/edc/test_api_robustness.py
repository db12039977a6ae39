"""API robustness on every endpoint (docs/contracts/server.md, API errors and "Enrolment"): an over-size body
is 413 JSON, a malformed multipart body or invalid UTF-8 400 JSON, a NUL character or a lone surrogate
anywhere in a JSON body 422 naming the field, and 404/405 under /api/ answer JSON, never an HTML page.

Sources: RFC 9110 sections 15.5.6 (405 with Allow) and 15.5.14 (413 Content Too Large); RFC 8259 section 8.2
(a lone surrogate escape is not a Unicode character) and 8.1 (JSON text is UTF-8); PostgreSQL text and
jsonb cannot store U+0000.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from haictrial.edc.subjects.models import Screening

from .enrolment import consent_body

ENDPOINTS = [
    "/api/auth/token",
    "/api/screenings",
    "/api/screenings/1/enroll",
    "/api/subjects/CHA-001-0001/forms/concomitant_medications",
]


def _assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "field"} and body["detail"]
    assert body["field"] == field
    return body


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_body_over_the_size_limit_is_413_json(api, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    raw = json.dumps({"padding": "x" * 20_000})
    _assert_error(api["alice"].post(path, raw=raw), 413)
    _assert_error(api["anonymous"].post(path, raw=raw), 413)


def test_a_body_over_the_default_limit_of_2_5_mb_is_413(api, patient):
    patient["padding"] = "x" * (2_621_440 + 1)  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE default
    _assert_error(api["alice"].post("/api/screenings", patient), 413)
    assert not Screening.objects.exists()


def test_a_multipart_body_over_the_limit_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = Client().post("/api/auth/token", {"username": "alice", "password": "x" * 20_000})
    _assert_error(response, 413)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_multipart_body_without_boundary_is_400_json_even_unauthenticated(api, path):
    for client in (api["anonymous"], api["alice"]):
        response = client.client.generic(
            "POST", path, b"--x\r\n\r\n", content_type="multipart/form-data", headers=client.headers
        )
        _assert_error(response, 400)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_invalid_utf8_is_400_json(api, path):
    response = api["alice"].client.generic(
        "POST", path, b'{"username": "\xff\xfe"}', content_type="application/json", headers=api["alice"].headers
    )
    body = _assert_error(response, 400)
    assert "UTF-8" in body["detail"]


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"site": "001", "identifiers": {"full_name": "Zhang\\ud800"}}', "identifiers.full_name"),
        ('{"site": "001", "liver_lesions": [{"id": "L\\udc001", "longest_diameter_mm": 20}]}', "liver_lesions[0].id"),
        ('{"site": "001", "identifiers": {"hospital_number": "H\\u0000"}}', "identifiers.hospital_number"),
        ('{"site": "001", "labs": {"\\ud83d": 1}}', "labs.?"),
        ('{"site": "001\\u0000"}', "site"),
    ],
)
def test_a_nul_or_lone_surrogate_in_a_screening_is_422_naming_the_field(api, raw, field):
    _assert_error(api["alice"].post("/api/screenings", raw=raw), 422, field)
    assert not Screening.objects.exists()


def test_a_lone_surrogate_in_the_token_request_is_refused_before_authentication(api):
    _assert_error(
        api["anonymous"].post("/api/auth/token", raw='{"username": "\\udfff", "password": "x"}'), 422, "username"
    )


def test_a_nul_in_ecrf_text_or_a_change_reason_is_refused(api, enrolled):
    subject = enrolled["subject_id"]
    path = f"/api/subjects/{subject}/forms/concomitant_medications"
    _assert_error(api["alice"].post(path, {"payload": {"name": "Para\x00cetamol"}}), 422, "payload.name")
    created = api["alice"].post(path, {"payload": {"name": "Paracetamol"}})
    assert created.status_code == 201, created.content
    record = created.json()
    change = {"payload": {"name": "Paracetamol 500"}, "version": record["version"], "reason": "dose\x00"}
    client = api["alice"]
    put = client.client.put(
        f"{path}/{record['record_id']}", json.dumps(change), content_type="application/json", headers=client.headers
    )
    _assert_error(put, 422, "reason")
    edit = {"version": 1, "reason": "typo\x00", "status": "on_treatment"}
    _assert_error(api["alice"].patch(f"/api/subjects/{subject}", edit), 422, "reason")
    unchanged = api["alice"].get(f"{path}/{record['record_id']}").json()
    assert unchanged["payload"]["name"] == "Paracetamol" and unchanged["version"] == 1


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("DELETE", "/api/screenings", "GET, POST"),
        ("PUT", "/api/subjects", "GET"),
        ("GET", "/api/screenings/1/enroll", "POST"),
        ("POST", "/api/subjects/CHA-001-0001/plan", "GET"),
    ],
)
def test_a_wrong_method_is_405_json_with_allow(api, method, path, allowed):
    response = api["alice"].client.generic(method, path, b"", headers=api["alice"].headers)
    _assert_error(response, 405)
    assert set(response["Allow"].replace(" ", "").split(",")) == set(allowed.replace(" ", "").split(","))


@pytest.mark.parametrize(
    "path", ["/api/nothing", "/api/subjects/CHA-001-0001/nothing/else", "/api/subjects/CHA-001-0001/plan/x"]
)
def test_an_unknown_api_path_is_404_json(api, path):
    for client in (api["alice"], api["anonymous"]):
        body = _assert_error(client.get(path), 404)
        assert "<html" not in body["detail"].lower()


def test_pages_outside_the_api_keep_html_404_and_get_a_plain_413(db, client, settings):
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client.post("/login/", {"username": "alice", "password": "x" * 5_000})
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")


def test_an_ordinary_json_body_passes_through(api, patient):
    assert api["alice"].post("/api/screenings", patient).status_code == 201
    assert api["alice"].post("/api/screenings/999/enroll", consent_body()).status_code == 404
