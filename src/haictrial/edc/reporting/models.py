"""One build of the analysis report: who built it, when, from which protocol and software, and its headline.

The files live in ``HAICTRIAL_DATA_DIR/reports/<directory>/`` (report.html, report.pdf, results.json,
data sets, tables, figures); the row keeps what the report page lists without reading them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haictrial.edc.jobs import JobStatus

#: Where a build is: the status of every background job (:mod:`haictrial.edc.jobs`).
BuildStatus = JobStatus


class ReportBuild(models.Model):
    """A report build, queued by :func:`haictrial.edc.reporting.services.start_build` and run as a background
    task (or at once by :func:`~haictrial.edc.reporting.services.build`); never edited once done or failed."""

    directory = models.CharField(max_length=64, unique=True, help_text="folder under HAICTRIAL_DATA_DIR/reports")
    status = models.CharField(_("status"), max_length=10, choices=BuildStatus.choices, default=BuildStatus.queued)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=40, blank=True, default="")
    error = models.TextField(_("reason of the failure"), blank=True, default="")
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    pdf_requested = models.BooleanField(default=True)
    #: ``web``/``api`` (a task of the worker) or ``cli`` (``haictrial report``, written to its --out directory).
    origin = models.CharField(max_length=10, default="web")
    out_path = models.CharField(max_length=500, blank=True, default="", help_text="--out directory of a CLI build")
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    built_by_username = models.CharField(_("built by"), max_length=150)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    duration_s = models.FloatField(_("build time (s)"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10)
    cutoff_requested = models.DateField(null=True, blank=True, help_text="the cut-off asked for; empty: last data")
    cutoff = models.DateField(_("data cut-off date"), null=True, blank=True)
    protocol_id = models.CharField(max_length=50, blank=True, default="")
    protocol_version = models.CharField(_("protocol version"), max_length=50, blank=True, default="")
    software_version = models.CharField(_("software version"), max_length=50, blank=True, default="")
    enrolled = models.PositiveIntegerField(_("enrolled"), null=True, blank=True)
    ctrr = models.JSONField(
        null=True, blank=True, help_text="primary endpoint of results.json: x, n, estimate, lower, upper, level"
    )
    has_pdf = models.BooleanField(default=False)
    notes = models.JSONField(default=list)
    #: The sites the report covers: every site (statistician) or the builder's own sites (admin).
    all_sites = models.BooleanField(default=True)
    site_codes = models.JSONField(default=list, help_text="codes of the sites covered when not all_sites")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("report build")

    def __str__(self) -> str:
        return self.directory
