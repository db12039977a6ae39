"""Pre-screening runs: start one, run it as a background job, read its worklist and prefill a screening.

Only :attr:`~haictrial.edc.accounts.access.Capability.screen` (investigator, coordinator) starts or reads
a run, and only at a site the user belongs to: another site's run is "not found".

Sources (docs/prescreen-worklist.md):

- an uploaded flat extract (Parquet or CSV, docs/prescreen-columns.md). The job keeps it reduced to the
  layout's columns (``source.parquet`` in ``HAICTRIAL_DATA_DIR/prescreen/<run id>/``): any other column
  (a name, a hospital number) is dropped with the raw upload before the pre-screen runs. The prefill of a
  screening reads the patient's row from that file.
- the configured warehouse, ``settings.HAICTRIAL_PRESCREEN_OMOP_URL`` (an OMOP CDM 5.4 DuckDB file or a
  database URL; schema ``HAICTRIAL_PRESCREEN_OMOP_SCHEMA``), mapped by
  :func:`haictrial.interop.prescreen.omop.omop_flat`; the prefill reads the row from the warehouse again.

The database keeps the row key and the verdicts of the worklist's patients only (eligible, or every
obstacle an unknown); ineligible patients and refused rows are counted, not listed. Every run is in the
sealed audit trail: requested (who, which site and source), finished (its counts) and deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.accounts.models import Site
from haictrial.edc.audit import chain
from haictrial.edc.audit.models import Action, AuditEntry
from haictrial.edc.jobs import claim, failure_reason, seconds_since
from haictrial.edc.prescreening.models import PrescreenRun, RunStatus, SourceKind, WorklistEntry, WorklistGroup
from haictrial.edc.trial import protocol
from haictrial.errors import ConflictError, InputError

logger = logging.getLogger(__name__)

SUFFIXES = (".parquet", ".csv")
#: Largest extract accepted (bytes).
MAX_UPLOAD_BYTES = 2_000_000_000
KEPT = "source.parquet"
#: The audit trail's model label of a run.
AUDIT_LABEL = "prescreening.prescreenrun"


def runs_root() -> Path:
    return Path(settings.DATA_DIR) / "prescreen"


def run_dir(run: PrescreenRun) -> Path:
    return runs_root() / str(run.pk)


def warehouse_url() -> str:
    return str(getattr(settings, "HAICTRIAL_PRESCREEN_OMOP_URL", "") or "")


def _audit(record: PrescreenRun, action: str, new: dict[str, Any] | None, reason: str, user: Any = None) -> None:
    """One entry of the sealed audit trail for a run (no patient values: counts and the source only)."""
    actor = user if user is not None else record.requested_by
    chain.append(
        AuditEntry(
            recorded_at=timezone.now(),
            user_id=actor.pk if actor is not None else None,
            username=(actor.get_username() if actor is not None else record.requested_by_username)[:150],
            action=action,
            model=AUDIT_LABEL,
            object_id=str(record.pk),
            site_code=record.site.code,
            old_values=None,
            new_values=None if new is None else {k: chain.json_value(v) for k, v in new.items()},
            reason=reason,
        )
    )


def screening_sites(user: Any) -> list[Site]:
    """The sites where ``user`` may pre-screen: their own, with the ``screen`` capability."""
    if not access.can(user, Capability.screen):
        return []
    return list(Site.objects.filter(id__in=access.member_site_ids(user)))


def _site(user: Any, code: str) -> Site:
    """The site of a new run (as a screening's: a site the user screens at, else 403)."""
    if not isinstance(code, str) or not code:
        raise InputError(_("the site code (three digits) is required"), field="site")
    site = Site.objects.filter(code=code).first()
    if site is None:
        raise InputError(_("no site with code %(code)r") % {"code": code}, field="site")
    access.require_site_action(user, site.id, Capability.screen)
    return site


def start_run(
    user: Any,
    site_code: str,
    *,
    upload: UploadedFile | None = None,
    warehouse: bool = False,
    index_date: dt.date | None = None,
    origin: str = "web",
) -> PrescreenRun:
    """Queue a pre-screen of ``site_code`` over ``upload`` or the configured warehouse; returns the run.

    Raises PermissionDenied without the ``screen`` capability and :class:`InputError` naming the field
    (``site``, ``file``, ``source``) for a request that cannot run; nothing is queued then.
    """
    from haictrial.edc.prescreening.tasks import run_prescreen

    access.require(user, Capability.screen)
    site = _site(user, site_code)
    if (upload is None) == (not warehouse):
        raise InputError(_("Upload an extract or choose the warehouse, not both."), field="source")
    name = ""
    if upload is not None:
        name = Path(upload.name or "").name
        if Path(name).suffix.lower() not in SUFFIXES:
            raise InputError(_("The extract must be a .parquet or .csv file."), field="file")
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise InputError(_("The extract is too large."), field="file")
    elif not warehouse_url():
        raise InputError(
            _("No warehouse is configured (HAICTRIAL_PRESCREEN_OMOP_URL): upload an extract."), field="source"
        )
    run = PrescreenRun.objects.create(
        site=site,
        source_kind=SourceKind.upload if upload is not None else SourceKind.warehouse,
        file_name=name[:255],
        index_date=index_date,
        requested_by=user,
        requested_by_username=user.get_username(),
        requested_at=timezone.now(),
    )
    _audit(
        run,
        str(Action.create),
        {"site": site.code, "source": run.source_kind, "file_name": run.file_name, "index_date": index_date},
        f"pre-screen requested ({origin})",
    )
    if upload is not None:
        folder = run_dir(run)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"upload{Path(name).suffix.lower()}").open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    run_prescreen.enqueue(run.pk)
    run.refresh_from_db()
    return run


