"""eCRF services: the only place converting :class:`~haictrial.edc.crfs.models.FormRecord` rows to the
core's models (:class:`~haictrial.clinical.crf_models.SubjectForms`) and back, and the one orchestrator of
an eCRF save, which the API, the pages and the demo loader all call.

Saving a form (:func:`save_form`): authorise (edit at the subject's site) -> validate the payload with the
core's pydantic model (the first problem is an InputError naming the field) -> refuse a locked record
or a stale version (ConflictError, 409) -> store it through the audited save (reason after the first
save) -> derive what the saved form can change (:func:`refresh_subject`; the forms each derived value
reads are declared in :mod:`haictrial.clinical.course_inputs`) -> run the edit checks
(:func:`haictrial.clinical.edit_checks.run_edit_checks`) and turn their findings into queries
(:func:`haictrial.edc.dm.services.sync_queries`) -> move the subject's status along the course -> find the
protocol deviations (signal ``subject_data_saved``). Bulk loading saves with ``refresh=False`` and ends
with :func:`finish_loading`.

Cost: a save reads the subject's records once; each record's payload is validated once per process and
version (:func:`subject_forms` keeps the parsed models), and only the records whose derived values the saved
form can change are derived again, so the cost of a save does not grow with the rest of the casebook. The
record-local edit checks run on the saved record (and on the records whose date query may have expired);
the queries of the other records are not even read.

Concurrency: the whole save, derive and checks included, runs inside the writer queue
(:mod:`haictrial.edc.writes`). Deriving and checking a snapshot before the queue (and checking the record
and query versions inside it) was tried and measured slower on 2 cores: the work is CPU-bound and shares
the interpreter lock with the writer, so moving it out of the queue only added the snapshot's own reads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel

from haictrial.clinical import course
from haictrial.clinical.adverse_events import AdverseEvent, sae_report_due, sae_status
from haictrial.clinical.course_inputs import DEVIATIONS_FROM, affected_by, inputs_of, restricted
from haictrial.clinical.crf_models import FORM_ATTRIBUTES, FormName, SubjectForms
from haictrial.clinical.edit_checks import EditCheckFinding, check_by_id, run_edit_checks, site_today
from haictrial.documents import parse_model
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit.records import create_record, update_record
from haictrial.edc.crfs import safety
from haictrial.edc.crfs.catalogue import FORMS, FormSpec, form_spec
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.crfs.safety import _UNSAVED_PK
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.edc.subjects.signals import subject_data_saved
from haictrial.edc.subjects.status import TRANSITIONS
from haictrial.edc.trial import ENGINE_VERSION, MAX_CYCLE, protocol
from haictrial.edc.validation import reject_nul
from haictrial.edc.writes import serialised_writes
from haictrial.errors import ConflictError, InputError
from haictrial.vocabulary.enums import SubjectStatus

#: Payload keys the EDC owns: never taken from the client.
_EDC_KEYS = ("record_id", "subject_id")


# --- reading ----------------------------------------------------------------------------------------


def records_of(subject: Subject) -> QuerySet[FormRecord]:
    """The subject's records (the caller has read the subject through the site-isolation layer)."""
    return FormRecord.objects.filter(subject=subject).select_related("verified_by", "created_by")


def record_for(user: Any, subject_id: str, form: str, record_id: int) -> FormRecord:
    """One record the user may read, or Http404 (also for another site's record)."""
    subject = subjects.subject_for(user, subject_id)
    spec = form_spec(form)
    return FormRecord.objects.select_related("subject__site", "verified_by").get_visible(
        user, pk=record_id, subject=subject, form=spec.name.value
    )


def in_order(records: list[FormRecord]) -> list[FormRecord]:
    """Records as the forms list them: HAIC cycles by number, the others by date, then by entry."""
    return sorted(records, key=_order_key)


def _order_key(record: FormRecord) -> tuple[Any, ...]:
    """HAIC cycles by number; every other form by its date (undated last), then by entry."""
    number = record.cycle or 0 if record.form == FormName.haic_cycle else 0
    return (number, record.event_date or dt.date.max, record.pk)


