"""The SAE desk (per SAE clock state), the record status grid against each subject's visit schedule, and the
e-mail notifications (outbox content and recipients; none for a failed transaction).

Sources: ICH E2A II.B (seriousness: hospitalisation), ICH E6(R2) 4.11.1 (immediate SAE reporting; protocol
``settings.sae_initial_report_hours`` = 24 h); RFC 5322 (the .eml message format); REDCap record status dashboard.
"""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default as default_policy

import pytest
from django.db import transaction
from django.utils import timezone

from haictrial.edc.accounts.models import User
from haictrial.edc.crfs import progress
from haictrial.edc.operations import notify, tasks
from haictrial.edc.operations.desk import CellStatus
from haictrial.edc.subjects.models import Subject

from .conftest import payloads, post_form


def outbox(directory):
    files = sorted(directory.glob("*.eml")) if directory.exists() else []
    return [email.message_from_bytes(f.read_bytes(), policy=default_policy) for f in files]


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks of the saves (the test's own transaction never commits)."""
    return django_capture_on_commit_callbacks


@pytest.fixture(autouse=True)
def addresses(users):
    for user in User.objects.all():
        user.email = f"{user.username}@hospital.example"
        user.save()


def sae(course, aware_at, reported_at=None):
    event = payloads(course, "adverse_events")[0]
    event.update(term="Nausea", grade=3, seriousness=["hospitalisation"], action_taken="none", outcome="recovering")
    event.pop("resolution_date", None)
    event["aware_at"] = aware_at.isoformat()
    if reported_at is not None:
        event["reported_at"] = reported_at.isoformat()
    return event


@pytest.mark.parametrize(
    "aware_hours_ago, reported, status, overdue",
    [(2, False, "due", False), (30, False, "overdue", True), (30, True, "reported", False)],
)
def test_the_sae_desk_shows_each_clock_state(api, subject_id, course, aware_hours_ago, reported, status, overdue):
    now = timezone.now().replace(microsecond=0)
    aware = now - dt.timedelta(hours=aware_hours_ago)
    event = sae(course, aware, aware + dt.timedelta(hours=20) if reported else None)
    assert post_form(api, "alice", subject_id, "adverse_events", event).status_code == 201
    rows = api["carol"].get("/api/safety/sae").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["subject_id"] == subject_id and row["term"] == "Nausea" and row["grade"] == 3
    assert dt.datetime.fromisoformat(row["due_at"]) == aware + dt.timedelta(hours=24)  # protocol: 24 h
    assert row["overdue"] is overdue and row["status"] == status
    assert (row["reported_at"] is not None) is reported
    assert api["bob"].get("/api/safety/sae").json() == []  # another site's SAE is not shown


def test_a_non_serious_event_is_not_on_the_desk(api, subject_id, course):
    assert post_form(api, "alice", subject_id, "adverse_events", payloads(course, "adverse_events")[0]).status_code
    assert api["alice"].get("/api/safety/sae").json() == []


def test_a_new_sae_emails_the_sites_investigators_once(api, subject_id, course, outbox_dir, commits):
    event = sae(course, timezone.now() - dt.timedelta(hours=1))
    with commits(execute=True):
        response = post_form(api, "carol", subject_id, "adverse_events", event)
    assert response.status_code == 201
    messages = outbox(outbox_dir)
    assert [m["To"] for m in messages] == ["alice@hospital.example"]  # investigator of 001, not bob (002)
    assert "New SAE" in messages[0]["Subject"] and subject_id in messages[0]["Subject"]
    assert "Nausea" in messages[0].get_content() and "Initial report due at" in messages[0].get_content()
    # a later save of the subject sends nothing again
    with commits(execute=True):
        assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    assert len(outbox(outbox_dir)) == 1


def test_the_sae_mail_is_in_the_investigators_language(api, users, subject_id, course, outbox_dir, commits):
    User.objects.filter(username="alice").update(language="zh-hans")
    with commits(execute=True):
        assert post_form(api, "carol", subject_id, "adverse_events", sae(course, timezone.now())).status_code == 201
    message = outbox(outbox_dir)[0]
    assert "严重不良事件" in message["Subject"]


def test_no_mail_for_a_transaction_that_failed(users, subject_id, course, outbox_dir, commits):
    from haictrial.edc.crfs.services import save_form

    alice = User.objects.get(username="alice")
    with commits(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            save_form(alice, subject_id, "adverse_events", sae(course, timezone.now()))
            raise RuntimeError("the request failed after the save")
    assert callbacks == [] and outbox(outbox_dir) == []
    assert not Subject.objects.get(subject_id=subject_id).form_records.exists()


def test_the_reminder_goes_out_4_hours_before_due(api, subject_id, course, outbox_dir, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no new-SAE mail
    now = timezone.now()
    assert post_form(api, "alice", subject_id, "adverse_events", sae(course, now - dt.timedelta(hours=19))).status_code
    assert notify.sae_reminders(now) == []  # 5 h left
    sent = notify.sae_reminders(now + dt.timedelta(hours=1, minutes=1))  # 3 h 59 min left
    assert len(sent) == 1
    assert sorted(m["To"] for m in outbox(outbox_dir)) == ["alice@hospital.example", "carol@hospital.example"]
    assert "not reported yet" in outbox(outbox_dir)[0].get_content()
    assert notify.sae_reminders(now + dt.timedelta(hours=2)) == []  # once


def test_a_monitors_query_emails_the_sites_coordinators(api, subject_id, course, outbox_dir, commits):
    record = post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).json()
    body = {"subject_id": subject_id, "form": "baseline", "record_id": record["record_id"]}
    with commits(execute=True):
        response = api["monty"].post("/api/queries", {**body, "field": "visit_date", "message": "Check the date"})
    assert response.status_code == 201, response.content
    messages = [m for m in outbox(outbox_dir) if "query" in m["Subject"]]
    assert [m["To"] for m in messages] == ["carol@hospital.example"]
    assert "Check the date" in messages[0].get_content() and "Baseline" in messages[0].get_content()


def test_the_daily_digest_and_switching_it_off(api, users, subject_id, course, outbox_dir):
    record = post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).json()
    body = {"subject_id": subject_id, "form": "baseline", "record_id": record["record_id"]}
    assert api["monty"].post("/api/queries", {**body, "field": "visit_date", "message": "Check"}).status_code == 201
    notify.set_digest(User.objects.get(username="alice"), False)
    counts = tasks.run_checks(digest=True)
    assert counts["digests"] >= 2
    digests = [m for m in outbox(outbox_dir) if "Daily digest" in m["Subject"]]
    recipients = sorted(m["To"] for m in digests)
    assert "alice@hospital.example" not in recipients  # switched off
    assert "carol@hospital.example" in recipients and "monty@hospital.example" in recipients
    assert "bob@hospital.example" not in recipients  # nothing at 002
    assert "Open queries" in digests[0].get_content()
    assert tasks.run_checks(digest=True)["digests"] == 0  # once a day


def test_the_status_grid_agrees_with_each_subjects_schedule(api, subject_id, course):
    assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    assert post_form(api, "alice", subject_id, "haic_cycle", payloads(course, "haic_cycle")[0]).status_code == 201
    grid = api["carol"].get("/api/status-grid").json()
    subject = Subject.objects.get(subject_id=subject_id)
    visits = progress.subject_visits(subject)
    assert grid["visits"] == [v.label for v in visits]
    row = grid["subjects"][0]
    assert row["subject_id"] == subject_id and row["status"] == subject.status
    states = {"upcoming": {"not_due"}, "due": {"due", "incomplete", "complete"}, "overdue": {"overdue", "incomplete"}}
    for visit in visits:
        cell = row["cells"][visit.label]
        assert cell in {c.value for c in CellStatus}
        if visit.state.value in states:
            assert cell in states[visit.state.value] | {"queried"}, (visit.label, visit.state, cell)
        else:
            assert cell in {"incomplete", "complete", "verified", "locked", "queried"}
    assert api["bob"].get("/api/status-grid").json()["subjects"] == []
    assert api["carol"].get("/api/status-grid", status="bogus").status_code in (400, 422)
