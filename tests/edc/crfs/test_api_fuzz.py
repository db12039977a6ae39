"""Never a 500 for anything a client sends to the eCRF and data-management API (docs/contracts/server.md):
random values in the fields of every form's payload, random bodies, random path values."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import course_document, payloads

FORMS = [
    "baseline",
    "haic_cycle",
    "targeted_agent",
    "imaging",
    "adverse_events",
    "concomitant_medications",
    "mdt_review",
    "resection",
    "follow_up",
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
COURSE = course_document()


def _fields(form: str) -> list[str]:
    return sorted(payloads(COURSE, form)[0]) + ["unexpected"]


ALL_FIELDS = sorted({f"{form}:{field}" for form in FORMS for field in _fields(form)})


@SETTINGS
@given(changes=st.lists(st.tuples(st.sampled_from(ALL_FIELDS), JSON_VALUES), max_size=3))
def test_a_form_payload_never_causes_a_500(api, subject_id, changes):
    by_form: dict[str, dict] = {}
    for key, value in changes:
        form, field = key.split(":")
        by_form.setdefault(form, payloads(COURSE, form)[0])[field] = value
    for form, payload in by_form.items():
        response = api["alice"].post(f"/api/subjects/{subject_id}/forms/{form}", {"payload": payload})
        assert response.status_code in (201, 400, 409, 422), (form, payload, response.content)
        if response.status_code != 201:
            assert set(response.json()) == {"detail", "field"}


@SETTINGS
@given(body=JSON_VALUES)
def test_any_json_body_never_causes_a_500(api, subject_id, body):
    for path in (
        f"/api/subjects/{subject_id}/forms/baseline",
        f"/api/subjects/{subject_id}/sign",
        "/api/queries",
        "/api/queries/1/answer",
        f"/api/subjects/{subject_id}/forms/baseline/1/verify",
    ):
        response = api["alice"].post(path, raw=json.dumps(body))
        assert response.status_code < 500, (path, body, response.content)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(segment=st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_path_values_never_cause_a_500(api, subject_id, segment):
    quoted = quote(segment)
    for path in (
        f"/api/subjects/{quoted}/forms",
        f"/api/subjects/{subject_id}/forms/{quoted}/1",
        f"/api/subjects/{quoted}/visits",
        f"/api/queries/{quoted}",
    ):
        assert api["alice"].get(path).status_code in (400, 404, 422), path
    assert api["alice"].get(f"/api/subjects/{subject_id}/haic-prefill", cycle=segment).status_code in (200, 400, 422)


def test_a_cycle_number_beyond_the_database_is_a_bad_request(api, subject_id):
    for form, field in (("haic_cycle", "cycle"), ("targeted_agent", "cycle"), ("imaging", "after_cycle")):
        payload = payloads(COURSE, form)[0]
        payload[field] = 2**63
        response = api["alice"].post(f"/api/subjects/{subject_id}/forms/{form}", {"payload": payload})
        assert response.status_code == 400, response.content
        assert response.json()["field"] == field
