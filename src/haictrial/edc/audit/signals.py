"""Every historical record django-simple-history creates becomes a chained audit entry."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from haictrial.edc.audit import chain
from haictrial.edc.audit.models import Action, AuditedRecord, AuditEntry, AuditScope
from haictrial.errors import InputError

_ACTIONS = {"+": Action.create, "~": Action.update, "-": Action.delete}


def record_values(history_instance: Any) -> dict[str, Any]:
    """The tracked field values of a historical record, JSON-safe (foreign keys as their ids)."""
    model = history_instance.instance_type
    names = {f.attname for f in history_instance._meta.concrete_fields}
    return {
        f.attname: chain.json_value(getattr(history_instance, f.attname))
        for f in model._meta.concrete_fields
        if f.attname in names
    }


@receiver(post_create_historical_record)
def chain_history_record(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    action = _ACTIONS[history_instance.history_type]
    reason = (history_instance.history_change_reason or "").strip()
    if action != Action.create and not reason:
        raise InputError("a reason is required for any change after the first save", field="reason")
    new = record_values(history_instance)
    old: dict[str, Any] | None = None
    if action == Action.update:
        prev = history_instance.prev_record
        if prev is not None:
            before = record_values(prev)
            changed = [k for k in new if before.get(k) != new[k]]
            old = {k: before.get(k) for k in changed}
            new = {k: new[k] for k in changed}
    elif action == Action.delete:
        old, new = new, None  # type: ignore[assignment]
    scope = instance.audit_scope() if isinstance(instance, AuditedRecord) else AuditScope()
    user = history_instance.history_user
    chain.append(
        AuditEntry(
            recorded_at=history_instance.history_date,
            user_id=user.pk if user is not None else None,
            username=user.get_username() if user is not None else "",
            action=action,
            model=instance._meta.label_lower,
            object_id=str(instance.pk),
            subject_id=scope.subject_id,
            screening_id=scope.screening_id,
            site_code=scope.site_code,
            identifiers=bool(getattr(instance, "audit_identifiers", False)),
            old_values=old,
            new_values=new,
            reason=reason,
        )
    )
