"""Concurrent users: a stale edit is a conflict (optimistic locking by version), never a silent
overwrite; subject numbers stay unique and gap-free when enrolments race."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections

from haictrial.edc.accounts.services import issue_token
from haictrial.edc.audit import chain
from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.subjects.models import Subject

from .conftest import ApiClient
from .enrolment import consent_body


def test_the_database_is_the_one_the_suite_was_asked_for(db):
    # The PostgreSQL run (test_postgres.py) sets this, so that a silent fallback to SQLite fails.
    assert connection.vendor == os.environ.get("HAICTRIAL_EXPECT_DB_VENDOR", connection.vendor)


def test_the_second_stale_edit_gets_409_and_nothing_is_overwritten(api, enrolled):
    version = api["alice"].get("/api/subjects/CHA-001-0001").json()["version"]
    assert api["carol"].get("/api/subjects/CHA-001-0001").json()["version"] == version
    first = api["carol"].patch(
        "/api/subjects/CHA-001-0001", {"version": version, "reason": "cycle 1 given", "status": "on_treatment"}
    )
    assert first.status_code == 200
    second = api["alice"].patch(
        "/api/subjects/CHA-001-0001", {"version": version, "reason": "withdrew", "status": "off_study"}
    )
    assert second.status_code == 409
    assert second.json()["field"] == "version"
    record = api["alice"].get("/api/subjects/CHA-001-0001").json()
    assert (record["status"], record["version"]) == ("on_treatment", version + 1)
    updates = AuditEntry.objects.filter(model="subjects.subject", action="update")
    assert [e.username for e in updates] == ["carol"]


def test_the_stale_page_form_shows_a_conflict(client, users, api, enrolled):
    api["carol"].patch(
        "/api/subjects/CHA-001-0001", {"version": 1, "reason": "cycle 1 given", "status": "on_treatment"}
    )
    client.force_login(users["alice"])
    response = client.post(
        "/subjects/CHA-001-0001/",
        {"form": "subject", "status": "off_study", "version": "1", "reason": "withdrew consent"},
    )
    assert response.status_code == 200
    assert "someone else changed this record" in response.content.decode()
    assert Subject.objects.get(subject_id="CHA-001-0001").status == "on_treatment"


def _in_threads(count: int, work) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_racing_enrolments_get_unique_consecutive_subject_ids(users, patient):
    token = issue_token(users["alice"])
    client = ApiClient(token)
    screenings = []
    for n in range(6):  # six persons
        patient["identifiers"] = {"full_name": f"Patient {n}", "hospital_number": f"H-{n}"}
        screenings.append(client.post("/api/screenings", patient).json()["screening_id"])
    responses = _in_threads(
        6, lambda i: ApiClient(token).post(f"/api/screenings/{screenings[i]}/enroll", consent_body())
    )
    assert [r.status_code for r in responses] == [201] * 6, [r.content for r in responses]
    ids = sorted(r.json()["subject_id"] for r in responses)
    assert ids == [f"CHA-001-{n:04d}" for n in range(1, 7)]
    assert chain.verify().intact


@pytest.mark.django_db(transaction=True)
def test_racing_enrolments_of_one_person_make_one_subject(users, patient):
    """One person, one subject (docs/contracts/server.md): two screenings of the same hospital number enrolled at once."""
    token = issue_token(users["alice"])
    client = ApiClient(token)
    screenings = [client.post("/api/screenings", patient).json()["screening_id"] for _ in range(2)]
    responses = _in_threads(
        2, lambda i: ApiClient(token).post(f"/api/screenings/{screenings[i]}/enroll", consent_body())
    )
    assert sorted(r.status_code for r in responses) == [201, 409], [r.content for r in responses]
    assert Subject.objects.count() == 1
    assert "CHA-001-0001" in next(r for r in responses if r.status_code == 409).json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_racing_edits_of_one_version_let_exactly_one_win(users, patient):
    client = ApiClient(issue_token(users["alice"]))
    screening = client.post("/api/screenings", patient).json()["screening_id"]
    client.post(f"/api/screenings/{screening}/enroll", consent_body())
    tokens = [issue_token(users[name]) for name in ("alice", "carol")] * 2
    responses = _in_threads(
        4,
        lambda i: ApiClient(tokens[i]).patch(
            "/api/subjects/CHA-001-0001", {"version": 1, "reason": f"edit {i}", "status": "on_treatment"}
        ),
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    assert Subject.objects.get(subject_id="CHA-001-0001").version == 2
    assert chain.verify().intact
