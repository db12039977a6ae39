"""The EDC inherits the core's strict entry (haictrial.vocabulary.base, haictrial.clinical.limits): a payload
with a value of the wrong JSON type, outside its plausibility limit, or a date after today in the site's
time zone is refused naming the field, and nothing is stored. Stored records are read back as saved.

Sources: RFC 8259 (JSON types); clinical.limits (height 100-250 cm, weight 25-250 kg, labs in SI);
ICH E6(R2) 4.9.0 (ALCOA: no record dated after the day it is entered).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haictrial.edc.crfs import services
from haictrial.edc.crfs.models import FormRecord
from haictrial.errors import InputError

from .conftest import payloads

CASES = [
    # (form, path in the payload, value, field named) - the examples among them.
    ("baseline", ("ecog",), True, "ecog"),
    ("baseline", ("lvef_percent",), True, "lvef_percent"),
    ("baseline", ("demographics", "height_cm"), "170", "demographics.height_cm"),
    ("baseline", ("demographics", "height_cm"), 16200, "demographics.height_cm"),
    ("baseline", ("demographics", "weight_kg"), 1e308, "demographics.weight_kg"),
    ("baseline", ("primary_tumour", "resected"), "yes", "primary_tumour.resected"),
    ("haic_cycle", ("pre_cycle_labs", "platelets"), {"value": 1.82e8, "unit": "x10^3/uL"}, "pre_cycle_labs.platelets.value"),
    ("haic_cycle", ("infusions", 0, "given_dose_mg"), 21090, "infusions[0].given_dose_mg"),
    ("haic_cycle", ("weight_kg"), "58.5", "weight_kg"),
    ("imaging", ("target_mm", "T1"), 4000, "target_mm.T1"),
]  # fmt: skip


def _set(payload, path, value):
    path = path if isinstance(path, tuple) else (path,)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


@pytest.mark.parametrize(("form", "path", "value", "field"), CASES, ids=[f"{c[0]}:{c[3]}={c[2]!r}" for c in CASES])
def test_a_wrong_or_implausible_value_is_refused_naming_the_field(users, subject_id, course, form, path, value, field):
    if form == "imaging":
        services.save_form(users["alice"], subject_id, "baseline", payloads(course, "baseline")[0])
    before = FormRecord.objects.count()
    payload = _set(payloads(course, form)[0], path, value)
    with pytest.raises(InputError) as refused:
        services.save_form(users["alice"], subject_id, form, payload)
    assert refused.value.field == field, str(refused.value)
    assert FormRecord.objects.count() == before


def test_a_date_after_today_in_the_site_time_zone_is_refused(users, subject_id, course):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    payload = payloads(course, "follow_up")[0]
    payload["date"] = tomorrow.isoformat()
    with pytest.raises(InputError) as refused:
        services.save_form(users["alice"], subject_id, "follow_up", payload)
    assert refused.value.field == "date" and "after today" in refused.value.message
    payload["date"] = timezone.localdate().isoformat()  # today itself is fine
    services.save_form(users["alice"], subject_id, "follow_up", payload)


def test_the_api_answers_4xx_naming_the_field(api, subject_id, course):
    payload = payloads(course, "baseline")[0]
    payload["demographics"]["height_cm"] = "170"
    response = api["alice"].post(f"/api/subjects/{subject_id}/forms/baseline", {"payload": payload})
    assert response.status_code in (400, 422), response.content
    assert response.json()["field"] == "demographics.height_cm"
    assert not FormRecord.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("screening_date", "tomorrow", "after today"),
        ("height_cm", "170", "number"),
        ("pathology_confirmed_crlm", 1, "boolean"),
        ("weight_kg", 0.01 + 1e4, "25-250 kg"),
    ],
)
def test_a_screening_body_is_parsed_as_an_entry_on_the_site_date(field, value, words):
    from tests.clinical.test_strict_input import full_patient

    from haictrial.edc.subjects.services import parse_screening_body

    if value == "tomorrow":
        value = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = {**full_patient(), "site": "001", field: value}
    with pytest.raises(InputError) as refused:
        parse_screening_body(body)
    assert refused.value.field == field and words in refused.value.message, str(refused.value)