def _site_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def subject_forms(
    subject: Subject, records: list[FormRecord]
) -> tuple[SubjectForms, dict[course.RecordKey, FormRecord]]:
    """The subject's records as the core's :class:`SubjectForms` and the record behind each key.

    Each list is in cycle, date, entry order; a record's ``record_id`` is its primary key.
    """
    document: dict[str, Any] = {
        "subject_id": subject.subject_id,
        "enrolment_date": _site_date(subject.enrolled_at).isoformat(),
    }
    keys: dict[course.RecordKey, FormRecord] = {}
    by_form: dict[str, list[FormRecord]] = {}
    for record in records:
        by_form.setdefault(record.form, []).append(record)
    for name, spec in FORMS.items():
        mine = sorted(by_form.get(name.value, ()), key=_order_key)
        attribute = FORM_ATTRIBUTES[name]
        models = []
        for index, record in enumerate(mine):
            path = f"{attribute}[{index}]" if spec.repeating else attribute
            models.append(_parsed(spec, record, path))
            keys[(name, index if spec.repeating else None)] = record
        if spec.repeating:
            document[attribute] = models
        elif models:
            document[attribute] = models[0]
    try:  # the records are models already: only the casebook's own (cross-record) rules run here
        return parse_model(SubjectForms, document), keys
    except InputError as exc:
        raise _stored_error(exc.message, exc.field) from None


def _stored_error(message: str, field: str | None) -> InputError:
    """A stored record no longer valid (the protocol or the engine changed since it was saved)."""
    return InputError(_("stored forms do not parse: %(message)s") % {"message": message}, field)


#: Parsed records by primary key: the stored payload, the document parsed from it and its model (frozen). A
#: record is validated again only when its stored payload differs (a new version, or a row changed in place),
#: so a save validates the saved record and not the rest of the casebook. The stored payload is kept to know
#: it again without comparing (:func:`refresh_records` hands out the same payload until its row changes).
#: Bounded; one per process.
_PARSED_LIMIT = 20_000  # records kept per process (bounded memory; the least recently used go first)


class _Kept(OrderedDict[int, Any]):
    """A per-process map by primary key, bounded by :data:`_PARSED_LIMIT`, the least recently used first out."""

    _lock = threading.Lock()

    def touch(self, key: int) -> None:
        with self._lock:
            if key in self:
                self.move_to_end(key)

    def keep(self, key: int, value: Any) -> None:
        with self._lock:
            self[key] = value
            self.move_to_end(key)
            while len(self) > _PARSED_LIMIT:
                self.popitem(last=False)


_PARSED: _Kept = _Kept()  # values: (stored payload, document, model)


def _parsed(spec: FormSpec, record: FormRecord, path: str) -> BaseModel:
    """The core's model of a stored record (with the EDC's ``record_id``), validated once per payload."""
    hit = _PARSED.get(record.pk)
    payload: dict[str, Any] | None = None
    if hit is not None and hit[0] is not record.payload:
        payload = _document(spec, record)
    if hit is not None and (payload is None or hit[1] == payload) and type(hit[2]) is spec.model:
        _PARSED.touch(record.pk)
        return hit[2]
    payload = payload if payload is not None else _document(spec, record)
    try:
        model = parse_model(spec.model, payload)
    except InputError as exc:
        raise _stored_error(exc.message, path + (f".{exc.field}" if exc.field else "")) from None
    if record.pk == _UNSAVED_PK:  # a record not stored yet (the safety stops' casebook): nothing to keep
        return model
    _PARSED.keep(record.pk, (record.payload, payload, model))
    return model


def _document(spec: FormSpec, record: FormRecord) -> dict[str, Any]:
    """The document the core's model of ``record`` is parsed from: its payload and, where the form has one,
    the EDC's ``record_id``."""
    payload = dict(record.payload)
    if spec.has_record_id:
        payload["record_id"] = str(record.pk)
    return payload


