"""Fixtures of the trial-operations tests: the trial-course fixtures (tests/edc/crfs/conftest.py), a file
outbox per test and immediate background tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haictrial.edc.subjects.models import Consent, Subject

from ..crfs.conftest import course, course_document, payloads  # noqa: F401


@pytest.fixture
def subject_id(enrolled, course):  # noqa: F811
    """The example patient enrolled at 001, enrolment and consent dated as in the course document (the consent
    signed on the enrolment day, before any study procedure: ICH E6(R2) 4.8.8)."""
    enrolment = dt.date.fromisoformat(course["enrolment_date"])
    moment = timezone.make_aware(dt.datetime.combine(enrolment, dt.time(9, 0)))
    Subject.objects.filter(subject_id=enrolled["subject_id"]).update(enrolled_at=moment)
    Consent.objects.filter(subject__subject_id=enrolled["subject_id"]).update(signed_on=enrolment)
    return enrolled["subject_id"]


@pytest.fixture(autouse=True)
def outbox_dir(settings, tmp_path):
    """E-mail goes to the .eml outbox of the file backend (no HAICTRIAL_EMAIL_URL); tasks run at once."""
    settings.EMAIL_BACKEND = "haictrial.edc.operations.mail.OutboxBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return tmp_path / "outbox"


def post_form(api, who, subject_id, form, payload):
    return api[who].post(f"/api/subjects/{subject_id}/forms/{form}", {"payload": payload})
