"""Screenings, direct identifiers, subjects and their derived cycle plans.

Clinical rows are site-owned (``site_lookup``) and read only through the site-isolation layer
(:class:`~haictrial.edc.accounts.access.SiteScopedManager`). Direct identifiers live apart, in
:class:`Identifiers`; everything else is keyed by the screening or the subject id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from haictrial.edc.accounts.access import SiteScopedManager
from haictrial.edc.accounts.models import Site
from haictrial.edc.audit.models import AuditedRecord, AuditScope
from haictrial.vocabulary.enums import SubjectStatus as Status


class SubjectStatus(models.TextChoices):
    """Where a patient is in the trial; a screening not (yet) enrolled is ``screened``. The values are the
    shared vocabulary's (:class:`haictrial.vocabulary.enums.SubjectStatus`), with their labels."""

    screened = Status.screened.value, _("Screened")
    enrolled = Status.enrolled.value, _("Enrolled")
    on_treatment = Status.on_treatment.value, _("On treatment")
    resected = Status.resected.value, _("Resected")
    follow_up = Status.follow_up.value, _("Follow-up")
    off_study = Status.off_study.value, _("Off study")


class Screening(AuditedRecord):
    """One screened patient: the de-identified patient document and the engine's verdict."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="screenings", verbose_name=_("site"))
    screening_date = models.DateField(_("screening date"), null=True, blank=True)
    patient = models.JSONField(help_text="screen.md patient document without direct identifiers")
    result = models.JSONField(help_text="screen.md output of the screening engine")
    eligible = models.BooleanField(null=True)
    failed_criteria = models.JSONField(default=list)
    missing = models.JSONField(default=list)
    protocol_version = models.CharField(max_length=50)
    engine_version = models.CharField(max_length=50)
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "site"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("screening")

    def audit_scope(self) -> AuditScope:
        return AuditScope(screening_id=self.pk, site_code=self.site.code)


class Identifiers(AuditedRecord):
    """Direct identifiers of a screened patient: only staff of the patient's own site see them."""

    screening = models.OneToOneField(Screening, on_delete=models.CASCADE, related_name="identifiers")
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    hospital_number = models.CharField(_("hospital number"), max_length=50, blank=True)

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "screening__site"
    audit_identifiers = True

    class Meta:
        verbose_name = _("identifiers")
        verbose_name_plural = _("identifiers")

    def audit_scope(self) -> AuditScope:
        screening = self.screening
        return AuditScope(screening_id=screening.pk, site_code=screening.site.code)


class SiteSequence(models.Model):
    """The last subject number given at a site (locked while the next is taken)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=0)


class Subject(AuditedRecord):
    """An enrolled patient, ``CHA-<site>-<NNNN>``, with status and the targeted agent chosen at enrolment."""

    subject_id = models.CharField(_("subject id"), max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="subjects", verbose_name=_("site"))
    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="subject")
    status = models.CharField(_("status"), max_length=20, choices=SubjectStatus.choices, default=SubjectStatus.enrolled)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    treatment_start_date = models.DateField(_("treatment start date"), null=True, blank=True)
    targeted_agent = models.CharField(_("targeted agent"), max_length=20, blank=True)
    targeted_agent_reason = models.TextField(_("reason"), blank=True)
    protocol_version = models.CharField(max_length=50)
    engine_version = models.CharField(max_length=50)

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "site"

    class Meta:
        ordering = ["subject_id"]
        verbose_name = _("subject")

    def __str__(self) -> str:
        return self.subject_id

    def audit_scope(self) -> AuditScope:
        return AuditScope(subject_id=self.subject_id, screening_id=self.screening_id, site_code=self.site.code)


class Consent(AuditedRecord):
    """The subject's informed consent: signature date, the approved ICF version signed and who obtained it.

    References: ICH E6(R2) 4.8.8 (the signed and dated consent form, before participation) and 4.8.1
    (the ICF version approved by the ethics committee; protocol ``settings.consent.icf_versions``).
    A withdrawal is recorded on the end-of-study form (reason ``withdrawal_of_consent``).
    """

    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="consent")
    signed_on = models.DateField(_("consent signed on"))
    icf_version = models.CharField(_("ICF version"), max_length=20)
    obtained_by = models.CharField(_("consent obtained by"), max_length=200)

    history = HistoricalRecords()
    objects = SiteScopedManager()
    site_lookup = "subject__site"

    class Meta:
        verbose_name = _("informed consent")

    def audit_scope(self) -> AuditScope:
        subject = self.subject
        return AuditScope(subject_id=subject.subject_id, screening_id=subject.screening_id, site_code=subject.site.code)


class CyclePlan(models.Model):
    """A derived cycle plan, stored with the protocol and engine versions that produced it."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="plans")
    cycle = models.PositiveIntegerField()
    plan = models.JSONField()
    protocol_version = models.CharField(max_length=50)
    engine_version = models.CharField(max_length=50)
    computed_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()
    site_lookup = "subject__site"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "cycle", "protocol_version", "engine_version"], name="one_plan_per_version"
            )
        ]