def payload_sha256(record: FormRecord) -> str:
    text = json.dumps(record.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_contract(user: Any, record: FormRecord) -> dict[str, Any]:
    """One record as the API and pages show it; the birth date only for staff of the subject's site."""
    payload = record.payload
    subject = record.subject
    if record.form == FormName.baseline and not access.can_see_identifiers(user, subject.site_id):
        payload = json.loads(json.dumps(payload))
        if isinstance(payload.get("demographics"), dict) and payload["demographics"].get("birth_date"):
            payload["demographics"]["birth_date"] = "[redacted]"
    derived = record.derived
    if record.form == FormName.adverse_events and record.payload.get("seriousness"):
        derived = {**derived, **sae_clock(record.payload)}
    return {
        "record_id": record.pk,
        "subject_id": subject.subject_id,
        "form": record.form,
        "version": record.version,
        "cycle": record.cycle,
        "event_date": record.event_date.isoformat() if record.event_date else None,
        "title": FORMS[FormName(record.form)].title(FORMS[FormName(record.form)].model.model_validate(record.payload)),
        "payload": payload,
        "derived": derived,
        "outcome_code": record.outcome_code or None,
        "verified": record.verified,
        "verified_at": record.verified_at.isoformat() if record.verified_at else None,
        "verified_by": record.verified_by.get_username() if record.verified_by else None,
        "locked": record.locked,
        "protocol_version": record.protocol_version,
        "engine_version": record.engine_version,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def sae_clock(payload: dict[str, Any]) -> dict[str, Any]:
    """The SAE reporting clock of an adverse event now (``due`` turns ``overdue`` with time, not with a save).

    References: ICH E2A II.B, ICH E6(R2) 4.11.1; protocol ``sae_initial_report_hours``
    (:func:`haictrial.clinical.adverse_events.sae_status`).
    """
    event = AdverseEvent.model_validate(payload)
    out: dict[str, Any] = {"sae_status": sae_status(event, timezone.now(), protocol()).value}
    if event.aware_at is not None:
        out["sae_report_due"] = sae_report_due(event.aware_at, protocol()).isoformat()
    return out


# --- saving -----------------------------------------------------------------------------------------


def parse_payload(spec: FormSpec, data: Any) -> dict[str, Any]:
    """The client's payload validated by the form's core model, as the JSON the EDC stores."""
    if not isinstance(data, dict):
        raise InputError(_("expected a JSON object"), field="payload")
    body = {k: v for k, v in data.items() if k not in _EDC_KEYS}
    reject_nul(body)  # PostgreSQL text and JSON cannot hold a NUL: refused on every database, naming the field
    try:
        json.dumps(body, allow_nan=False)
    except ValueError:
        raise InputError(_("NaN and Infinity are not numbers in JSON"), field="payload") from None
    # Entry: dates after today (site time zone) and values outside clinical.limits are refused.
    model = parse_model(spec.model, body, today=timezone.localdate(), zone=timezone.get_current_timezone())
    exclude = {"record_id"} if spec.has_record_id else {"subject_id"}
    return model.model_dump(mode="json", exclude=exclude)


def _indexed(spec: FormSpec, payload: dict[str, Any]) -> tuple[int | None, dt.date | None]:
    model = spec.model.model_validate(payload)
    cycle = spec.cycle_of(model)
    if cycle is not None and cycle > MAX_CYCLE:
        raise InputError(_("must be at most %(n)s") % {"n": MAX_CYCLE}, field=spec.cycle_field)
    return cycle, spec.date_of(model)


def _check_unique(subject: Subject, spec: FormSpec, cycle: int | None, exclude_pk: int | None) -> None:
    if spec.repeating and spec.name != FormName.haic_cycle:
        return  # any number of records (adverse events, medications, visits): nothing to compare
    others = FormRecord.objects.filter(subject=subject, form=spec.name.value).exclude(pk=exclude_pk)
    if not spec.repeating and others.exists():
        raise ConflictError(
            _("%(form)s is already recorded for this subject (record %(pk)s): edit that record")
            % {"form": spec.label, "pk": others.first().pk},  # type: ignore[union-attr]
            field="form",
        )
    if spec.name == FormName.haic_cycle and others.filter(cycle=cycle).exists():
        raise ConflictError(_("cycle %(cycle)s is already recorded: edit that record") % {"cycle": cycle}, "cycle")


def save_form(
    user: Any,
    subject_id: str,
    form: str,
    data: Any,
    *,
    record_id: int | None = None,
    version: int | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
    checks: bool = True,
    refresh: bool = True,
) -> FormRecord:
    """Create (``record_id`` None) or change a record; see the module docstring for the steps.

    Raises InputError (400, naming the field), ConflictError (409: stale version, locked record,
    duplicate single form or cycle), PermissionDenied (403), Http404 (another site's subject).
    ``refresh=False`` (bulk loading) leaves the derived values, queries and status to one
    :func:`refresh_subject` call after the last form.
    """
    subject = subjects.subject_for(user, subject_id)
    access.require_site_action(user, subject.site_id, Capability.edit)
    spec = form_spec(form)
    payload = parse_payload(spec, data)
    cycle, event_date = _indexed(spec, payload)
    proto = protocol()
    if reason is not None and "\x00" in reason:
        raise InputError(_("contains a NUL character"), field="reason")
    safety.check_consent_not_withdrawn(subject, spec)
    safety.check_safety_stops(user, subject, spec, payload, cycle, record_id)
    with serialised_writes(), transaction.atomic():  # one writer at a time on SQLite, queued (edc/writes.py)
        if record_id is None:
            _check_unique(subject, spec, cycle, None)
            record = create_record(
                FormRecord(
                    subject=subject,
                    form=spec.name.value,
                    payload=payload,
                    cycle=cycle,
                    event_date=event_date,
                    protocol_version=proto.version,
                    engine_version=ENGINE_VERSION,
                    created_by=user,
                ),
                user=user,
            )
        else:
            record = (
                FormRecord.objects.select_for_update()
                .filter(subject=subject, form=spec.name.value)
                .get_visible(user, pk=record_id)
            )
            if record.locked:
                raise ConflictError(
                    _("this form is locked by the investigator's signature; it must be unlocked (with a reason) first"),
                    field="locked",
                )
            _check_unique(subject, spec, cycle, record.pk)
            if record.payload != payload and record.verified_at is not None:
                record.verified_at = None  # a change after source data verification resets it
                record.verified_by = None
            record.payload, record.cycle, record.event_date = payload, cycle, event_date
            record.protocol_version, record.engine_version = proto.version, ENGINE_VERSION
            record = update_record(record, user=user, reason=reason, expected_version=version)
        if refresh:
            refresh_subject(subject, user, today=today, checks=checks, trigger=spec.name, saved=record)
    return record


#: The columns of a record that deriving, the edit checks, the schedule and the syncs read.
_REFRESH_FIELDS = (
    "id",
    "subject_id",
    "form",
    "payload",
    "cycle",
    "event_date",
    "derived",
    "outcome_code",
    "protocol_version",
    "engine_version",
)


#: The fields of :data:`_REFRESH_FIELDS` in the model's column order (the order ``Model.from_db`` takes).
_ROW_FIELDS = tuple(f for f in FormRecord._meta.concrete_fields if f.attname in _REFRESH_FIELDS)
_JSON_COLUMNS = tuple(i for i, f in enumerate(_ROW_FIELDS) if f.get_internal_type() == "JSONField")

#: Records by primary key as a refresh last read them: the row exactly as the database returned it (the JSON
#: columns as their stored text) and the record built from that row. A refresh reads the subject's rows
#: without decoding JSON or building models, and builds only the records whose row differs from the one
#: kept (a new or changed record, a derived value stored by another process, a row edited in place); the
#: others are copies of the kept record. Building a record costs about six times reading its row (JSON of
#: two columns and the model's constructor), so this keeps a save's cost nearly flat in the casebook's size.
#: Bounded; one per process.
_ROWS: _Kept = _Kept()  # values: (row, record)


def refresh_records(subject: Subject) -> list[FormRecord]:
    """The subject's records with the columns of :data:`_REFRESH_FIELDS` (the others deferred), each a new
    instance the caller may change, equal to what ``FormRecord.objects.filter(subject=subject).only(...)``
    gives."""
    rows = _plain_rows(FormRecord, tuple(f.name for f in _ROW_FIELDS), {"subject": subject.pk})
    records = []
    for row in rows:
        pk = row[0]
        hit = _ROWS.get(pk)
        if hit is not None and hit[0] == row:
            records.append(_copied(hit[1]))
            _ROWS.touch(pk)
            continue
        record = _record_from_row(row)
        _ROWS.keep(pk, (row, _copied(record)))
        records.append(record)
    return records


def _plain_rows(model: type[Model], fields: tuple[str, ...], where: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The ``fields`` of the rows of ``model`` whose fields equal ``where``, read by one plain statement (as
    the database driver returns them: JSON as text); for the reads of every save, where building the ORM's
    query and its models cost more than the statement."""
    quote = connection.ops.quote_name
    column = {name: quote(model._meta.get_field(name).column) for name in (*fields, *where)}
    sql = "SELECT {} FROM {} WHERE {}".format(
        ", ".join(column[name] for name in fields),
        quote(model._meta.db_table),
        " AND ".join(f"{column[name]} = %s" for name in where),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(where.values()))
        return cursor.fetchall()


def _record_from_row(row: tuple[Any, ...]) -> FormRecord:
    """The record of one row read by :func:`refresh_records` (its JSON text decoded as JSONField does)."""
    values = list(row)
    for index in _JSON_COLUMNS:
        if isinstance(values[index], str):  # SQLite and PostgreSQL (Django reads jsonb as text) give text
            values[index] = json.loads(values[index])
    return FormRecord.from_db(connection.alias, [f.attname for f in _ROW_FIELDS], values)


def _copied(record: FormRecord) -> FormRecord:
    """A new instance with ``record``'s values (its JSON values shared: nothing changes them in place)."""
    copy = FormRecord.__new__(FormRecord)
    copy.__dict__.update(record.__dict__)
    copy._state = ModelState()
    copy._state.adding, copy._state.db = False, record._state.db
    return copy


@dataclass
class _Prepared:
    """The pure part of a refresh (derive, edit checks) and what it read, before anything is written."""

    records: list[FormRecord]
    forms: SubjectForms
    keys: dict[course.RecordKey, FormRecord]
    scoped: bool
    changed_form: FormName | None
    derived_changed: list[FormRecord]
    findings: list[EditCheckFinding]
    checked: bool
    evaluated: set[int] | None
    existing: list[Any]


def refresh_subject(
    subject: Subject,
    user: Any,
    *,
    today: dt.date | None = None,
    checks: bool = True,
    trigger: FormName | None = None,
    saved: FormRecord | None = None,
) -> list[EditCheckFinding]:
    """Derive the values the saved form can change, sync the edit-check queries, apply the status transition
    the saved form brings and find the protocol deviations. Returns the edit-check findings.

    ``saved``: the record this save changed. Only the records of the forms whose derived values read the
    saved form (:func:`haictrial.clinical.course_inputs.affected_by`) are derived again, from the forms they
    read; every other record keeps the values of the save that last changed its inputs. The record-local edit
    checks (one record each: required fields, ranges, laboratory plausibility, dates not in the future) run on
    the saved record, and on the records with an unresolved query of a check that reads today's date (dates
    not in the future) only; every other record is unchanged since the save that checked it, so its findings
    are too, and its queries are left unread (:func:`_queries_to_sync`). Every cross-form check runs. The
    deviations are found again unless the saved form is one no deviation reads
    (:data:`~haictrial.clinical.course_inputs.DEVIATIONS_FROM`).
    Without ``saved``, with an explicit ``today``, or when a record was stored under another protocol or
    engine version, everything is derived and every check runs on every record.
    In two halves: :func:`_prepare` reads and computes, :func:`_apply` writes."""
    # The subject's records are read once per save (only the columns the core and the syncs read) and passed,
    # with their typed forms, to the query sync, the visit schedule and the deviation detection.
    records = refresh_records(subject)
    prepared = _prepare(subject, records, saved, today=today, checks=checks)
    _apply(prepared, subject, user, trigger, saved)
    return prepared.findings


def _prepare(
    subject: Subject, records: list[FormRecord], saved: FormRecord | None, *, today: dt.date | None, checks: bool
) -> _Prepared:
    """Derive and run the edit checks on ``records`` (``saved`` among them); reads, never writes."""
    from haictrial.edc.dm import services as dm

    proto = protocol()
    forms, keys = subject_forms(subject, records)
    scoped = saved is not None and today is None and _all_current(records, proto.version)
    changed_form = FormName(saved.form) if saved is not None else None
    affected = affected_by(changed_form) if scoped and changed_form is not None else frozenset(FormName)
    derived_changed = _derive(subject, forms, keys, affected)
    findings: list[EditCheckFinding] = []
    evaluated: set[int] | None = None
    existing: list[Any] = []
    if checks:
        evaluated, found = _queries_to_sync(subject, saved) if scoped else (None, None)
        existing = found if found is not None else dm.unresolved_check_queries(subject)
        scope = None
        if evaluated is not None:
            where = {record.pk: key for key, record in keys.items()}
            by_form: dict[FormName, set[int | None]] = {}
            for pk in evaluated:
                if pk in where:
                    by_form.setdefault(where[pk][0], set()).add(where[pk][1])
            scope = {form: frozenset(indexes) for form, indexes in by_form.items()}
        findings = run_edit_checks(forms, proto, today=today or site_today(proto, timezone.now()), records=scope)
    return _Prepared(
        records, forms, keys, scoped, changed_form, derived_changed, findings, checks, evaluated, existing
    )  # fmt: skip


def _apply(
    prepared: _Prepared, subject: Subject, user: Any, trigger: FormName | None, saved: FormRecord | None
) -> None:
    """Write what :func:`_prepare` found: the derived values, the queries, the status, the deviations."""
    from haictrial.edc.dm import services as dm

    if prepared.derived_changed:  # one statement, however many records the save changed
        FormRecord.objects.bulk_update(prepared.derived_changed, ["derived", "outcome_code"])
    if saved is not None:  # the caller's instance shows what was stored
        stored = next((r for r in prepared.records if r.pk == saved.pk), None)
        if stored is not None:
            saved.derived, saved.outcome_code = stored.derived, stored.outcome_code
    if prepared.checked:
        dm.sync_queries(
            subject, prepared.findings, prepared.keys, user, existing=prepared.existing, evaluated=prepared.evaluated
        )
    if trigger is not None:
        advance_status(subject, prepared.forms, user, trigger)
    if not prepared.scoped or prepared.changed_form in DEVIATIONS_FROM:
        # Protocol deviations are found and a new SAE e-mailed after commit (haictrial.edc.operations receives it).
        subject_data_saved.send(
            sender=Subject, subject=subject, user=user, forms=prepared.forms, records=prepared.records
        )


def _all_current(records: list[FormRecord], protocol_version: str) -> bool:
    """Every record stored under this protocol and engine version (else everything is derived again)."""
    return all(r.engine_version == ENGINE_VERSION and r.protocol_version == protocol_version for r in records)


def _derive(
    subject: Subject,
    forms: SubjectForms,
    keys: dict[course.RecordKey, FormRecord],
    affected: frozenset[FormName],
) -> list[FormRecord]:
    """Derive the records of the ``affected`` forms from the forms they read; the records whose values changed
    (given their new values; :func:`_apply` stores them)."""
    if not affected:
        return []
    casebook = forms if affected == frozenset(FormName) else restricted(forms, inputs_of(affected) | affected)
    derived = course.derive(casebook, protocol(), timezone.now(), subjects.subject_patient(subject))
    changed = []
    for key, record in keys.items():
        if key[0] not in affected:
            continue
        values = derived.records.get(key, {})
        code = derived.codes.get(key, "")
        if record.derived != values or record.outcome_code != code:
            record.derived, record.outcome_code = values, code
            changed.append(record)
    return changed


def _queries_to_sync(subject: Subject, saved: FormRecord | None) -> tuple[set[int] | None, list[Any] | None]:
    """For a scoped save: the records the record-local checks must see, and the unresolved edit-check queries
    the sync can change; ``(None, None)`` when every record must be checked.

    The saved record is checked, and so is every record with an unresolved query of a check whose finding
    can change with the date alone (:attr:`~haictrial.clinical.edit_check_rules.EditCheck.reads_today`: a date
    that was after today no longer is); any other record-local finding is a function of its record, which
    this save did not change, so its query stands as it is and is not even read (only its id, check and
    record are, in one plain statement, to decide that). The queries of cross-form checks are all read: those
    checks all run."""
    from haictrial.edc.dm.models import Query, QueryOrigin

    if saved is None:
        return None, None
    rows = _plain_rows(
        Query,
        ("id", "check_id", "record"),
        {"subject": subject.pk, "origin": str(QueryOrigin.edit_check), "resolved_by_data": False},
    )
    evaluated = {saved.pk}
    for _pk, check_id, record_id in rows:
        check = _check(check_id)
        if check is not None and check.record_local and check.reads_today:
            if record_id is None:
                return None, None
            evaluated.add(record_id)
    wanted = []
    for pk, check_id, record_id in rows:
        check = _check(check_id)
        if check is not None and check.record_local and record_id is None:
            return None, None  # a record-local query on no record: only a full run can match it
        if check is None or not check.record_local or record_id in evaluated:
            wanted.append(pk)
    return evaluated, list(Query.objects.filter(pk__in=wanted)) if wanted else []


def _check(check_id: str) -> Any:
    """The declared edit check ``check_id``, or None (a check no longer declared: a cross-form one for the sync)."""
    try:
        return check_by_id(check_id)
    except KeyError:
        return None


def finish_loading(subject: Subject, user: Any) -> list[EditCheckFinding]:
    """The end of a bulk load (forms saved with ``refresh=False``): derive everything, run every edit check,
    find the deviations, then move the subject's status along the forms present, in course order."""
    findings = refresh_subject(subject, user)
    present = set(FormRecord.objects.filter(subject=subject).values_list("form", flat=True))
    for trigger in _STATUS_AFTER:
        if trigger.value in present:
            forms, _keys = subject_forms(subject, list(FormRecord.objects.filter(subject=subject)))
            advance_status(subject, forms, user, trigger)
    return findings


#: The status a saved form moves the subject to, and from which statuses (in course order).
_STATUS_AFTER: dict[FormName, tuple[SubjectStatus, frozenset[SubjectStatus]]] = {
    FormName.haic_cycle: (SubjectStatus.on_treatment, frozenset({SubjectStatus.enrolled})),
    FormName.resection: (SubjectStatus.resected, frozenset({SubjectStatus.on_treatment})),
    FormName.follow_up: (SubjectStatus.follow_up, frozenset({SubjectStatus.on_treatment, SubjectStatus.resected})),
    FormName.end_of_study: (
        SubjectStatus.off_study,
        frozenset(
            {SubjectStatus.enrolled, SubjectStatus.on_treatment, SubjectStatus.resected, SubjectStatus.follow_up}
        ),
    ),
}


def advance_status(subject: Subject, forms: SubjectForms, user: Any, trigger: FormName) -> None:
    """on_treatment after the first cycle, resected after a resection, follow_up at the first follow-up
    visit, off_study at the end of study; the change is audited with the form as its reason."""
    rule = _STATUS_AFTER.get(trigger)
    if rule is None:
        return
    subject.refresh_from_db()
    if subject.status not in rule[1] or rule[0] not in TRANSITIONS[subject.status]:
        return
    new_status = rule[0]
    change: dict[str, Any] = {
        "version": subject.version,
        "status": new_status,
        "reason": _("status follows the %(form)s form") % {"form": FORMS[trigger].label},
    }
    if trigger == FormName.haic_cycle and subject.treatment_start_date is None:
        first = min((c for c in forms.haic_cycles if c.admission_date), key=lambda c: c.cycle, default=None)
        if first is not None:
            change["treatment_start_date"] = first.admission_date
    subjects.update_subject(user, subject.subject_id, subjects.SubjectChange(**change))


# --- derived views ----------------------------------------------------------------------------------


def haic_prefill(user: Any, subject_id: str, cycle: int) -> dict[str, Any]:
    """A new cycle's payload with the planned doses from the planning engine (dose modification from the
    recorded toxicities of the earlier cycles) and the targeted-agent administrations of that cycle."""
    subject = subjects.subject_for(user, subject_id)
    if isinstance(cycle, bool) or not isinstance(cycle, int) or cycle < 1:
        raise InputError(_("must be a whole number >= 1"), field="cycle")
    forms, _keys = subject_forms(subject, list(records_of(subject)))
    return course.prefill(forms, protocol(), cycle, subjects.subject_patient(subject))


def next_cycle_number(subject: Subject) -> int:
    numbers = FormRecord.objects.filter(subject=subject, form=FormName.haic_cycle.value).values_list("cycle", flat=True)
    return max((n for n in numbers if n), default=0) + 1


def response_summary(user: Any, subject_id: str) -> dict[str, Any]:
    """The subject's RECIST 1.1 evaluation (time points, best overall response) as the core gives it."""
    subject = subjects.subject_for(user, subject_id)
    forms, _keys = subject_forms(subject, list(records_of(subject)))
    derived = course.derive(forms, protocol(), timezone.now(), subjects.subject_patient(subject))
    return {"subject_id": subject.subject_id, "recist": derived.subject.get("recist")}


def edit_check_findings(user: Any, subject_id: str, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The current findings of every edit check for the subject (read only)."""
    subject = subjects.subject_for(user, subject_id)
    forms, _keys = subject_forms(subject, list(records_of(subject)))
    proto = protocol()
    return [f.as_dict() for f in run_edit_checks(forms, proto, today=today or site_today(proto, timezone.now()))]
