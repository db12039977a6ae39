"""One eCRF record: the validated payload (JSON of the core's pydantic model), the derived values the
core computed from it, the indexed columns, and its data-management state (source data verification,
lock after the investigator's signature).

Records are site-owned through their subject and read only through the site-isolation layer. Save
them only through :mod:`haictrial.edc.crfs.services` (reason after the first save, optimistic locking
by ``version``, simple-history + the hash-chained audit trail).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from haictrial.clinical.crf_base import FormName
from haictrial.edc.accounts.access import SiteScopedManager
from haictrial.edc.audit.models import AuditedRecord, AuditScope
from haictrial.edc.subjects.models import Subject

FORM_CHOICES = [(f.value, f.value) for f in FormName]
SINGLE_FORMS = [FormName.baseline.value, FormName.end_of_study.value]


class FormRecord(AuditedRecord):
    """One instance of one eCRF of one subject."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="form_records")
    form = models.CharField(_("form"), max_length=40, choices=FORM_CHOICES)
    payload = models.JSONField(help_text="the form's pydantic model (haictrial.clinical.crf_models), as JSON")
    # Indexed copies of entered values, for lists, the visit schedule and the analysis data sets.
    cycle = models.PositiveIntegerField(_("cycle"), null=True, blank=True)
    event_date = models.DateField(_("date"), null=True, blank=True)
    # Derived by the core (never entered), with the protocol and engine versions that produced them.
    derived = models.JSONField(default=dict, blank=True)
    outcome_code = models.CharField(max_length=40, blank=True, help_text="derived key result, e.g. PR, R0, resect")
    protocol_version = models.CharField(max_length=50)
    engine_version = models.CharField(max_length=50)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Source data verification: reset by any change of the payload after it.
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Locked by the investigator's signature of the casebook; unlocking needs a reason.
    locked = models.BooleanField(_("locked"), default=False)

    history = HistoricalRecords(excluded_fields=["derived", "outcome_code", "updated_at"])
    objects = SiteScopedManager()
    site_lookup = "subject__site"

    class Meta:
        ordering = ["subject", "form", "cycle", "event_date", "id"]
        verbose_name = _("eCRF record")
        indexes = [
            models.Index(fields=["subject", "form"]),
            models.Index(fields=["form", "event_date"]),
            models.Index(fields=["form", "outcome_code"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "cycle"],
                condition=models.Q(form="haic_cycle"),
                name="one_haic_cycle_record_per_cycle",
            ),
            models.UniqueConstraint(
                fields=["subject", "form"],
                condition=models.Q(form__in=SINGLE_FORMS),
                name="one_record_of_single_forms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.form} #{self.pk}"

    def audit_scope(self) -> AuditScope:
        subject = self.subject
        return AuditScope(subject_id=subject.subject_id, screening_id=subject.screening_id, site_code=subject.site.code)

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def audit_identifiers(self) -> bool:  # type: ignore[override]
        """The Baseline form holds the birth date: its trail is redacted for readers without identifiers."""
        return self.form == FormName.baseline
