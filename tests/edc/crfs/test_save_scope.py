"""What a save checks again, and what it leaves standing: the record-local edit checks (one record each) run on
the saved record, and on the records whose finding can change with the date alone (FUT-*: no date after today);
the queries of any other record-local check of an unchanged record stand and are not even read; the dose
deviation reason reads one cycle. A full run of every check on every record agrees after each save (ICH
E6(R3) 5.0/5.5: data checks on entry; 21 CFR 11.10(a): the system performs as validated)."""

from __future__ import annotations

import copy
import datetime as dt

from haictrial.edc.crfs import services
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.crfs.safety import _UNSAVED_PK
from haictrial.edc.dm import services as dm
from haictrial.edc.dm.models import Query, QueryOrigin
from haictrial.edc.subjects.models import Subject

from .conftest import payloads


def _open_checks(subject_id: str) -> set[tuple[str, int | None, str, str, str]]:
    rows = Query.objects.filter(subject__subject_id=subject_id, origin=QueryOrigin.edit_check, resolved_by_data=False)
    return {(q.check_id, q.record_id, q.form, q.field, q.status) for q in rows}


def _open_checks_by_record(subject_id: str) -> set[tuple[str, int | None]]:
    return {(q[0], q[1]) for q in _open_checks(subject_id)}


def _derived(subject_id: str) -> dict[int, tuple[dict, str]]:
    rows = FormRecord.objects.filter(subject__subject_id=subject_id).values_list("pk", "derived", "outcome_code")
    return {pk: (derived, code) for pk, derived, code in rows}


def _full_refresh_changes_nothing(alice, subject_id: str) -> None:
    """Every derived value and every edit-check query equal what a full run of everything gives."""
    queries, derived = _open_checks(subject_id), _derived(subject_id)
    services.refresh_subject(Subject.objects.get(subject_id=subject_id), alice)
    assert _open_checks(subject_id) == queries
    assert _derived(subject_id) == derived


def test_a_date_query_on_an_unchanged_record_closes_once_the_date_is_past(users, subject_id, course, monkeypatch):
    """FUT-* (no date after today, the site's date) is the one record-local check whose finding changes with
    the date alone: a later save of another record checks its queries' records again and closes them; every
    other record-local query of an unchanged record (REQ-*: a required field) is left standing and unread."""
    alice = users["alice"]
    medication = copy.deepcopy(payloads(course, "concomitant_medications")[0])
    medication.pop("indication", None)  # REQ-concomitant_medications-indication opens and stays open
    medication.pop("stop_date", None)
    today = dt.date.today()
    medication["start_date"] = (today - dt.timedelta(days=2)).isoformat()
    first = services.save_form(alice, subject_id, "concomitant_medications", medication)
    other = services.save_form(
        alice,
        subject_id,
        "concomitant_medications",
        {**medication, "start_date": (today - dt.timedelta(days=10)).isoformat()},
    )
    subject = Subject.objects.get(subject_id=subject_id)
    services.refresh_subject(subject, alice, today=today - dt.timedelta(days=5))  # as if run 5 days ago
    opened = {q[0] for q in _open_checks(subject_id) if q[1] == first.pk}
    assert {"FUT-concomitant_medications", "REQ-concomitant_medications-indication"} <= opened, opened

    read: list[set[str]] = []
    real = dm.sync_queries

    def sync(*args, existing=None, **kwargs):
        read.append({(q.check_id, q.record_id) for q in existing or [] if q.record_id in (first.pk, other.pk)})
        return real(*args, existing=existing, **kwargs)

    monkeypatch.setattr(dm, "sync_queries", sync)
    services.save_form(alice, subject_id, "concomitant_medications", payloads(course, "concomitant_medications")[0])
    still = {q[0] for q in _open_checks(subject_id) if q[1] == first.pk}
    assert "FUT-concomitant_medications" not in still  # closed: its date is no longer after today
    assert "REQ-concomitant_medications-indication" in still  # checked again: still missing
    assert ("REQ-concomitant_medications-indication", other.pk) in _open_checks_by_record(subject_id)
    # The record with a date query is checked again (both its queries read); the other one's query is not read.
    indication = "REQ-concomitant_medications-indication"
    assert read == [{("FUT-concomitant_medications", first.pk), (indication, first.pk)}], read
    monkeypatch.undo()
    _full_refresh_changes_nothing(alice, subject_id)


def test_a_dose_deviation_query_is_checked_with_its_own_cycle_only(users, subject_id, course):
    """XF-haic-dose-deviation-reason (protocol dose_deviation_reason_percent, 10 %) reads one cycle: the planned
    and the given dose are both on it. A save of another form leaves the query standing, a full run of every
    check agrees, and the cycle's own correction closes it."""
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    cycle = payloads(course, "haic_cycle")[0]
    cycle["infusions"][0]["given_dose_mg"] = 150.0  # planned 210.9 mg: -28.9 %
    record = services.save_form(alice, subject_id, "haic_cycle", cycle)
    dose = ("XF-haic-dose-deviation-reason", record.pk)
    assert dose in _open_checks_by_record(subject_id)
    services.save_form(alice, subject_id, "concomitant_medications", payloads(course, "concomitant_medications")[0])
    assert dose in _open_checks_by_record(subject_id)
    _full_refresh_changes_nothing(alice, subject_id)
    cycle["infusions"][0]["deviation_reason"] = "catheter displaced; infusion stopped early"
    services.save_form(alice, subject_id, "haic_cycle", cycle, record_id=record.pk, version=1, reason="reason added")
    assert dose not in _open_checks_by_record(subject_id)
    _full_refresh_changes_nothing(alice, subject_id)


def test_a_record_not_stored_yet_is_never_kept_among_the_parsed_records(users, subject_id, course):
    """The safety stops assemble the casebook around the unsaved cycle (a placeholder key): that model is not
    kept, so the cache holds stored records only (each under its own id)."""
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    for cycle in payloads(course, "haic_cycle"):
        services.save_form(alice, subject_id, "haic_cycle", cycle)
    assert _UNSAVED_PK not in services._PARSED
    stored = FormRecord.objects.filter(subject__subject_id=subject_id, form="haic_cycle").latest("pk")
    assert services._PARSED[stored.pk][1]["record_id"] == str(stored.pk)
