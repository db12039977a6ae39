"""Queries on eCRF fields and the investigator's electronic signatures of a casebook.

Both are audited records (simple-history + the hash chain): every opening, answer, closing and
signature is in the subject's audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from haictrial.edc.accounts.access import SiteScopedManager
from haictrial.edc.audit.models import AuditedRecord, AuditScope
from haictrial.edc.crfs.models import FORM_CHOICES, FormRecord
from haictrial.edc.subjects.models import Subject


class QueryStatus(models.TextChoices):
    open = "open", _("Open")
    answered = "answered", _("Answered")
    closed = "closed", _("Closed")


class QueryOrigin(models.TextChoices):
    edit_check = "edit_check", _("Edit check")
    monitor = "monitor", _("Monitor")


class Query(AuditedRecord):
    """A question about one field of one eCRF record.

    ``edit_check`` queries are opened by a failing edit check on save and closed automatically when a
    later save passes it (``resolved_by_data``); ``monitor`` queries are opened by a monitor. A
    coordinator or investigator answers; a monitor closes.
    """

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="queries")
    record = models.ForeignKey(FormRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="queries")
    form = models.CharField(_("form"), max_length=40, choices=FORM_CHOICES)
    field = models.CharField(_("field"), max_length=300, blank=True)
    origin = models.CharField(_("origin"), max_length=20, choices=QueryOrigin.choices)
    check_id = models.CharField(_("edit check"), max_length=100, blank=True)
    severity = models.CharField(_("severity"), max_length=10, blank=True)
    message = models.TextField(_("question"))
    #: The edit check's message language-neutral (haictrial.clinical.messages): template and params, shown in
    #: the reader's language (:attr:`shown_message`). Empty for a monitor's query and for older rows.
    message_template = models.TextField(blank=True, default="")
    message_params = models.JSONField(blank=True, default=dict)
    status = models.CharField(_("status"), max_length=10, choices=QueryStatus.choices, default=QueryStatus.open)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.TextField(_("closing note"), blank=True)
    resolved_by_data = models.BooleanField(default=False, help_text="closed because a later save passed the check")

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "subject__site"

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("query")
        verbose_name_plural = _("queries")
        indexes = [models.Index(fields=["status", "subject"]), models.Index(fields=["record", "status"])]

    def audit_scope(self) -> AuditScope:
        subject = self.subject
        return AuditScope(subject_id=subject.subject_id, screening_id=subject.screening_id, site_code=subject.site.code)

    @property
    def shown_message(self) -> str:
        """The question in the current language: its template rendered, else the stored English ``message``."""
        from haictrial.i18n import render_parts

        if not self.message_template:
            return self.message
        return render_parts([{"template": self.message_template, "params": self.message_params}], self.message)


class Signature(AuditedRecord):
    """The investigator's electronic signature of a subject's casebook (21 CFR 11.50, 11.70).

    The signed manifest lists each record with its version and the SHA-256 of its payload, so that the
    signature stays linked to exactly the data it approved.
    """

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("printed name"), max_length=300)
    signed_at = models.DateTimeField(_("signed at"))
    meaning = models.TextField(_("meaning of the signature"))
    manifest = models.JSONField(help_text="[{record_id, form, version, payload_sha256}]")

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "subject__site"

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("signature")

    def audit_scope(self) -> AuditScope:
        subject = self.subject
        return AuditScope(subject_id=subject.subject_id, screening_id=subject.screening_id, site_code=subject.site.code)