# --- the job ----------------------------------------------------------------------------------


def _keep_layout(run: PrescreenRun) -> Path:
    """The upload reduced to the flat layout's columns (``source.parquet``); the raw upload is deleted."""
    import pyarrow.parquet as pq

    from haictrial.interop.prescreen.sources import read_flat
    from haictrial.vocabulary.flat_layout import KEY_COLUMNS, layout_of

    folder = run_dir(run)
    raw = next(folder.glob("upload.*"), None)
    kept = folder / KEPT
    if raw is None:
        if kept.is_file():
            return kept
        raise InputError(_("The uploaded extract is no longer there."), field="file")
    try:
        table = read_flat(raw)
        layout = set(layout_of(list(table.columns)).columns()) | set(KEY_COLUMNS)
        arrow = table.select(*[c for c in table.columns if c in layout]).to_pyarrow()
        pq.write_table(arrow, kept)
    except InputError as exc:  # the user's file name, not the run folder's
        raise InputError(exc.message.replace(str(raw), run.file_name), field=exc.field) from None
    finally:
        raw.unlink(missing_ok=True)
    return kept


def _omop_flat(run: PrescreenRun) -> Any:
    from haictrial.interop.prescreen.omop import connect_omop, omop_flat, omop_tables

    schema = getattr(settings, "HAICTRIAL_PRESCREEN_OMOP_SCHEMA", "") or None
    tables = omop_tables(connect_omop(warehouse_url()), schema)
    return omop_flat(tables, index_date=run.index_date, protocol=protocol())


def source_table(run: PrescreenRun) -> Any:
    """The run's source as a flat ibis table (``_row``: its row position)."""
    from haictrial.interop.prescreen.sources import read_flat

    if run.source_kind == SourceKind.warehouse:
        return _omop_flat(run)
    return read_flat(run_dir(run) / KEPT)


