"""Building the analysis report from the EDC and reading the builds back, for the page and the API.

Only roles with :attr:`~haictrial.edc.accounts.access.Capability.report` (statistician, admin) build or
read a report. The report covers every site and holds no direct identifiers: it is made from the
screenings' de-identified patient documents, the subjects and their eCRFs
(:func:`haictrial.reports.from_database.from_database`), never from
:class:`~haictrial.edc.subjects.models.Identifiers`.

A build writes ``HAICTRIAL_DATA_DIR/reports/<UTC timestamp>/`` in the language given (the user's), so
that the report's own strings come out in it, and records a :class:`~.models.ReportBuild`. Builds run
one at a time in a process (matplotlib and WeasyPrint are not meant to run concurrently).
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.reporting.models import ReportBuild
from haictrial.errors import InputError

#: The files of a build that the page and the API serve, with their media types.
REPORT_FILES: dict[str, str] = {
    "report.html": "text/html; charset=utf-8",
    "report.pdf": "application/pdf",
    "results.json": "application/json",
}

_BUILD_LOCK = threading.Lock()


def reports_root() -> Path:
    """``HAICTRIAL_DATA_DIR/reports``: every build's directory is in here."""
    return Path(settings.DATA_DIR) / "reports"


def check_cutoff(cutoff: dt.date | None, field: str = "cutoff") -> dt.date | None:
    """A data cut-off may not lie after today (the site's date): there are no data from the future."""
    if cutoff is not None and cutoff > timezone.localdate():
        raise InputError(_("The data cut-off date cannot be in the future."), field=field)
    return cutoff


def _new_directory(moment: dt.datetime) -> Path:
    """A new, empty directory ``reports/<YYYYmmddTHHMMSSZ>`` (``-2``, ``-3``, ... if that second is taken)."""
    root = reports_root()
    root.mkdir(parents=True, exist_ok=True)
    stamp = moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for number in range(1, 1000):
        path = root / (stamp if number == 1 else f"{stamp}-{number}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise InputError("too many report builds in one second", field="cutoff")  # pragma: no cover


def build(user: Any, cutoff: dt.date | None = None, *, pdf: bool = True, language: str | None = None) -> ReportBuild:
    """Build the report of the whole trial now, as ``user``, in ``language`` (default: the active one).

    Raises PermissionDenied without the ``report`` capability and
    :class:`~haictrial.errors.DomainError` (nothing recorded, nothing left on disk) when the data
    cannot be read or the cut-off is not allowed.
    """
    from haictrial.edc.subjects.services import protocol as edc_protocol
    from haictrial.reports.build import build_report
    from haictrial.reports.from_database import from_database

    access.require(user, Capability.report)
    check_cutoff(cutoff)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    trial = edc_protocol()
    with _BUILD_LOCK, translation.override(language):
        started = timezone.now()
        clock = time.perf_counter()
        out = _new_directory(started)
        try:
            # The report is de-identified but lists subject ids (swimmer, waterfall): it covers the sites
            # the builder may read (server contract), every site for the statistician.
            every_site = access.readable_site_ids(user) is None
            datasets = from_database(trial, None if every_site else user)
            result = build_report(datasets, out, trial, cutoff, pdf=pdf)
            data = result.results
            meta = data["report"]
            return ReportBuild.objects.create(
                directory=out.name,
                built_by=user,
                built_by_username=user.get_username(),
                built_at=started,
                duration_s=round(time.perf_counter() - clock, 3),
                language=language,
                cutoff_requested=cutoff,
                cutoff=dt.date.fromisoformat(meta["cutoff"]) if meta["cutoff"] else None,
                protocol_id=meta["protocol_id"],
                protocol_version=meta["protocol_version"],
                software_version=meta["software_version"],
                enrolled=int(data["enrolled"]),
                ctrr={k: data["ctrr"].get(k) for k in ("x", "n", "estimate", "lower", "upper", "level")},
                has_pdf=result.pdf is not None,
                notes=[str(note) for note in data["notes"]],
                all_sites=every_site,
                site_codes=[] if every_site else sorted(site.code for site in access.visible_sites(user)),
            )
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise


def builds_for(user: Any) -> QuerySet[ReportBuild]:
    """The builds whose sites the user may all read, newest first (PermissionDenied without the
    ``report`` capability): every build for the statistician, an admin's own sites' builds for an admin."""
    access.require(user, Capability.report)
    if access.readable_site_ids(user) is None:
        return ReportBuild.objects.all()
    own = {site.code for site in access.visible_sites(user)}
    allowed = [b.pk for b in ReportBuild.objects.filter(all_sites=False) if set(b.site_codes) <= own]
    return ReportBuild.objects.filter(pk__in=allowed)


def build_for(user: Any, build_id: int) -> ReportBuild:
    """One build, or Http404."""
    try:
        return builds_for(user).get(pk=build_id)
    except ReportBuild.DoesNotExist:
        raise Http404(_("Not found.")) from None


def latest_for(user: Any) -> ReportBuild:
    """The newest build, or Http404 when none was built yet."""
    latest = builds_for(user).first()
    if latest is None:
        raise Http404(_("Not found."))
    return latest


def report_file(user: Any, build_id: int, name: str) -> Path:
    """The path of ``name`` (one of :data:`REPORT_FILES`) of a build, or Http404 (unknown name, no file)."""
    report = build_for(user, build_id)
    if name not in REPORT_FILES:
        raise Http404(_("Not found."))
    path = reports_root() / report.directory / name
    if not path.is_file():
        raise Http404(_("Not found."))
    return path


def ctrr_text(report: ReportBuild) -> str:
    """The primary endpoint as the report writes it: ``x/n (estimate %; 95 % CI lower-upper)``."""
    from haictrial.reports.efficacy import format_rate

    return format_rate(report.ctrr)


def summary(report: ReportBuild) -> dict[str, Any]:
    """The build as the API returns it (plain JSON values)."""
    return {
        "build_id": report.pk,
        "built_at": report.built_at.isoformat(),
        "built_by": report.built_by_username,
        "language": report.language,
        "cutoff": report.cutoff.isoformat() if report.cutoff else None,
        "protocol_id": report.protocol_id,
        "protocol_version": report.protocol_version,
        "software_version": report.software_version,
        "enrolled": report.enrolled,
        "ctrr": report.ctrr,
        "ctrr_text": ctrr_text(report),
        "notes": report.notes,
        "files": [name for name in REPORT_FILES if name != "report.pdf" or report.has_pdf],
        "duration_s": report.duration_s,
    }
