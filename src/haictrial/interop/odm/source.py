"""What the exchange formats export, read from the EDC database through the site-isolation layer: the
enrolled subjects, their eCRF records, the audit entries of those records and the investigator's
signatures, de-identified unless the reader may see the identifiers of the subject's site.

``user=None`` (the command line) reads every site, always de-identified (docs/contracts/interop.md). With a
user (the REDCap API) the rows are those :meth:`SiteScopedQuerySet.visible_to` gives that user, and the
birth date of the Baseline form only where :func:`haictrial.edc.accounts.access.can_see_identifiers`
allows it, as on every other page and endpoint.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from haictrial.clinical.crf_base import FormName
from haictrial.errors import InputError
from haictrial.interop.odm.ecrf import IDENTIFIER_PATHS


@dataclass(frozen=True)
class RecordData:
    record_id: int
    form: FormName
    payload: dict[str, Any]
    cycle: int | None
    event_date: dt.date | None
    version: int
    locked: bool
    verified: bool


@dataclass(frozen=True)
class AuditData:
    seq: int
    recorded_at: dt.datetime
    username: str
    action: str
    record_id: int
    reason: str
    hash: str


@dataclass(frozen=True)
class SignatureData:
    signature_id: int
    username: str
    signed_at: dt.datetime
    meaning: str
    record_ids: tuple[int, ...]


@dataclass
class SubjectData:
    subject_id: str
    site_code: str
    identifiers: bool
    records: list[RecordData] = field(default_factory=list)
    audit: list[AuditData] = field(default_factory=list)
    signatures: list[SignatureData] = field(default_factory=list)


@dataclass
class Snapshot:
    """The subjects a reader may see, with the sites (code -> name) they belong to."""

    subjects: list[SubjectData]
    sites: dict[str, str]
    taken_at: dt.datetime


def deidentify(form: FormName, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without the direct identifiers of :data:`IDENTIFIER_PATHS`."""
    paths = [path for name, path in IDENTIFIER_PATHS if name == form]
    if not paths:
        return payload
    out = copy.deepcopy(payload)
    for path in paths:
        *parents, leaf = path.split(".")
        here: Any = out
        for part in parents:
            here = here.get(part) if isinstance(here, dict) else None
        if isinstance(here, dict):
            here.pop(leaf, None)
    return out


def read_database(user: Any = None) -> Snapshot:
    """The snapshot of the EDC database for ``user`` (None: every site, de-identified)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        from haictrial.edc import setup

        setup()
        return _read(user)
    except ImproperlyConfigured as exc:
        raise InputError(f"the EDC is not configured ({exc})", field="database") from None
    except DatabaseError as exc:
        raise InputError(
            f"cannot read the EDC database ({str(exc).splitlines()[0]}); run `haictrial serve` once to create it",
            field="database",
        ) from None


def _read(user: Any) -> Snapshot:
    from django.utils import timezone

    from haictrial.edc.accounts import access
    from haictrial.edc.accounts.models import Site
    from haictrial.edc.audit.models import AuditEntry
    from haictrial.edc.crfs.models import FormRecord
    from haictrial.edc.dm.models import Signature
    from haictrial.edc.subjects.models import Subject

    subjects = Subject.objects.select_related("site").order_by("subject_id")
    records = FormRecord.objects.select_related("subject").order_by("subject__subject_id", "form", "cycle", "id")
    signatures = Signature.objects.select_related("subject", "signer").order_by("signed_at", "id")
    if user is not None:
        subjects = subjects.visible_to(user)
        records = records.visible_to(user)
        signatures = signatures.visible_to(user)
    by_id: dict[str, SubjectData] = {}
    for subject in subjects:
        shown = user is not None and access.can_see_identifiers(user, subject.site_id)
        by_id[subject.subject_id] = SubjectData(subject.subject_id, subject.site.code, shown)
    owner: dict[int, SubjectData] = {}
    for record in records:
        subject_data = by_id.get(record.subject.subject_id)
        if subject_data is None:
            continue
        form = FormName(record.form)
        payload = record.payload if subject_data.identifiers else deidentify(form, record.payload)
        subject_data.records.append(
            RecordData(
                record.pk,
                form,
                payload,
                record.cycle,
                record.event_date,
                record.version,
                record.locked,
                record.verified_at is not None,
            )
        )
        owner[record.pk] = subject_data
    entries = AuditEntry.objects.filter(model=FormRecord._meta.label_lower, subject_id__in=list(by_id)).order_by("seq")
    for entry in entries:
        target = owner.get(int(entry.object_id)) if entry.object_id.isdigit() else None
        if target is not None:
            target.audit.append(
                AuditData(
                    entry.seq,
                    entry.recorded_at,
                    entry.username,
                    entry.action,
                    int(entry.object_id),
                    entry.reason,
                    entry.hash,
                )
            )
    for signature in signatures:
        subject_data = by_id.get(signature.subject.subject_id)
        if subject_data is None:
            continue
        ids = tuple(int(m["record_id"]) for m in signature.manifest if str(m.get("record_id", "")).isdigit())
        subject_data.signatures.append(
            SignatureData(signature.pk, signature.signer.get_username(), signature.signed_at, signature.meaning, ids)
        )
    sites = access.visible_sites(user) if user is not None else Site.objects.all()
    return Snapshot(list(by_id.values()), {s.code: s.name for s in sites.order_by("code")}, timezone.now())
