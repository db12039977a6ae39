"""``/api/prescreen``: pre-screening runs of the caller's sites and their worklists (coordinator, investigator).

``GET /api/prescreen/{run_id}/worklist`` is the coordinator's worklist of docs/contracts/prescreen.md: eligible
patients first, then those whose only obstacles are unknowns, each with what to obtain (the page's order).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import BaseModel, ConfigDict, Field

from haictrial.edc.api.schemas import responses
from haictrial.edc.prescreening import services

router = Router(tags=["prescreen"])

RunStatus_ = Literal["queued", "running", "done", "failed"]
CriterionStatus_ = Literal["pass", "fail", "unknown"]


class WorklistEntryOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    position: int = Field(ge=0, description="0-based place in the worklist")
    person_id: str = Field(description="the source's row key (a pseudonym; no direct identifier is kept)")
    group: Literal["eligible", "to_obtain"] = Field(
        description="eligible, or to_obtain: every criterion not passed is unknown"
    )
    eligible: bool | None
    n_unknown: int
    to_obtain: list[str] = Field(description="the fields to obtain (screen.md paths), in criterion order")
    criteria: dict[str, CriterionStatus_] = Field(description="I1...E8 -> pass/fail/unknown")
    screening_id: int | None = Field(description="the screening made from this entry, once screened")


class RunOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    run_id: int
    site: str
    source: Literal["upload", "warehouse"]
    file_name: str | None
    index_date: str | None
    status: RunStatus_
    step: str
    error: str | None = Field(description="why a failed run failed (one line)")
    requested_at: str
    duration_s: float | None
    protocol_version: str | None
    patients: int
    eligible: int
    to_obtain: int = Field(description="patients whose only obstacles are unknowns")
    ineligible: int
    errors: int = Field(description="rows refused with the engine's one-line message")


class WarehouseIn(Schema):
    """Pre-screen the configured warehouse (HAICTRIAL_PRESCREEN_OMOP_URL) for ``site``."""

    site: str = Field(description="three-digit site code of the caller's")
    index_date: dt.date | None = Field(None, description="default: each patient's latest laboratory test")


@router.get("", response=responses(list[RunOut]))
def list_runs(request: HttpRequest):
    """The runs of the caller's sites, newest first."""
    return [services.run_json(r) for r in services.runs_for(request.user)]


@router.post("", response=responses(RunOut, 202))
def start_warehouse_run(request: HttpRequest, body: WarehouseIn):
    """Queue a pre-screen of the configured warehouse: 202 at once; follow it with ``GET /api/prescreen/{run_id}``."""
    record = services.start_run(request.user, body.site, warehouse=True, index_date=body.index_date, origin="api")
    return Status(202, services.run_json(record))


@router.post("/upload", response=responses(RunOut, 202))
def start_upload_run(request: HttpRequest, site: Form[str], file: File[UploadedFile]):
    """Queue a pre-screen of an uploaded flat extract (multipart: ``site``, ``file`` .parquet or .csv)."""
    record = services.start_run(request.user, site, upload=file, origin="api")
    return Status(202, services.run_json(record))


@router.get("/{run_id}", response=responses(RunOut))
def get_run(request: HttpRequest, run_id: int):
    return services.run_json(services.run_for(request.user, run_id))


@router.get("/{run_id}/worklist", response=responses(list[WorklistEntryOut]))
def get_worklist(request: HttpRequest, run_id: int):
    """The worklist in order (409 while the run is queued, running, or failed)."""
    _record, entries = services.worklist(request.user, run_id)
    return [services.entry_json(e) for e in entries]
