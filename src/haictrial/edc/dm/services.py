"""Data-management services: queries, source data verification, e-signature and locking.

Who may do what (roles in :mod:`haictrial.edc.accounts.access`): a monitor opens queries on any field
and closes them, and marks records verified (``monitor``); a coordinator or investigator answers
(``edit``); the investigator signs a casebook and unlocks a signed record with a reason (``sign``).
Every action is on a subject of one of the user's own sites (403 otherwise, 404 when the subject is not
even visible), and every change is an audited save.

References
----------
- 21 CFR Part 11: 11.10(e) audit trails; 11.50 signature manifestations (printed name, date and time,
  meaning of the signature); 11.70 signature/record linking; 11.200(a) a signature made of two
  distinct identification components (user name and password), re-entered at signing.
- ICH E6(R3) GCP: source data verification by the monitor; the investigator's sign-off of the CRFs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from haictrial.clinical import course
from haictrial.clinical.edit_checks import EditCheckFinding, check_by_id
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit.records import create_record, update_record
from haictrial.edc.crfs.catalogue import FORMS
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.crfs.services import payload_sha256
from haictrial.edc.dm.models import Query, QueryOrigin, QueryStatus, Signature
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.errors import ConflictError, InputError

MAX_TEXT = 2000

#: The meaning of the casebook signature (21 CFR 11.50(b)); shown before signing and stored with it.
SIGNATURE_MEANING = gettext_noop(
    "I approve the data of subject %(subject_id)s in this casebook: I have reviewed every signed form and "
    "confirm, as the investigator responsible, that they are accurate, complete and attributable."
)


def _text(value: Any, field: str, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise InputError(_("must be text"), field=field)
    if required and not text:
        raise InputError(_("required"), field=field)
    if len(text) > MAX_TEXT:
        raise InputError(_("at most %(n)s characters") % {"n": MAX_TEXT}, field=field)
    return text


# --- queries from the edit checks ---------------------------------------------------------------


def _finding_record(
    finding: EditCheckFinding, keys: dict[course.RecordKey, FormRecord], by_id: dict[str, FormRecord]
) -> FormRecord | None:
    if finding.record_id and finding.record_id in by_id:
        return by_id[finding.record_id]
    spec = FORMS[finding.form]
    return keys.get((finding.form, finding.index if spec.repeating else None))


def sync_queries(
    subject: Subject,
    findings: list[EditCheckFinding],
    keys: dict[course.RecordKey, FormRecord],
    user: Any,
    *,
    existing: list[Query] | None = None,
    evaluated: set[int] | None = None,
) -> None:
    """Open a query for each new failing check on its field; close (``resolved_by_data``) the edit-check
    queries whose check now passes. A query a monitor closed stays closed while its finding stands.

    ``existing``: the subject's unresolved edit-check queries (:func:`unresolved_check_queries`), if already
    read. ``evaluated``: the records the record-local checks ran on (``run_edit_checks(records=...)``); the
    queries of a record-local check on any other record are left as they are. None: every record."""
    by_id = {str(r.pk): r for r in keys.values()}
    wanted: dict[tuple[str, int | None, str, str], EditCheckFinding] = {}
    for finding in findings:
        record = _finding_record(finding, keys, by_id)
        wanted.setdefault((finding.check_id, record.pk if record else None, finding.form.value, finding.field), finding)
    if existing is None:
        existing = unresolved_check_queries(subject)
    seen: set[tuple[str, int | None, str, str]] = set()
    now = timezone.now()
    for query in existing:
        key = (query.check_id, query.record_id, query.form, query.field)
        if evaluated is not None and query.record_id not in evaluated and _record_local(query.check_id):
            seen.add(key)  # not run on this unchanged record this time: its query stands as it is
            continue
        if key in wanted:
            seen.add(key)
            continue
        if query.status == QueryStatus.closed:
            continue
        query.status = QueryStatus.closed
        query.resolved_by_data = True
        query.closed_at = now
        query.close_note = _("closed automatically: the edit check passes after a later save")
        update_record(query, user=user, reason=f"edit check {query.check_id} passes", expected_version=query.version)
    for key, finding in wanted.items():
        if key in seen:
            continue
        create_record(
            Query(
                subject=subject,
                record_id=key[1],
                form=finding.form.value,
                field=finding.field,
                origin=QueryOrigin.edit_check,
                check_id=finding.check_id,
                severity=finding.severity.value,
                message=finding.message,
                message_template=finding.message_template,
                message_params=finding.message_params,
            ),
            user=user,
        )


def unresolved_check_queries(subject: Subject) -> list[Query]:
    """The subject's edit-check queries not resolved by the data (open, answered, or closed by a monitor)."""
    return list(Query.objects.filter(subject=subject, origin=QueryOrigin.edit_check, resolved_by_data=False))


