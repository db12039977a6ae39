"""Export builds: queue one, run it in the background, list a user's builds and serve the zip.

Only roles with :attr:`~haictrial.edc.accounts.access.Capability.export` (coordinator, statistician, admin)
build or read exports, and each user sees only their own builds. A build covers the sites the builder may
read and holds no direct identifier (:mod:`.scope`). It is recorded as an :class:`~.models.ExportBuild`
at once (``queued``), then run by the worker (:func:`haictrial.edc.exports.tasks.run_export_build`): each
package is written by the builder the command line uses (:mod:`.packages`) into
``HAICTRIAL_DATA_DIR/exports/<id>/<kind>/``, searched for identifiers, described in ``manifest.json`` and
zipped as ``export-<kind>.zip``; the build ends ``done`` or ``failed`` with the reason.

Every build is in the sealed audit trail: who asked for which kind, of which sites and how many subjects
(when it is queued), and how it ended with the zip's SHA-256 (21 CFR Part 11 section 11.10(e); ICH E6(R3)
4.2 data integrity: a copy of trial data leaving the system is attributable).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
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

from haictrial import __version__
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit import chain
from haictrial.edc.audit.models import Action, AuditEntry
from haictrial.edc.exports import packages, scope
from haictrial.edc.exports.models import ExportBuild, ExportKind, ExportStatus
from haictrial.edc.jobs import claim, failure_reason, progress_percent, seconds_since
from haictrial.edc.trial import protocol as edc_protocol
from haictrial.errors import ConflictError, DomainError, UnprocessableError

logger = logging.getLogger(__name__)

#: The audit trail's model label of an export build.
AUDIT_LABEL = "exports.exportbuild"
_BUILD_LOCK = threading.Lock()  # one package at a time in a process (pointblank and polars are memory hungry)


def exports_root() -> Path:
    """``HAICTRIAL_DATA_DIR/exports``: each build's folder ``<id>/`` is in here."""
    return Path(settings.DATA_DIR) / "exports"


def parse_kind(value: Any) -> ExportKind:
    """``sdtm``, ``odm``, ``redcap``, ``ctgov`` or ``all``; a 422 naming ``kind`` otherwise."""
    if isinstance(value, str) and value in ExportKind.values:
        return ExportKind(value)
    raise UnprocessableError(
        _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(ExportKind.values)},
        field="kind",
    )


def kinds_of(kind: str) -> list[str]:
    """The packages a build of ``kind`` writes (all four for ``all``)."""
    return list(packages.WRITERS) if kind == ExportKind.all else [kind]


def _subject_count(site_ids: frozenset[int] | None) -> int:
    from haictrial.edc.subjects.models import Subject

    subjects = Subject.objects.all()
    return subjects.count() if site_ids is None else subjects.filter(site_id__in=site_ids).count()


def _audit(build: ExportBuild, action: str, old: dict[str, Any] | None, new: dict[str, Any], reason: str) -> None:
    user = build.built_by
    chain.append(
        AuditEntry(
            recorded_at=timezone.now(),
            user_id=user.pk if user is not None else None,
            username=build.built_by_username[:150],
            action=action,
            model=AUDIT_LABEL,
            object_id=str(build.pk),
            old_values=None if old is None else {k: chain.json_value(v) for k, v in old.items()},
            new_values={k: chain.json_value(v) for k, v in new.items()},
            reason=reason,
        )
    )


def start_export(user: Any, kind: Any, *, origin: str = "web") -> ExportBuild:
    """Queue an export of ``kind`` as ``user`` (status ``queued``), audit it and return it at once.

    Raises PermissionDenied without the ``export`` capability and :class:`UnprocessableError` naming
    ``kind`` for an unknown kind (nothing queued).
    """
    from haictrial.edc.exports.tasks import run_export_build

    access.require(user, Capability.export)
    chosen = parse_kind(kind)
    _reader, site_ids = scope.reader_for(user)
    every_site = site_ids is None
    codes = scope.site_codes(user)
    build = ExportBuild.objects.create(
        kind=chosen.value,
        requested_at=timezone.now(),
        built_by=user,
        built_by_username=user.get_username(),
        origin=origin,
        all_sites=every_site,
        site_codes=codes,
        subject_count=_subject_count(site_ids),
    )
    new = {
        "kind": build.kind,
        "status": build.status,
        "requested_at": build.requested_at,
        "sites": "all" if every_site else codes,
        "subject_count": build.subject_count,
    }
    _audit(build, str(Action.create), None, new, f"export {build.kind} requested")
    run_export_build.enqueue(build.pk)
    build.refresh_from_db()
    return build


def _progress(build_id: int, total: int) -> Callable[[str, int], None]:
    def on_step(name: str, done: int) -> None:
        ExportBuild.objects.filter(pk=build_id).update(step=name[:40], progress=progress_percent(done, total))

    return on_step


def _relative(entries: list[dict[str, Any]], root: Path) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        path = Path(entry["path"])
        out.append({"path": path.relative_to(root).as_posix(), "rows": entry.get("rows"), "sha256": entry["sha256"]})
    return out


