"""Monitoring: source data verification per field (besides the per-form mark of :mod:`haictrial.edc.dm`), the
worklist of forms awaiting verification by site, and the labels monitors see instead of internal names.

ICH E6(R2) 5.18.4 (m): the monitor checks the accuracy and completeness of the CRF entries against the source
documents; 5.0.3 / 5.18.3: risk-based monitoring may verify selected fields only. A field verification holds
while the field keeps the value it had when verified (:class:`~haictrial.edc.operations.models.FieldVerification`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haictrial.clinical.crf_base import FormName
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit.records import create_record, update_record
from haictrial.edc.crfs import progress
from haictrial.edc.crfs.catalogue import FORMS
from haictrial.edc.crfs.labels import field_label, field_labels
from haictrial.edc.crfs.layouts import layout_for
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.crfs.webforms import get_path
from haictrial.edc.operations.models import FieldVerification
from haictrial.edc.subjects.models import Subject
from haictrial.errors import InputError

_INDEX = re.compile(r"\[\d+\]")


def value_sha256(value: Any) -> str:
    """The SHA-256 of a field value in canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def form_label(form: str) -> str:
    """The form's name in the user's language (``haic_cycle`` -> "HAIC cycle"), else the code."""
    try:
        return str(FORMS[FormName(form)].label)
    except (ValueError, KeyError):
        return form


def _baseline_lesions(subject: Subject) -> list[dict[str, Any]]:
    baseline = FormRecord.objects.filter(subject=subject, form=FormName.baseline.value).first()
    lesions = baseline.payload.get("lesions") if baseline else None
    return lesions if isinstance(lesions, list) else []


def record_labels(record: FormRecord) -> dict[str, Any]:
    """Field path (row indices removed) -> label, for the record's layout."""
    return field_labels(layout_for(FormName(record.form), _baseline_lesions(record.subject)))


def label_of(record: FormRecord, path: str, labels: dict[str, Any] | None = None) -> str:
    return str(field_label(labels if labels is not None else record_labels(record), path))


@dataclass(frozen=True)
class FieldState:
    """One verified field of a record: who verified it and whether it still holds (value unchanged)."""

    field: str
    label: str
    verified_by: str
    verified_at: str
    current: bool


def field_states(record: FormRecord) -> list[FieldState]:
    """The record's field verifications, each with ``current`` (the field still has the verified value)."""
    labels = record_labels(record)
    out = []
    for row in FieldVerification.objects.filter(record=record).select_related("verified_by"):
        out.append(
            FieldState(
                field=row.field,
                label=label_of(record, row.field, labels),
                verified_by=row.verified_by.get_username() if row.verified_by else "",
                verified_at=row.verified_at.isoformat(timespec="minutes"),
                current=row.value_sha256 == value_sha256(get_path(record.payload, row.field)),
            )
        )
    return out


def verify_field(user: Any, record_id: int, field: Any) -> FieldVerification:
    """A monitor of the record's site verifies one field against the source (again, after a change)."""
    from django.core.exceptions import PermissionDenied

    record = FormRecord.objects.select_related("subject__site").get_visible(user, pk=record_id)
    if not access.can(user, Capability.monitor) or record.subject.site_id not in access.member_site_ids(user):
        raise PermissionDenied(_("only a monitor of the site verifies source data"))
    if not isinstance(field, str) or not field.strip():
        raise InputError(_("required"), field="field")
    field = field.strip()
    if _INDEX.sub("", field) not in record_labels(record):
        raise InputError(_("not a field of this form"), field="field")
    digest = value_sha256(get_path(record.payload, field))
    with transaction.atomic():
        existing = FieldVerification.objects.select_for_update().filter(record=record, field=field).first()
        if existing is None:
            return create_record(
                FieldVerification(
                    record=record, field=field, value_sha256=digest, verified_by=user, verified_at=timezone.now()
                ),
                user=user,
                reason=_("source data verified (one field)"),
            )
        existing.value_sha256, existing.verified_by, existing.verified_at = digest, user, timezone.now()
        return update_record(
            existing, user=user, reason=_("source data verified (one field)"), expected_version=existing.version
        )


def _visit_labels(subject: Subject) -> dict[int, str]:
    """Record id -> the label of the visit the schedule puts it in."""
    out: dict[int, str] = {}
    for visit in progress.subject_visits(subject):
        for ids in visit.records.values():
            for record_id in ids:
                out.setdefault(record_id, visit.label)
    return out