def worklist_rows(out: pa.Table) -> list[tuple[str, int, dict[str, Any]]]:
    """The worklist of a ``--out`` table: eligible rows first (in source order), then the rows whose only
    obstacles are unknowns (no failed criterion, no error), fewest unknowns first, then in source order."""
    positions = pa.array(range(out.num_rows), pa.int64())
    table = out.append_column("_row", positions)
    decided = pc.is_null(table["error"])
    eligible = pc.and_(decided, pc.fill_null(pc.equal(table["eligible"], True), False))
    unknown = pc.and_(pc.and_(decided, pc.is_null(table["eligible"])), pc.equal(table["n_fail"], 0))
    rows: list[tuple[str, int, dict[str, Any]]] = []
    for row in table.filter(eligible).to_pylist():
        rows.append((str(WorklistGroup.eligible), row["_row"], row))
    to_obtain = table.filter(pc.fill_null(unknown, False)).sort_by([("n_unknown", "ascending"), ("_row", "ascending")])
    for row in to_obtain.to_pylist():
        rows.append((str(WorklistGroup.to_obtain), row["_row"], row))
    return rows


def run(run_id: int) -> PrescreenRun:
    """Run a queued pre-screen; ``done`` with its worklist, or ``failed`` with the reason (never raised)."""
    from haictrial.interop.prescreen.compiler import CRITERION_IDS
    from haictrial.interop.prescreen.run import prescreen_table, summary

    record = PrescreenRun.objects.get(pk=run_id)
    if not claim(PrescreenRun, run_id, step="reading the source"):
        return record
    clock = time.perf_counter()
    try:
        if record.source_kind == SourceKind.upload:
            _keep_layout(record)
        proto = protocol()
        PrescreenRun.objects.filter(pk=run_id).update(step="screening")
        out = prescreen_table(source_table(record), proto)
        counts = summary(out)
        listed = worklist_rows(out)
        entries = [
            WorklistEntry(
                run=record,
                position=position,
                person_id=str(row["person_id"] or "")[:200],
                source_row=source_row,
                group=group,
                n_unknown=row["n_unknown"] or 0,
                to_obtain=list(row["missing"] or []),
                criteria={cid: row[cid] for cid in CRITERION_IDS},
            )
            for position, (group, source_row, row) in enumerate(listed)
        ]
        with transaction.atomic():
            WorklistEntry.objects.bulk_create(entries, batch_size=2000)
            PrescreenRun.objects.filter(pk=run_id).update(
                status=RunStatus.done,
                step="done",
                finished_at=timezone.now(),
                duration_s=seconds_since(clock),
                protocol_version=proto.version,
                patients=counts["patients"],
                eligible=counts["eligible"],
                to_obtain=sum(1 for group, _row, _r in listed if group == WorklistGroup.to_obtain),
                ineligible=counts["ineligible"],
                errors=counts["errors"],
            )
            record.refresh_from_db()
            fields = ("status", "patients", "eligible", "to_obtain", "ineligible", "errors", "protocol_version")
            _audit(record, str(Action.update), {k: getattr(record, k) for k in fields}, "pre-screen done")
    except Exception as exc:  # recorded as the run's reason; the page and the API show it
        reason = failure_reason(exc, logger, f"pre-screening run {run_id}")
        PrescreenRun.objects.filter(pk=run_id).update(
            status=RunStatus.failed,
            step="failed",
            error=reason.splitlines()[0][:2000] if reason else "",
            finished_at=timezone.now(),
            duration_s=seconds_since(clock),
        )
        failed = PrescreenRun.objects.get(pk=run_id)
        _audit(failed, str(Action.update), {"status": failed.status, "error": failed.error}, "pre-screen failed")
    return PrescreenRun.objects.get(pk=run_id)


# --- reading ----------------------------------------------------------------------------------


def runs_for(user: Any) -> QuerySet[PrescreenRun]:
    """The runs of the sites where ``user`` pre-screens, newest first."""
    access.require(user, Capability.screen)
    return PrescreenRun.objects.filter(site_id__in=access.member_site_ids(user)).select_related("site")


