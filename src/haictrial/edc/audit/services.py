"""Audit trail services: the entries of one subject (redacted where the reader may not see
identifiers) and the chain check used by ``haictrial audit verify``."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from haictrial.edc.audit import chain
from haictrial.edc.audit.models import AuditEntry

REDACTED = "[redacted]"


def _redact(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: REDACTED for key in values}


def entry_contract(entry: AuditEntry, show_identifiers: bool) -> dict[str, Any]:
    """One entry as the API and pages show it."""
    hide = entry.identifiers and not show_identifiers
    return {
        "seq": entry.seq,
        "recorded_at": chain.utc_iso(entry.recorded_at),
        "user": entry.username,
        "action": entry.action,
        "model": entry.model,
        "object_id": entry.object_id,
        "subject_id": entry.subject_id,
        "screening_id": entry.screening_id,
        "old_values": _redact(entry.old_values) if hide else entry.old_values,
        "new_values": _redact(entry.new_values) if hide else entry.new_values,
        "reason": entry.reason,
        "hash": entry.hash,
    }


def trail(subject_id: str | None, screening_id: int | None, show_identifiers: bool) -> list[dict[str, Any]]:
    """Entries of one subject (and of the screening that preceded its enrolment), oldest first.

    The caller has already checked that the reader may see this subject (site-isolation layer).
    """
    condition = Q(pk__in=[])
    if subject_id:
        condition |= Q(subject_id=subject_id)
    if screening_id is not None:
        condition |= Q(screening_id=screening_id)
    entries = AuditEntry.objects.filter(condition).order_by("seq")
    return [entry_contract(e, show_identifiers) for e in entries]


def verify_chain() -> chain.ChainReport:
    return chain.verify()
