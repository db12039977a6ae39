"""A core error refused on an eCRF save is shown in the user's language: the adverse-event form's dates
(ICH E2A: an event resolves on or after its onset) rejected by the core, rendered from the error's template
and params in zh-Hans, and the same English text as the API's ``detail`` in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from haictrial.edc.crfs.models import FormRecord

from .conftest import payloads
from .test_pages import post_data

ZH_RESOLUTION = "恢复日期 {resolution} 早于发生日期 {onset}"
EN_RESOLUTION = "resolution date {resolution} is before onset date {onset}"


def client_for(user, language: str) -> Client:
    user.language = language
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", ZH_RESOLUTION), ("en", EN_RESOLUTION)])
def test_a_rejected_ae_save_shows_the_core_error_in_the_users_language(users, subject_id, course, language, expected):
    event = payloads(course, "adverse_events")[0]
    onset = dt.date.fromisoformat(event["onset_date"])
    resolution = (onset - dt.timedelta(days=1)).isoformat()
    data = post_data("adverse_events", {**event, "resolution_date": resolution})
    client = client_for(users["carol"], language)
    response = client.post(f"/subjects/{subject_id}/forms/adverse_events/new/", data)
    assert response.status_code == 200  # refused: the page again, with the error on its field
    assert not FormRecord.objects.filter(form="adverse_events").exists()
    html = response.content.decode()
    assert expected.format(resolution=resolution, onset=onset.isoformat()) in html
    if language == "zh-hans":
        assert EN_RESOLUTION.format(resolution=resolution, onset=onset.isoformat()) not in html
