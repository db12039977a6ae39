"""The Deviations page, the SAE desk, the status grid, the dashboard tile and the digest switch, in English and
Simplified Chinese (every string through gettext); no inline script or style (CSP allows only 'self')."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from haictrial.edc.accounts.models import User
from haictrial.edc.operations.notify import wants_digest

from .conftest import payloads, post_form


def login(name, language="en"):
    User.objects.filter(username=name).update(language=language)
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


@pytest.fixture
def an_sae(api, subject_id, course, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    event = payloads(course, "adverse_events")[0]
    event.update(grade=3, seriousness=["hospitalisation"], outcome="recovering")
    event.pop("resolution_date", None)
    event["aware_at"] = (timezone.now() - dt.timedelta(hours=30)).isoformat()
    assert post_form(api, "alice", subject_id, "adverse_events", event).status_code == 201
    return subject_id


@pytest.mark.parametrize(
    "language, words", [("en", ["SAE desk", "overdue"]), ("zh-hans", ["严重不良事件工作台", "逾期"])]
)
def test_sae_desk_grid_and_dashboard_in_both_languages(users, an_sae, language, words):
    client = login("carol", language)
    for path in ("/safety/sae/", "/status-grid/", "/", "/deviations/"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert 'style="' not in text and "<script>" not in text
    desk = client.get("/safety/sae/").content.decode()
    assert an_sae in desk and all(w in desk for w in words)
    assert words[0] in client.get("/").content.decode()  # the dashboard tile
    grid = client.get("/status-grid/").content.decode()
    assert f"/subjects/{an_sae}/" in grid and "cell-" in grid


def test_a_monitor_reviews_a_deviation_on_the_page(users, api, subject_id, course):
    from haictrial.edc.operations.models import Deviation
    from haictrial.edc.subjects.models import Screening, Subject

    subject = Subject.objects.get(subject_id=subject_id)
    Screening.objects.filter(pk=subject.screening_id).update(result=dict(subject.screening.result, eligible=False))
    assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    deviation = Deviation.objects.get(kind="enrolled_not_eligible")
    client = login("monty")
    assert "Mark reviewed" in client.get("/deviations/").content.decode()
    assert "Mark reviewed" not in login("carol").get("/deviations/").content.decode()
    response = client.post("/deviations/", {"deviation_id": deviation.pk, "comment": "waiver on file"}, follow=True)
    assert response.status_code == 200
    deviation.refresh_from_db()
    assert deviation.status == "reviewed" and deviation.review_comment == "waiver on file"


def test_the_digest_can_be_switched_off_on_the_account_page(users):
    client = login("carol")
    assert "Daily digest" in client.get("/account/").content.decode()
    client.post("/account/notifications/", {})
    assert wants_digest(User.objects.get(username="carol")) is False
    client.post("/account/notifications/", {"daily_digest": "on"})
    assert wants_digest(User.objects.get(username="carol")) is True
