"""Protocol deviations found in the data, and the log of e-mail notifications sent.

A :class:`Deviation` is found by :func:`haictrial.clinical.deviations.detect_deviations` whenever a subject's data
are saved and stored once per ``(subject, kind, key)``. Choice (documented in the issue): a deviation is never
deleted. When a later save no longer shows it (the data were corrected) it stays, with ``resolved_by_data`` set
and its status unchanged, because a deviation that happened is still reported to the ethics committee; when it is
found again ``resolved_by_data`` is cleared. An investigator or monitor reviews it with a comment
(status ``open`` -> ``reviewed``). Every change is an audited save.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from haictrial.clinical.deviations import DeviationKind
from haictrial.edc.accounts.access import SiteScopedManager
from haictrial.edc.audit.models import AuditedRecord, AuditScope
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.subjects.models import Subject


class DeviationStatus(models.TextChoices):
    open = "open", _("Open")
    reviewed = "reviewed", _("Reviewed")


KIND_CHOICES = [(k.value, k.value) for k in DeviationKind]


class Deviation(AuditedRecord):
    """One protocol deviation of one subject, as the data showed it."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="deviations")
    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    key = models.CharField(max_length=300, help_text="stable identity of the finding within its kind")
    detail = models.TextField(_("detail"))
    form = models.CharField(_("form"), max_length=40, blank=True)
    record = models.ForeignKey(FormRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    field = models.CharField(max_length=300, blank=True)
    detected_at = models.DateTimeField(_("detected at"))
    last_seen_at = models.DateTimeField()
    resolved_by_data = models.BooleanField(default=False, help_text="a later save no longer shows it")
    status = models.CharField(_("status"), max_length=10, choices=DeviationStatus.choices, default=DeviationStatus.open)
    review_comment = models.TextField(_("comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "subject__site"

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("protocol deviation")
        constraints = [models.UniqueConstraint(fields=["subject", "kind", "key"], name="one_deviation_per_finding")]
        indexes = [models.Index(fields=["status", "subject"])]

    def audit_scope(self) -> AuditScope:
        subject = self.subject
        return AuditScope(subject_id=subject.subject_id, screening_id=subject.screening_id, site_code=subject.site.code)


class Notification(models.Model):
    """One e-mail sent (or being sent): ``(kind, key)`` is unique, so a notification goes out once."""

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    recipients = models.JSONField(default=list)
    subject_line = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="one_notification_per_key")]


class NotificationPreference(models.Model):
    """A user's e-mail choices: the daily digest can be switched off (safety e-mails cannot)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref")
    daily_digest = models.BooleanField(_("daily digest of overdue visits and open queries"), default=True)


class FieldVerification(AuditedRecord):
    """Source data verification of one field of one eCRF record (ICH E6(R2) 5.18.4 (m): the monitor checks the
    accuracy of the data against the source documents; risk-based monitoring verifies selected fields,
    ICH E6(R2) 5.0.3 and 5.18.3).

    ``value_sha256`` is the SHA-256 of the field's value when it was verified: the verification holds while the
    record's current value has that hash, so a later change of the field (and only of that field) undoes it.
    """

    record = models.ForeignKey(FormRecord, on_delete=models.CASCADE, related_name="field_verifications")
    field = models.CharField(_("field"), max_length=300)
    value_sha256 = models.CharField(max_length=64)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"))

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "record__subject__site"

    class Meta:
        ordering = ["record", "field"]
        verbose_name = _("field verification")
        constraints = [models.UniqueConstraint(fields=["record", "field"], name="one_verification_per_field")]

    def audit_scope(self) -> AuditScope:
        subject = self.record.subject
        return AuditScope(subject_id=subject.subject_id, screening_id=subject.screening_id, site_code=subject.site.code)
