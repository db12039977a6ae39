"""The SAE desk and the record status dashboard (REDCap-style), read through the site-isolation layer.

SAE clock: ``due_at`` = ``aware_at`` + the protocol's ``settings.sae_initial_report_hours`` (ICH E6(R2) 4.11.1;
:func:`haictrial.clinical.adverse_events.sae_report_due`); ``overdue`` when unreported after ``due_at``.

Status grid: one row per subject, one cell per visit of the subject's schedule
(:func:`haictrial.clinical.visit_schedule.subject_schedule`), the visit labels of all rows merged in schedule order.
A cell is ``not_due`` (upcoming), ``due``, ``overdue`` (window passed, nothing recorded), or, once recorded:
``queried`` (an open or answered query on one of its records), ``incomplete`` (an expected form missing),
``locked`` (every record signed), ``verified`` (every record source-verified), else ``complete``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from enum import StrEnum
from typing import Any

from django.utils import timezone

from haictrial.clinical.adverse_events import AdverseEvent, SaeStatus, sae_report_due, sae_status
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.visit_schedule import RecordFacts, Visit, VisitState
from haictrial.edc.crfs import progress
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.dm.models import Query, QueryStatus
from haictrial.edc.subjects import services as subjects
from haictrial.edc.trial import protocol


class CellStatus(StrEnum):
    not_due = "not_due"
    due = "due"
    overdue = "overdue"
    incomplete = "incomplete"
    complete = "complete"
    verified = "verified"
    locked = "locked"
    queried = "queried"


# --- SAE desk -------------------------------------------------------------------------------------------


def sae_rows(user: Any, site: str | None = None, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every serious adverse event the user may see, the overdue first, then by due time."""
    now = now or timezone.now()
    proto = protocol()
    records = FormRecord.objects.visible_to(user).filter(form=FormName.adverse_events.value)
    if site:
        records = records.filter(subject__site__code=site)
    rows = []
    for record in records.select_related("subject__site"):
        if not record.payload.get("seriousness"):
            continue
        event = AdverseEvent.model_validate(record.payload)
        assert event.aware_at is not None  # a serious event always has one (AdverseEvent validator)
        due = sae_report_due(event.aware_at, proto)
        status = sae_status(event, now, proto)
        rows.append(
            {
                "subject_id": record.subject.subject_id,
                "site": record.subject.site.code,
                "record_id": record.pk,
                "term": event.term,
                "grade": event.grade,
                "seriousness": [c.value for c in event.seriousness],
                "aware_at": event.aware_at.isoformat(),
                "due_at": due.isoformat(),
                "reported_at": event.reported_at.isoformat() if event.reported_at else None,
                "overdue": status == SaeStatus.overdue,
                "status": status.value,
                "hours_left": round((due - now).total_seconds() / 3600, 1) if status == SaeStatus.due else None,
            }
        )
    order = {SaeStatus.overdue.value: 0, SaeStatus.due.value: 1, SaeStatus.reported.value: 2}
    rows.sort(key=lambda r: (order.get(r["status"], 3), r["due_at"], r["record_id"]))
    return rows


def sae_tiles(user: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per visible site: SAEs due, overdue and reported (the dashboard tile)."""
    tiles: dict[str, dict[str, Any]] = {}
    for row in sae_rows(user, now=now):
        tile = tiles.setdefault(row["site"], {"site": row["site"], "due": 0, "overdue": 0, "reported": 0})
        tile[row["status"]] = tile.get(row["status"], 0) + 1
    return [tiles[k] for k in sorted(tiles)]


# --- status grid ----------------------------------------------------------------------------------------


def _merge(order: list[str], labels: list[str]) -> None:
    """Insert the labels of one schedule into ``order``, each after the previous label of that schedule."""
    position = -1
    for label in labels:
        if label in order:
            position = order.index(label)
        else:
            position += 1
            order.insert(position, label)


def cell_status(visit: Visit, facts: dict[int, dict[str, Any]], queried: set[int]) -> CellStatus:
    """The status of one visit's cell (see the module docstring)."""
    if visit.state == VisitState.upcoming:
        return CellStatus.not_due
    ids = [i for values in visit.records.values() for i in values]
    if visit.actual_date is None and not ids:
        return CellStatus.overdue if visit.state == VisitState.overdue else CellStatus.due
    if any(i in queried for i in ids):
        return CellStatus.queried
    if visit.missing_forms:
        return CellStatus.incomplete
    rows = [facts[i] for i in ids if i in facts]
    if rows and all(r["locked"] for r in rows):
        return CellStatus.locked
    if rows and all(r["verified_at"] is not None for r in rows):
        return CellStatus.verified
    return CellStatus.complete


def status_grid(
    user: Any, site: str | None = None, status: str | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """``{"visits": [labels], "subjects": [{"subject_id", "status", "site", "cells", "links"}]}``.

    ``status`` keeps the subjects with at least one cell in that state. ``links`` has, per label, the record
    ids of the visit (the page links each cell to them).
    """
    today = today or timezone.localdate()
    rows = subjects.subjects_for(user)
    if site:
        rows = rows.filter(site__code=site)
    subject_rows = list(rows.order_by("subject_id"))
    facts: dict[int, list[RecordFacts]] = defaultdict(list)
    state: dict[int, dict[str, Any]] = {}
    fields = (*progress._FACT_FIELDS, "verified_at", "locked")
    for row in FormRecord.objects.filter(subject__in=subject_rows).values(*fields):
        facts[row["subject_id"]].append(progress._facts(row))
        state[row["id"]] = row
    queried = set(
        Query.objects.filter(
            subject__in=subject_rows, status__in=[QueryStatus.open, QueryStatus.answered], record__isnull=False
        ).values_list("record_id", flat=True)
    )
    order: list[str] = []
    out = []
    for subject in subject_rows:
        visits = progress._schedule(subject, facts[subject.pk], today)
        _merge(order, [v.label for v in visits])
        cells = {v.label: cell_status(v, state, queried).value for v in visits}
        if status and status not in cells.values():
            continue
        links = {v.label: {f: ids for f, ids in v.records.items()} for v in visits}
        missing = {v.label: v.missing_forms for v in visits}
        out.append(
            {
                "subject_id": subject.subject_id,
                "site": subject.site.code,
                "status": subject.status,
                "cells": cells,
                "links": links,
                "missing": missing,
            }
        )
    return {"visits": order, "subjects": out}