def run_for(user: Any, run_id: int) -> PrescreenRun:
    """One run of the user's sites, or Http404 (also for another site's run)."""
    access.require(user, Capability.screen)
    return runs_for(user).get_visible(user, pk=run_id)


def worklist(user: Any, run_id: int) -> tuple[PrescreenRun, QuerySet[WorklistEntry]]:
    """A done run and its worklist in order; ConflictError (409) while it is queued or running or failed."""
    record = run_for(user, run_id)
    if record.status != RunStatus.done:
        raise ConflictError(
            _("The pre-screen is {status}: its worklist is not ready.").format(status=record.get_status_display()),
            field="run_id",
        )
    return record, record.entries.order_by("position")


def entry_json(entry: WorklistEntry) -> dict[str, Any]:
    """One worklist entry as the API returns it (``GET /api/prescreen/{run_id}/worklist``)."""
    return {
        "position": entry.position,
        "person_id": entry.person_id,
        "group": entry.group,
        "eligible": True if entry.group == WorklistGroup.eligible else None,
        "n_unknown": entry.n_unknown,
        "to_obtain": entry.to_obtain,
        "criteria": entry.criteria,
        "screening_id": entry.screening_id,
    }


def run_json(record: PrescreenRun) -> dict[str, Any]:
    return {
        "run_id": record.pk,
        "site": record.site.code,
        "source": record.source_kind,
        "file_name": record.file_name or None,
        "index_date": record.index_date.isoformat() if record.index_date else None,
        "status": record.status,
        "step": record.step,
        "error": record.error or None,
        "requested_at": record.requested_at.isoformat(),
        "duration_s": record.duration_s,
        "protocol_version": record.protocol_version or None,
        "patients": record.patients,
        "eligible": record.eligible,
        "to_obtain": record.to_obtain,
        "ineligible": record.ineligible,
        "errors": record.errors,
    }


def source_row(record: PrescreenRun, entry: WorklistEntry) -> dict[str, Any]:
    """The entry's flat row, read again from the kept extract or from the warehouse."""
    import ibis

    from haictrial.interop.prescreen.compiler import standardise
    from haictrial.vocabulary.flat_layout import ROW

    table, _layout = standardise(source_table(record))
    if record.source_kind == SourceKind.warehouse:
        picked = table.filter(table.person_id == ibis.literal(entry.person_id))
    else:
        picked = table.filter(table[ROW] == entry.source_row)
    rows = picked.limit(1).to_pyarrow().to_pylist()
    if not rows:
        raise InputError(_("This patient is no longer in the source."), field="person_id")
    return rows[0]


def prefill(user: Any, run_id: int, entry_id: int) -> tuple[PrescreenRun, WorklistEntry, dict[str, Any]]:
    """A new screening's initial form values from a worklist patient's row (no identifiers: none are kept)."""
    from haictrial.edc.web.screening_forms import initial_from_document
    from haictrial.vocabulary.flat_layout import unflatten

    record = run_for(user, run_id)
    entry = record.entries.filter(pk=entry_id).first()
    if entry is None:
        from django.http import Http404

        raise Http404(_("Not found."))
    document = unflatten(source_row(record, entry))
    document.pop("subject_id", None)
    document["site"] = record.site.code
    return record, entry, initial_from_document(document)


def link_screening(entry: WorklistEntry, screening: Any) -> None:
    WorklistEntry.objects.filter(pk=entry.pk).update(screening=screening)


def delete_run(user: Any, run_id: int) -> None:
    """Delete a run, its worklist and the extract kept with it."""
    record = run_for(user, run_id)
    if record.status in (RunStatus.queued, RunStatus.running):
        raise ConflictError(_("The pre-screen is still running."), field="run_id")
    shutil.rmtree(run_dir(record), ignore_errors=True)
    _audit(record, str(Action.delete), None, "pre-screen and its kept extract deleted", user=user)
    record.delete()
