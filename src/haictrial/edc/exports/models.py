"""One export build: who asked for which package, of which sites, and where it is.

The files live in ``HAICTRIAL_DATA_DIR/exports/<id>/`` (one folder per kind, ``manifest.json`` and
``export-<kind>.zip``); the row keeps what the Exports page and the API list without reading them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haictrial.edc.jobs import JobStatus


class ExportKind(models.TextChoices):
    """The packages of docs/contracts/interop.md, or all of them in one zip."""

    sdtm = "sdtm", _("SDTM (XPT, Dataset-JSON, define.xml)")
    odm = "odm", _("CDISC ODM 1.3.2 (odm.xml)")
    redcap = "redcap", _("REDCap (data dictionary and records)")
    ctgov = "ctgov", _("ClinicalTrials.gov results (results.json)")
    all = "all", _("All of them")


#: Where a build is: the status of every background job (:mod:`haictrial.edc.jobs`).
ExportStatus = JobStatus


class ExportBuild(models.Model):
    """An export, queued by :func:`haictrial.edc.exports.services.start_export` and run as a background task;
    never edited once done or failed."""

    kind = models.CharField(_("kind"), max_length=10, choices=ExportKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.queued)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=40, blank=True, default="")
    error = models.TextField(_("reason of the failure"), blank=True, default="")
    requested_at = models.DateTimeField(_("requested at"))
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    duration_s = models.FloatField(_("build time (s)"), null=True, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    built_by_username = models.CharField(_("built by"), max_length=150)
    origin = models.CharField(max_length=10, default="web", help_text="web or api")
    #: The sites the export covers: every site (statistician) or the builder's own sites.
    all_sites = models.BooleanField(default=False)
    site_codes = models.JSONField(default=list, help_text="codes of the sites covered when not all_sites")
    subject_count = models.PositiveIntegerField(_("subjects"), default=0)
    #: ``[{"path", "rows", "sha256"}]`` inside the zip (docs/contracts/interop.md file entries).
    files = models.JSONField(default=list)
    #: What the packages' own validation reported (listed, never hidden; the package is still offered).
    problems = models.JSONField(default=list)
    zip_sha256 = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("export build")

    def __str__(self) -> str:
        return f"export {self.pk} ({self.kind})"

    @property
    def zip_name(self) -> str:
        return f"export-{self.kind}.zip"
