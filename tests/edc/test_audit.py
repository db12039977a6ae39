"""The audit trail: every create/update/delete recorded with user, time, old/new values and reason,
hash-chained so that any edit of the trail is found by ``haictrial audit verify``.

References: 21 CFR Part 11 section 11.10(e) (audit trails); ICH E6(R3) data governance.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.conf import settings

from haictrial.edc.audit import chain
from haictrial.edc.audit.models import GENESIS_HASH, AuditEntry
from haictrial.edc.audit.records import delete_record
from haictrial.edc.subjects.models import Identifiers, Subject
from haictrial.errors import InputError

from .enrolment import consent_body


def _trail_of(n: int, api, patient) -> None:
    for _ in range(n):
        body = api["alice"].post("/api/screenings", patient).json()
        api["alice"].post(f"/api/screenings/{body['screening_id']}/enroll", consent_body())


def test_each_entry_seals_the_previous_seal_and_its_canonical_json_under_the_key(api, patient):
    _trail_of(2, api, patient)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS_HASH
    for before, entry in zip([None, *entries], entries, strict=False):
        if before is not None:
            assert entry.prev_hash == before.hash
        payload = entry.prev_hash + chain.canonical_json(chain.entry_document(entry))
        key = settings.HAICTRIAL_AUDIT_KEY.encode()
        assert entry.hash == hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()  # RFC 2104
    assert chain.verify().intact and chain.verify().entries == len(entries)


def test_verify_names_an_altered_entry(api, patient):
    _trail_of(2, api, patient)
    AuditEntry.objects.filter(seq=3).update(reason="edited afterwards")
    report = chain.verify()
    assert (report.intact, report.broken_seq) == (False, 3)
    assert "entry 3" in report.problem


def test_verify_names_an_altered_value(api, patient, enrolled):
    entry = AuditEntry.objects.get(model="subjects.subject", action="create")
    values = dict(entry.new_values, targeted_agent="bevacizumab")
    AuditEntry.objects.filter(pk=entry.pk).update(new_values=values)
    assert chain.verify().broken_seq == entry.seq


def test_verify_names_a_removed_entry(api, patient):
    _trail_of(2, api, patient)
    AuditEntry.objects.filter(seq=2).delete()  # a queryset delete bypasses the model's refusal
    report = chain.verify()
    assert report.broken_seq == 2 and "missing" in report.problem


def test_verify_names_a_removed_last_entry(api, patient):
    _trail_of(1, api, patient)
    last = AuditEntry.objects.order_by("-seq").first()
    AuditEntry.objects.filter(pk=last.pk).delete()
    assert chain.verify().broken_seq == last.seq


def test_verify_finds_an_entry_rehashed_alone(api, patient):
    _trail_of(2, api, patient)
    entry = AuditEntry.objects.get(seq=2)
    entry.reason = "forged"
    AuditEntry.objects.filter(pk=entry.pk).update(reason="forged", hash=chain.entry_hash(entry))
    assert chain.verify().broken_seq == 3  # the next entry no longer links to it


def test_entries_are_append_only_through_the_orm(enrolled):
    entry = AuditEntry.objects.first()
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_a_change_after_the_first_save_needs_a_reason(users, enrolled):
    subject = Subject.objects.get(subject_id="CHA-001-0001")
    subject.status = "on_treatment"
    subject._history_user = users["alice"]
    with pytest.raises(InputError) as error:
        subject.save()  # bypassing the services: the trail itself refuses a change without a reason
    assert error.value.field == "reason"
    subject.refresh_from_db()
    assert subject.status == "enrolled"


def test_a_delete_is_recorded_with_its_old_values_and_reason(users, enrolled):
    identifiers = Identifiers.objects.get(screening__subject__subject_id="CHA-001-0001")
    delete_record(identifiers, user=users["alice"], reason="entered for the wrong patient")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.model, entry.username) == ("delete", "subjects.identifiers", "alice")
    assert entry.old_values["full_name"] == "Zhang San" and entry.new_values is None
    assert entry.reason == "entered for the wrong patient"
    assert chain.verify().intact
