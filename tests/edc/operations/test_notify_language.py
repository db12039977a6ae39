"""The e-mails are written in the recipient's language with no code or English template left: the SAE's
seriousness criterion as its label (ICH E2A section II.B: hospitalisation), the CTCAE v5.0 term kept as stored
with its Chinese name beside it (常见不良事件评价标准 5.0 版), and an edit-check query in the daily digest
rendered from its template (XF-ae-after-enrolment: an event before enrolment is medical history, ICH E2A
section II.A), its form and field by their labels.
"""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default as default_policy

from django.utils import timezone

from haictrial.edc.accounts.models import User
from haictrial.edc.operations import tasks

from .conftest import payloads, post_form


def outbox(directory):
    files = sorted(directory.glob("*.eml")) if directory.exists() else []
    return [email.message_from_bytes(f.read_bytes(), policy=default_policy) for f in files]


def _addresses(language: str) -> None:
    for user in User.objects.all():
        user.email = f"{user.username}@hospital.example"
        user.language = language
        user.save()


def _sae(course) -> dict:
    event = payloads(course, "adverse_events")[0]
    event.update(term="Nausea", grade=3, seriousness=["hospitalisation"], action_taken="none", outcome="recovering")
    event.pop("resolution_date", None)
    event["aware_at"] = timezone.now().isoformat()
    return event


def test_the_new_sae_mail_in_chinese_names_the_criterion_and_the_term(
    api, users, subject_id, course, outbox_dir, django_capture_on_commit_callbacks
):
    _addresses("zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_form(api, "carol", subject_id, "adverse_events", _sae(course)).status_code == 201
    message = outbox(outbox_dir)[0]
    body = message.get_content()
    assert "Nausea（恶心）" in message["Subject"] and "Nausea（恶心）" in body
    assert "住院或延长住院" in body and "hospitalisation" not in body


def test_the_new_sae_mail_in_english_keeps_the_term_alone(
    api, users, subject_id, course, outbox_dir, django_capture_on_commit_callbacks
):
    _addresses("en")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_form(api, "carol", subject_id, "adverse_events", _sae(course)).status_code == 201
    body = outbox(outbox_dir)[0].get_content()
    assert "Event: Nausea, CTCAE grade 3" in body and "恶心" not in body
    assert "Seriousness: hospitalisation" in body


def test_the_digest_in_chinese_shows_the_edit_check_query_rendered(api, users, subject_id, course, outbox_dir):
    _addresses("zh-hans")
    event = payloads(course, "adverse_events")[0]
    enrolment = dt.date.fromisoformat(course["enrolment_date"])
    event.update(onset_date=(enrolment - dt.timedelta(days=5)).isoformat(), resolution_date=None)
    assert post_form(api, "alice", subject_id, "adverse_events", event).status_code == 201
    assert tasks.run_checks(digest=True)["digests"] >= 1
    digest = next(m for m in outbox(outbox_dir) if m["To"] == "carol@hospital.example").get_content()
    assert "入组前发生的事件属于既往病史，不是不良事件" in digest
    assert "不良事件 · 发生日期" in digest
    assert "medical history" not in digest and "adverse_events" not in digest and "onset_date" not in digest
