"""A pre-screening run of one site and its worklist.

Only the source's row key (``person_id``, a pseudonym of the extract or the warehouse) and the verdicts are
stored: no name, hospital number or other direct identifier of the source enters the database before a
patient is screened (docs/prescreen-worklist.md). An uploaded extract is kept, reduced to the columns of
the flat layout, in ``HAICTRIAL_DATA_DIR/prescreen/<run id>/source.parquet`` for the screening prefill.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haictrial.edc.accounts.access import SiteScopedManager
from haictrial.edc.accounts.models import Site
from haictrial.edc.jobs import JobStatus


class SourceKind(models.TextChoices):
    upload = "upload", _("uploaded extract (flat layout)")
    warehouse = "warehouse", _("warehouse (OMOP CDM)")


#: Where a run is: the status of every background job (:mod:`haictrial.edc.jobs`).
RunStatus = JobStatus


class WorklistGroup(models.TextChoices):
    """The two parts of the worklist, in this order (docs/contracts/prescreen.md)."""

    eligible = "eligible", _("eligible")
    to_obtain = "to_obtain", _("only unknowns: data to obtain")


class PrescreenRun(models.Model):
    """A pre-screen of one site's population, queued by :func:`~.services.start_run`; never edited once done."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    source_kind = models.CharField(_("source"), max_length=10, choices=SourceKind.choices)
    file_name = models.CharField(_("file"), max_length=255, blank=True, default="")
    index_date = models.DateField(_("index date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.queued)
    step = models.CharField(_("step"), max_length=40, blank=True, default="")
    error = models.TextField(_("reason of the failure"), blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_username = models.CharField(_("requested by"), max_length=150)
    requested_at = models.DateTimeField(_("requested at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_s = models.FloatField(_("run time (s)"), null=True, blank=True)
    protocol_version = models.CharField(_("protocol version"), max_length=50, blank=True, default="")
    patients = models.PositiveIntegerField(_("patients"), default=0)
    eligible = models.PositiveIntegerField(_("eligible"), default=0)
    to_obtain = models.PositiveIntegerField(_("only unknowns"), default=0)
    ineligible = models.PositiveIntegerField(_("ineligible"), default=0)
    errors = models.PositiveIntegerField(_("rows refused"), default=0)

    site_lookup = "site"
    objects = SiteScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pre-screening run")

    def __str__(self) -> str:
        return f"pre-screen {self.pk} ({self.site_id})"


class WorklistEntry(models.Model):
    """One patient of a run's worklist: the source's row key, the verdicts and what to obtain."""

    run = models.ForeignKey(PrescreenRun, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(_("position"))
    person_id = models.CharField(_("person id"), max_length=200, help_text="the source's row key (a pseudonym)")
    source_row = models.PositiveIntegerField(help_text="0-based row of the kept extract")
    group = models.CharField(_("group"), max_length=10, choices=WorklistGroup.choices)
    n_unknown = models.PositiveSmallIntegerField(_("unknown criteria"))
    to_obtain = models.JSONField(
        _("to obtain"), default=list, help_text="the fields whose absence leaves a criterion unknown"
    )
    criteria = models.JSONField(default=dict, help_text="criterion id -> pass/fail/unknown")
    screening = models.ForeignKey(
        "subjects.Screening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    site_lookup = "run__site"
    objects = SiteScopedManager()

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="prescreen_entry_position")]
        verbose_name = _("worklist entry")

    def __str__(self) -> str:
        return f"{self.run_id}:{self.position} {self.person_id}"