def worklist(user: Any, site: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Forms awaiting source data verification (not verified as a whole), by site, subject and visit order:
    ``{"site", "subject_id", "record_id", "form", "form_label", "visit", "fields_verified", "updated_at"}``."""
    rows = FormRecord.objects.visible_to(user).filter(verified_at__isnull=True).select_related("subject__site")
    if site:
        rows = rows.filter(subject__site__code=site)
    records = list(rows.order_by("subject__site__code", "subject__subject_id", "id")[:limit])
    counts: dict[int, int] = {}
    for record_id in FieldVerification.objects.filter(record__in=records).values_list("record_id", flat=True):
        counts[record_id] = counts.get(record_id, 0) + 1
    visits: dict[int, dict[int, str]] = {}
    out = []
    for record in records:
        if record.subject_id not in visits:
            visits[record.subject_id] = _visit_labels(record.subject)
        out.append(
            {
                "site": record.subject.site.code,
                "subject_id": record.subject.subject_id,
                "record_id": record.pk,
                "form": record.form,
                "form_label": form_label(record.form),
                "visit": visits[record.subject_id].get(record.pk, ""),
                "fields_verified": counts.get(record.pk, 0),
                "updated_at": record.updated_at.isoformat(timespec="minutes") if record.updated_at else "",
            }
        )
    return out


def query_places(queries: list[Any]) -> dict[int, dict[str, str]]:
    """Query id -> ``{"form_label", "visit", "field_label"}`` for query lists (no internal codes)."""
    out: dict[int, dict[str, str]] = {}
    visits: dict[int, dict[int, str]] = {}
    labels: dict[int, dict[str, Any]] = {}
    for query in queries:
        record = query.record
        visit, field = "", query.field
        if record is not None:
            if query.subject_id not in visits:
                visits[query.subject_id] = _visit_labels(query.subject)
            visit = visits[query.subject_id].get(record.pk, "")
            if record.pk not in labels:
                labels[record.pk] = record_labels(record)
            field = label_of(record, query.field, labels[record.pk]) if query.field else ""
        out[query.pk] = {"form_label": form_label(query.form), "visit": visit, "field_label": field}
    return out


def missing_data(user: Any, site: str | None = None) -> list[dict[str, Any]]:
    """Per site and subject, by visit in schedule order: the expected forms not entered (visits due, overdue or
    done; the protocol's schedule of assessments, ``schedule.visits[].forms``) and the required fields left empty
    (the open ``REQ-`` edit-check queries, :data:`haictrial.clinical.edit_checks.REQUIRED_FIELDS`).

    ``[{"site", "subject_id", "visit", "state", "missing_forms": [form labels], "empty_fields": [{"form_label",
    "field_label", "record_id", "form"}]}]``; a visit with nothing missing is left out.
    """
    from haictrial.edc.dm.models import Query, QueryStatus
    from haictrial.edc.subjects import services as subject_services

    rows = subject_services.subjects_for(user).select_related("site")
    if site:
        rows = rows.filter(site__code=site)
    subject_rows = list(rows.order_by("site__code", "subject_id"))
    empty: dict[int, list[Any]] = {}
    required = Query.objects.filter(
        subject__in=subject_rows,
        check_id__startswith="REQ-",
        status__in=[QueryStatus.open, QueryStatus.answered],
        record__isnull=False,
    ).select_related("record__subject")
    for query in required:
        empty.setdefault(query.record_id, []).append(query)
    labels: dict[int, dict[str, Any]] = {}
    out = []
    for subject in subject_rows:
        for visit in progress.subject_visits(subject):
            ids = [i for values in visit.records.values() for i in values]
            fields = []
            for record_id in ids:
                for query in empty.get(record_id, []):
                    record = query.record
                    if record.pk not in labels:
                        labels[record.pk] = record_labels(record)
                    fields.append(
                        {
                            "form": record.form,
                            "record_id": record.pk,
                            "form_label": form_label(record.form),
                            "field_label": label_of(record, query.field, labels[record.pk]),
                        }
                    )
            missing = [form_label(f) for f in visit.missing_forms]
            if missing or fields:
                out.append(
                    {
                        "site": subject.site.code,
                        "subject_id": subject.subject_id,
                        "visit": visit.label,
                        "state": visit.state.value,
                        "missing_forms": missing,
                        "empty_fields": fields,
                    }
                )
    return out


__all__ = [
    "FieldState",
    "field_states",
    "form_label",
    "label_of",
    "missing_data",
    "query_places",
    "record_labels",
    "value_sha256",
    "verify_field",
    "worklist",
]
