"""Building the analysis report from the EDC and reading the builds back, for the page and the API.

Only roles with :attr:`~haictrial.edc.accounts.access.Capability.report` (statistician, admin) build or
read a report. The report covers every site and holds no direct identifiers: it is made from the
screenings' de-identified patient documents, the subjects and their eCRFs
(:func:`haictrial.reports.from_database.from_database`), never from
:class:`~haictrial.edc.subjects.models.Identifiers`.

A build is recorded as a :class:`~.models.ReportBuild` at once (``queued``) and run as a background task
by the worker (server contract, "Reports as background jobs"): it writes
``HAICTRIAL_DATA_DIR/reports/<UTC timestamp>/`` in the language given (the user's), so that the report's
own strings come out in it, stores its progress (0-100) and current step as it goes, and ends ``done``
(with report.zip) or ``failed`` with the reason. Builds run one at a time in a process (matplotlib and
WeasyPrint are not meant to run concurrently).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.jobs import claim, failure_reason, progress_percent, seconds_since
from haictrial.edc.reporting.models import BuildStatus, ReportBuild
from haictrial.errors import InputError

logger = logging.getLogger(__name__)

#: The files of a build that the page and the API serve, with their media types.
REPORT_FILES: dict[str, str] = {
    "report.html": "text/html; charset=utf-8",
    "report.pdf": "application/pdf",
    "results.json": "application/json",
    "report.zip": "application/zip",
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


def start_build(
    user: Any, cutoff: dt.date | None = None, *, pdf: bool = True, language: str | None = None, origin: str = "web"
) -> ReportBuild:
    """Queue a build of the trial's report as ``user`` (status ``queued``) and return it at once.

    The build runs as a background task (:func:`haictrial.edc.reporting.tasks.run_report_build`, run by
    the worker ``haictrial serve`` starts). Raises PermissionDenied without the ``report`` capability and
    :class:`~haictrial.errors.DomainError` for a cut-off that is not allowed (nothing queued).
    """
    from haictrial.edc.reporting.tasks import run_report_build

    report = _queue(user, cutoff, pdf=pdf, language=language, origin=origin)
    run_report_build.enqueue(report.pk)
    report.refresh_from_db()
    return report


def _queue(user: Any, cutoff: dt.date | None, *, pdf: bool, language: str | None, origin: str) -> ReportBuild:
    access.require(user, Capability.report)
    check_cutoff(cutoff)
    now = timezone.now()
    out = _new_directory(now)
    every_site = access.readable_site_ids(user) is None
    return ReportBuild.objects.create(
        directory=out.name,
        built_by=user,
        built_by_username=user.get_username(),
        requested_at=now,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        cutoff_requested=cutoff,
        pdf_requested=pdf,
        origin=origin,
        all_sites=every_site,
        site_codes=[] if every_site else sorted(site.code for site in access.visible_sites(user)),
    )


def build(user: Any, cutoff: dt.date | None = None, *, pdf: bool = True, language: str | None = None) -> ReportBuild:
    """Build the report now, in this process, and return the finished (``done`` or ``failed``) build."""
    report = _queue(user, cutoff, pdf=pdf, language=language, origin="direct")
    return run(report.pk)


def _progress(report: ReportBuild, steps: list[str]) -> Callable[[str], None]:
    def on_step(name: str) -> None:
        done = steps.index(name) if name in steps else 0
        ReportBuild.objects.filter(pk=report.pk).update(step=name[:40], progress=progress_percent(done, len(steps)))

    return on_step


def run(build_id: int) -> ReportBuild:
    """Run a queued build: progress and step stored as it goes, then ``done`` with the headline and the
    files (report.zip included), or ``failed`` with the reason (never raised: a failure is recorded)."""
    report = ReportBuild.objects.select_related("built_by").get(pk=build_id)
    if not claim(ReportBuild, report.pk, step="loading data", progress=1):
        return report
    out = reports_root() / report.directory
    out.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    try:
        from haictrial.edc.trial import protocol as edc_protocol
        from haictrial.reports.build import STEPS, build_report
        from haictrial.reports.from_database import from_database

        steps = [s for s in STEPS if report.pdf_requested or s != "pdf"] + ["report.zip"]
        with _BUILD_LOCK, translation.override(report.language):
            trial = edc_protocol()
            user = report.built_by
            datasets = from_database(trial, None if report.all_sites or user is None else user)
            on_step = _progress(report, steps)
            result = build_report(datasets, out, trial, report.cutoff_requested, pdf=report.pdf_requested,
                                  on_step=on_step)  # fmt: skip
            on_step("report.zip")
            write_zip(out)
    except Exception as exc:  # recorded as the build's reason; the page and the API show it
        reason = failure_reason(exc, logger, f"report build {report.pk}")
        ReportBuild.objects.filter(pk=report.pk).update(
            status=BuildStatus.failed, error=reason[:2000], duration_s=seconds_since(clock)
        )
        return ReportBuild.objects.get(pk=report.pk)
    data = result.results
    meta = data["report"]
    ReportBuild.objects.filter(pk=report.pk).update(
        status=BuildStatus.done,
        progress=100,
        step="done",
        built_at=timezone.now(),
        duration_s=seconds_since(clock),
        cutoff=dt.date.fromisoformat(meta["cutoff"]) if meta["cutoff"] else None,
        protocol_id=meta["protocol_id"],
        protocol_version=meta["protocol_version"],
        software_version=meta["software_version"],
        enrolled=int(data["enrolled"]),
        ctrr={k: data["ctrr"].get(k) for k in ("x", "n", "estimate", "lower", "upper", "level")},
        has_pdf=result.pdf is not None,
        notes=[str(note) for note in data["notes"]],
    )
    return ReportBuild.objects.get(pk=report.pk)


#: What report.zip holds: the report, its results, tables, figures, data sets and the data dictionary.
ZIP_PARTS = ("report.html", "report.pdf", "results.json", "tables", "figures", "datasets")


def write_zip(out: Path) -> Path:
    """``report.zip`` of a build directory (report, results, tables, figures, data sets, dictionary)."""
    target = out / "report.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in ZIP_PARTS:
            path = out / part
            if path.is_file():
                archive.write(path, part)
            elif path.is_dir():
                for item in sorted(path.rglob("*")):
                    if item.is_file():
                        archive.write(item, item.relative_to(out).as_posix())
    return target


def record_cli_build(out: Path, results: dict[str, Any], duration_s: float, pdf: bool, language: str) -> ReportBuild:
    """Record a ``haictrial report`` build (written to its own ``--out`` directory, zipped there too)."""
    write_zip(out)
    meta = results["report"]
    now = timezone.now()
    return ReportBuild.objects.create(
        directory=f"cli-{now.strftime('%Y%m%dT%H%M%S%fZ')}",
        status=BuildStatus.done,
        progress=100,
        step="done",
        origin="cli",
        out_path=str(out.resolve())[:500],
        built_by_username="haictrial report",
        requested_at=now,
        built_at=now,
        duration_s=round(duration_s, 3),
        language=language,
        cutoff=dt.date.fromisoformat(meta["cutoff"]) if meta["cutoff"] else None,
        protocol_id=meta["protocol_id"],
        protocol_version=meta["protocol_version"],
        software_version=meta["software_version"],
        enrolled=int(results["enrolled"]),
        ctrr={k: results["ctrr"].get(k) for k in ("x", "n", "estimate", "lower", "upper", "level")},
        has_pdf=pdf,
        notes=[str(n) for n in results["notes"]],
    )


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
    latest = builds_for(user).filter(status=BuildStatus.done).first()
    if latest is None:
        raise Http404(_("Not found."))
    return latest


def report_file(user: Any, build_id: int, name: str) -> Path:
    """The path of ``name`` (one of :data:`REPORT_FILES`) of a build, or Http404 (unknown name, no file)."""
    report = build_for(user, build_id)
    if name not in REPORT_FILES:
        raise Http404(_("Not found."))
    base = Path(report.out_path) if report.origin == "cli" and report.out_path else reports_root() / report.directory
    path = base / name
    if report.status != BuildStatus.done or not path.is_file():
        raise Http404(_("Not found."))
    return path


def ctrr_text(report: ReportBuild) -> str:
    """The primary endpoint as the report writes it: ``x/n (estimate %; 95 % CI lower-upper)``."""
    from haictrial.reports.efficacy import format_rate

    return format_rate(report.ctrr)


def summary(report: ReportBuild) -> dict[str, Any]:
    """The build as the API returns it (plain JSON values): status, progress, step, and when done the files."""
    done = report.status == BuildStatus.done
    files = [name for name in REPORT_FILES if name != "report.pdf" or report.has_pdf] if done else []
    if done and report.origin != "cli" and not (reports_root() / report.directory / "report.zip").is_file():
        files = [name for name in files if name != "report.zip"]  # built before report.zip existed
    return {
        "build_id": report.pk,
        "status": report.status,
        "progress": report.progress,
        "step": report.step,
        "error": report.error or None,
        "requested_at": report.requested_at.isoformat() if report.requested_at else None,
        "built_at": report.built_at.isoformat() if report.built_at else None,
        "built_by": report.built_by_username,
        "language": report.language,
        "cutoff": report.cutoff.isoformat() if report.cutoff else None,
        "protocol_id": report.protocol_id,
        "protocol_version": report.protocol_version,
        "software_version": report.software_version,
        "enrolled": report.enrolled,
        "ctrr": report.ctrr,
        "ctrr_text": ctrr_text(report) if report.ctrr else None,
        "notes": report.notes,
        "files": files,
        "duration_s": report.duration_s,
    }