def _record_local(check_id: str) -> bool:
    try:
        return check_by_id(check_id).record_local
    except KeyError:  # a check no longer declared: its queries are closed by a full run
        return False


# --- queries by people --------------------------------------------------------------------------


def queries_for(user: Any) -> QuerySet[Query]:
    """Queries the user may read (site-isolation layer)."""
    return Query.objects.visible_to(user).select_related("subject__site", "record", "opened_by", "answered_by")


def query_for(user: Any, query_id: int) -> Query:
    return Query.objects.select_related("subject__site").get_visible(user, pk=query_id)


def query_contract(query: Query) -> dict[str, Any]:
    return {
        "query_id": query.pk,
        "subject_id": query.subject.subject_id,
        "site": query.subject.site.code,
        "record_id": query.record_id,
        "form": query.form,
        "field": query.field,
        "origin": query.origin,
        "check_id": query.check_id or None,
        "severity": query.severity or None,
        "message": query.message,
        "message_template": query.message_template or None,
        "message_params": query.message_params or {},
        "status": query.status,
        "opened_by": query.opened_by.get_username() if query.opened_by else None,
        "opened_at": query.opened_at.isoformat(),
        "answer": query.answer or None,
        "answered_by": query.answered_by.get_username() if query.answered_by else None,
        "answered_at": query.answered_at.isoformat() if query.answered_at else None,
        "closed_at": query.closed_at.isoformat() if query.closed_at else None,
        "close_note": query.close_note or None,
        "resolved_by_data": query.resolved_by_data,
        "version": query.version,
    }


def open_query(user: Any, record: FormRecord, field: str, message: str) -> Query:
    """A monitor's query on one field of one record (``field``: the path, e.g. ``infusions[0].given_dose_mg``)."""
    access.require_site_action(user, record.subject.site_id, Capability.monitor)
    path = _text(field, "field")
    if len(path) > 300:
        raise InputError(_("at most %(n)s characters") % {"n": 300}, field="field")
    return create_record(
        Query(
            subject=record.subject,
            record=record,
            form=record.form,
            field=path,
            origin=QueryOrigin.monitor,
            message=_text(message, "message"),
            opened_by=user,
        ),
        user=user,
    )


def answer_query(user: Any, query_id: int, answer: str) -> Query:
    """A coordinator's or investigator's answer: the query becomes ``answered`` (a monitor closes it)."""
    with transaction.atomic():
        query = query_for(user, query_id)
        access.require_site_action(user, query.subject.site_id, Capability.edit)
        query = Query.objects.select_for_update().get(pk=query.pk)
        if query.status == QueryStatus.closed:
            raise ConflictError(_("the query is closed"), field="status")
        query.answer = _text(answer, "answer")
        query.answered_by, query.answered_at = user, timezone.now()
        query.status = QueryStatus.answered
        return update_record(query, user=user, reason=_("query answered"), expected_version=query.version)


def close_query(user: Any, query_id: int, note: str = "") -> Query:
    """A monitor closes an open or answered query."""
    with transaction.atomic():
        query = query_for(user, query_id)
        access.require_site_action(user, query.subject.site_id, Capability.monitor)
        query = Query.objects.select_for_update().get(pk=query.pk)
        if query.status == QueryStatus.closed:
            raise ConflictError(_("the query is already closed"), field="status")
        query.close_note = _text(note, "note", required=False)
        query.closed_by, query.closed_at = user, timezone.now()
        query.status = QueryStatus.closed
        return update_record(query, user=user, reason=_("query closed"), expected_version=query.version)


# --- source data verification -------------------------------------------------------------------


def verify_record(user: Any, record: FormRecord, version: int) -> FormRecord:
    """A monitor marks the record's data verified against the source; a later change resets it."""
    access.require_site_action(user, record.subject.site_id, Capability.monitor)
    with transaction.atomic():
        record.verified_at, record.verified_by = timezone.now(), user
        return update_record(record, user=user, reason=_("source data verified"), expected_version=version)


# --- e-signature and locking --------------------------------------------------------------------


def signature_meaning(subject: Subject) -> str:
    """The meaning shown before signing, in the signer's language, and stored with the signature."""
    return _(SIGNATURE_MEANING) % {"subject_id": subject.subject_id}