def _write_manifest(build: ExportBuild, root: Path, files: list[dict[str, Any]], problems: list[str]) -> None:
    trial = edc_protocol()
    manifest = {
        "export_id": build.pk,
        "kind": build.kind,
        "protocol_id": trial.protocol_id,
        "protocol_version": trial.version,
        "software": f"haictrial {__version__}",
        "requested_at": build.requested_at.isoformat(),
        "built_by": build.built_by_username,
        "sites": "all" if build.all_sites else build.site_codes,
        "subject_count": build.subject_count,
        "deidentified": True,
        "files": files,
        "problems": problems,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")


def write_zip(root: Path, target: Path) -> str:
    """Zip every file under ``root`` (paths relative to it) into ``target``; its SHA-256."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(root.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(root).as_posix())
    return hashlib.sha256(target.read_bytes()).hexdigest()


def _package(build: ExportBuild, folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Write the build's packages into ``folder/package`` and check them; the file entries and problems."""
    user = build.built_by
    if user is None or not access.can(user, Capability.export):
        raise DomainError(_("The account that asked for this export may no longer export."))
    reader, site_ids = scope.reader_for(user)
    if (site_ids is None) != build.all_sites or scope.site_codes(user) != build.site_codes:
        raise DomainError(_("The sites of the account that asked for this export have changed."))
    trial = edc_protocol()
    kinds = kinds_of(build.kind)
    on_step = _progress(build.pk, len(kinds) + 1)
    root = folder / "package"
    files: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, kind in enumerate(kinds):
        on_step(kind, number)
        written = packages.WRITERS[kind](root / kind, trial, reader)
        files += _relative(written.files, root)
        problems += [f"{kind}: {problem}" for problem in written.problems]
    on_step("identifier check", len(kinds))
    hits = scope.identifier_hits(root)
    if hits:
        shutil.rmtree(root, ignore_errors=True)
        raise DomainError(
            _("A direct identifier was found in %(files)s; the package was deleted and is not offered.")
            % {"files": ", ".join(hits)}
        )
    _write_manifest(build, root, files, problems)
    return files, problems


def run(build_id: int) -> ExportBuild:
    """Run a queued build: progress and step stored as it goes, then ``done`` with the zip, or ``failed``
    with the reason (never raised: a failure is recorded); either way audited."""
    build = ExportBuild.objects.select_related("built_by").get(pk=build_id)
    if not claim(ExportBuild, build.pk, step="loading data", progress=1):
        return build
    folder = exports_root() / str(build.pk)
    folder.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    try:
        # The package is written in the project's language, as `haictrial export` writes it: the same
        # package from the page and the command line (the standards' codes and labels are English).
        with _BUILD_LOCK, translation.override(settings.LANGUAGE_CODE):
            files, problems = _package(build, folder)
            zip_sha256 = write_zip(folder / "package", folder / build.zip_name)
    except Exception as exc:  # recorded as the build's reason; the page and the API show it
        reason = failure_reason(exc, logger, f"export build {build.pk}")
        ExportBuild.objects.filter(pk=build.pk).update(
            status=ExportStatus.failed, error=reason[:2000], duration_s=seconds_since(clock)
        )
        _audit(build, str(Action.update), {"status": "queued"}, {"status": "failed"}, f"export failed: {reason}"[:2000])
        return ExportBuild.objects.get(pk=build.pk)
    ExportBuild.objects.filter(pk=build.pk).update(
        status=ExportStatus.done,
        progress=100,
        step="done",
        built_at=timezone.now(),
        duration_s=seconds_since(clock),
        files=files,
        problems=problems,
        zip_sha256=zip_sha256,
    )
    done = ExportBuild.objects.get(pk=build.pk)
    new = {
        "status": "done",
        "built_at": done.built_at,
        "files": len(files),
        "problems": len(problems),
        "zip": done.zip_name,
        "zip_sha256": zip_sha256,
    }
    _audit(done, str(Action.update), {"status": "queued"}, new, f"export {done.kind} built")
    return done


def builds_for(user: Any) -> QuerySet[ExportBuild]:
    """The user's own builds, newest first (PermissionDenied without the ``export`` capability)."""
    access.require(user, Capability.export)
    return ExportBuild.objects.filter(built_by=user)


def build_for(user: Any, build_id: int) -> ExportBuild:
    """One of the user's builds, or Http404 (also another user's: never its existence)."""
    try:
        return builds_for(user).get(pk=build_id)
    except ExportBuild.DoesNotExist:
        raise Http404(_("Not found.")) from None


def zip_path(user: Any, build_id: int) -> tuple[ExportBuild, Path]:
    """The zip of a done build; Http404 for no such build, ConflictError while it is not done."""
    build = build_for(user, build_id)
    path = exports_root() / str(build.pk) / build.zip_name
    if build.status != ExportStatus.done:
        raise ConflictError(_("This export is not ready: it is %(status)s.") % {"status": build.get_status_display()})
    if not path.is_file():
        raise Http404(_("Not found."))
    return build, path


def summary(build: ExportBuild) -> dict[str, Any]:
    """The build as the API returns it (plain JSON values)."""
    done = build.status == ExportStatus.done
    return {
        "export_id": build.pk,
        "kind": build.kind,
        "status": build.status,
        "progress": build.progress,
        "step": build.step,
        "error": build.error or None,
        "requested_at": build.requested_at.isoformat(),
        "built_at": build.built_at.isoformat() if build.built_at else None,
        "built_by": build.built_by_username,
        "sites": "all" if build.all_sites else build.site_codes,
        "subject_count": build.subject_count,
        "files": build.files if done else [],
        "problems": build.problems,
        "zip": build.zip_name if done else None,
        "zip_sha256": build.zip_sha256 or None,
        "download": f"/api/exports/{build.pk}/download" if done else None,
        "duration_s": build.duration_s,
    }
