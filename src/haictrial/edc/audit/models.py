"""Audit entries (hash-chained) and the chain head; the abstract base of audited clinical records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Action(models.TextChoices):
    create = "create", _("created")
    update = "update", _("changed")
    delete = "delete", _("deleted")


class AuditEntry(models.Model):
    """One create, update or delete of clinical data: who, when, old and new values, why.

    ``hash`` = sha256(``prev_hash`` + canonical JSON of the other fields); see
    :mod:`haictrial.edc.audit.chain`. Entries are never updated or deleted by the application.
    """

    seq = models.BigIntegerField(unique=True)
    recorded_at = models.DateTimeField()
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    model = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=20, null=True, db_index=True)
    screening_id = models.BigIntegerField(null=True, db_index=True)
    site_code = models.CharField(max_length=3, null=True)
    identifiers = models.BooleanField(default=False, help_text="values are direct identifiers")
    old_values = models.JSONField(null=True)
    new_values = models.JSONField(null=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise RuntimeError("audit entries are append-only")


class ChainHead(models.Model):
    """The last entry of the chain; locked (SELECT ... FOR UPDATE) while an entry is appended."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)


@dataclass(frozen=True)
class AuditScope:
    """Which subject, screening and site a changed row belongs to (for the per-subject trail)."""

    subject_id: str | None = None
    screening_id: int | None = None
    site_code: str | None = None


class AuditedRecord(models.Model):
    """Base of clinical data models: an optimistic-locking ``version`` and the audit scope.

    Subclasses add ``history = HistoricalRecords()``, a ``site_lookup`` for the site-isolation layer,
    and implement :meth:`audit_scope`. Save them only through
    :func:`haictrial.edc.audit.records.save_record` (reason and version checks).
    Set ``audit_identifiers = True`` on models holding direct identifiers (their trail is redacted for
    readers who may not see identifiers).
    """

    version = models.PositiveIntegerField(default=1)

    audit_identifiers = False

    class Meta:
        abstract = True

    def audit_scope(self) -> AuditScope:
        raise NotImplementedError

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One transaction with its history record and audit entry: a refused entry undoes the save.
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        with transaction.atomic(using=kwargs.get("using")):
            return super().delete(*args, **kwargs)