def sign_casebook(user: Any, subject_id: str, password: str, request: HttpRequest | None = None) -> Signature:
    """The investigator signs the subject's casebook: password re-entered (11.200), the meaning stored
    (11.50), every record listed with its version and payload hash (11.70) and locked."""
    subject = subjects.subject_for(user, subject_id)
    access.require_site_action(user, subject.site_id, Capability.sign)
    if not isinstance(password, str) or not password:
        raise InputError(_("re-enter your password to sign"), field="password")
    # Through the authentication backends (django-axes counts failures) when there is a request.
    checked = (
        authenticate(request, username=user.get_username(), password=password) is not None
        if request is not None
        else user.check_password(password)
    )
    if not checked:
        raise InputError(_("wrong password: the signature was not made"), field="password")
    with transaction.atomic():
        records = list(FormRecord.objects.select_for_update().filter(subject=subject).order_by("id"))
        if not records:
            raise ConflictError(_("the casebook has no forms to sign"), field="subject_id")
        manifest = [
            {
                "record_id": r.pk,
                "form": r.form,
                "version": r.version + (0 if r.locked else 1),
                "payload_sha256": payload_sha256(r),
            }
            for r in records
        ]
        signature = create_record(
            Signature(
                subject=subject,
                signer=user,
                signer_name=user.get_full_name() or user.get_username(),
                signed_at=timezone.now(),
                meaning=signature_meaning(subject),
                manifest=manifest,
            ),
            user=user,
        )
        for record in records:
            if not record.locked:
                record.locked = True
                update_record(
                    record,
                    user=user,
                    reason=_("locked by the signature of %(name)s") % {"name": signature.signer_name},
                    expected_version=record.version,
                )
    return signature


def unlock_record(user: Any, record: FormRecord, version: int, reason: str) -> FormRecord:
    """The investigator unlocks a signed record so that it can be corrected; the reason is audited."""
    access.require_site_action(user, record.subject.site_id, Capability.sign)
    text = _text(reason, "reason")
    if not record.locked:
        raise ConflictError(_("the form is not locked"), field="locked")
    record.locked = False
    return update_record(record, user=user, reason=text, expected_version=version)


def signature_contract(signature: Signature) -> dict[str, Any]:
    return {
        "signature_id": signature.pk,
        "subject_id": signature.subject.subject_id,
        "signer": signature.signer.get_username(),
        "signer_name": signature.signer_name,
        "signed_at": signature.signed_at.isoformat(),
        "meaning": signature.meaning,
        "records": signature.manifest,
    }


# --- the data-management page ----------------------------------------------------------------------


def site_summary(user: Any) -> list[dict[str, Any]]:
    """Per site the user may read: queries by status, records verified of all, locked records."""
    sites = {s.id: s for s in access.visible_sites(user)}
    by_site: dict[int, dict[str, Any]] = {
        sid: {
            "site": s.code,
            "name": s.name,
            "open": 0,
            "answered": 0,
            "closed": 0,
            "records": 0,
            "verified": 0,
            "locked": 0,
        }
        for sid, s in sites.items()
    }
    rows = queries_for(user).values("subject__site_id", "status").annotate(n=Count("id"))
    for row in rows:
        entry = by_site.get(row["subject__site_id"])
        if entry is not None:
            entry[row["status"]] = row["n"]
    records = (
        FormRecord.objects.visible_to(user)
        .values("subject__site_id")
        .annotate(
            n=Count("id"),
            verified=Count("id", filter=Q(verified_at__isnull=False)),
            locked=Count("id", filter=Q(locked=True)),
        )
    )
    for row in records:
        entry = by_site.get(row["subject__site_id"])
        if entry is not None:
            entry.update(records=row["n"], verified=row["verified"], locked=row["locked"])
    return [by_site[sid] for sid in sorted(by_site, key=lambda i: sites[i].code)]


def open_queries_by_record(subject: Subject) -> dict[int | None, Counter[str]]:
    """Open (or answered) queries per record and field, for the casebook and form pages."""
    out: dict[int | None, Counter[str]] = {}
    for record_id, field in Query.objects.filter(
        subject=subject, status__in=[QueryStatus.open, QueryStatus.answered]
    ).values_list("record_id", "field"):
        out.setdefault(record_id, Counter())[field] += 1
    return out


def latest_signature(subject: Subject) -> Signature | None:
    return Signature.objects.filter(subject=subject).select_related("signer").first()


def casebook_state(subject: Subject) -> dict[str, Any]:
    """Records, verified, locked and open queries of one subject (numbers only)."""
    records = FormRecord.objects.filter(subject=subject)
    return {
        "records": records.count(),
        "verified": records.filter(verified_at__isnull=False).count(),
        "locked": records.filter(locked=True).count(),
        "open_queries": Query.objects.filter(subject=subject, status=QueryStatus.open).count(),
        "answered_queries": Query.objects.filter(subject=subject, status=QueryStatus.answered).count(),
    }


__all__ = [
    "SIGNATURE_MEANING",
    "answer_query",
    "casebook_state",
    "close_query",
    "open_query",
    "open_queries_by_record",
    "queries_for",
    "query_contract",
    "sign_casebook",
    "site_summary",
    "sync_queries",
    "unlock_record",
    "verify_record",
]
