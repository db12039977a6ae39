"""Saving and deleting audited clinical records: reason required after the first save, and
optimistic locking by ``version`` so that a stale edit is a conflict, never a silent overwrite."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction

from haictrial.edc.audit.models import AuditedRecord
from haictrial.errors import ConflictError, InputError

RecordT = TypeVar("RecordT", bound=AuditedRecord)


def _require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InputError("a reason is required for any change after the first save", field="reason")
    return text


def create_record(instance: RecordT, *, user: Any, reason: str = "") -> RecordT:
    """First save of a record (version 1); the audit trail records it with ``user``."""
    if not instance._state.adding:
        raise ValueError("create_record is for new records; use update_record")
    instance.version = 1
    instance._history_user = user  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    with transaction.atomic():
        instance.save()
    return instance


def update_record(instance: RecordT, *, user: Any, reason: str | None, expected_version: int | None) -> RecordT:
    """Save changes to an existing record that the user loaded at ``expected_version``.

    Raises :class:`ConflictError` when someone else saved the record since (its version moved on).
    """
    text = _require_reason(reason)
    if expected_version is None:
        raise InputError("the version of the record you edited is required", field="version")
    model = type(instance)
    with transaction.atomic():
        # Compare-and-set: the row lock taken here holds until commit, so two stale edits serialise
        # and the second finds the version already moved on.
        updated = model._base_manager.filter(pk=instance.pk, version=expected_version).update(
            version=expected_version + 1
        )
        if not updated:
            current = model._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
            raise ConflictError(
                f"someone else changed this record since you opened it (your version {expected_version}, "
                f"now {current}); reload it and enter your change again",
                field="version",
            )
        instance.version = expected_version + 1
        instance._history_user = user  # type: ignore[attr-defined]
        instance._change_reason = text  # type: ignore[attr-defined]
        instance.save()
    return instance


def delete_record(instance: AuditedRecord, *, user: Any, reason: str | None) -> None:
    text = _require_reason(reason)
    instance._history_user = user  # type: ignore[attr-defined]
    instance._change_reason = text  # type: ignore[attr-defined]
    with transaction.atomic():
        instance.delete()
