"""The analysis report (statistician and admin): build it, read the latest build, download its files."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from haictrial.edc.api.schemas import responses
from haictrial.edc.reporting import services

router = Router(tags=["reports"])


class ReportIn(Schema):
    """``cutoff``: the data cut-off date (default: the last date in the data); ``pdf``: also print report.pdf."""

    cutoff: dt.date | None = None
    pdf: bool = True


class ReportOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    build_id: int
    status: Literal["queued", "running", "done", "failed"]
    progress: int = Field(ge=0, le=100, description="percent of the build done")
    step: str = Field(description="the step running now (or done)")
    error: str | None = Field(description="why a failed build failed")
    built_at: str | None
    built_by: str
    cutoff: str | None
    protocol_id: str
    protocol_version: str
    software_version: str
    enrolled: int | None
    ctrr: dict[str, Any] | None = Field(description="primary endpoint: x, n, estimate, lower, upper (exact 95 % CI)")
    ctrr_text: str | None
    files: list[str] = Field(
        description="when done, names for GET /api/reports/{build_id}/files/{name}, report.zip included"
    )


class BuildQueued(BaseModel):
    model_config = ConfigDict(extra="allow")

    build_id: int
    status: Literal["queued", "running", "done", "failed"]


@router.get("", response=responses(list[ReportOut]))
def list_reports(request: HttpRequest):
    """Every build, newest first."""
    return [services.summary(b) for b in services.builds_for(request.user)]


@router.post("", response=responses(BuildQueued, 202))
def build_report(request: HttpRequest, body: ReportIn):
    """Queue a build of the whole trial's report, in the caller's language: 202 at once; follow it with
    ``GET /api/reports/{build_id}`` (status, progress, step, files when done)."""
    language = getattr(request.user, "language", "") or getattr(request, "LANGUAGE_CODE", None)
    build = services.start_build(request.user, body.cutoff, pdf=body.pdf, language=language, origin="api")
    return Status(202, services.summary(build))  # "queued" unless an immediate backend already ran it


@router.get("/latest", response=responses(ReportOut))
def latest_report(request: HttpRequest):
    """The newest build (404 when none was built)."""
    return services.summary(services.latest_for(request.user))


@router.get("/{build_id}", response=responses(ReportOut))
def get_report(request: HttpRequest, build_id: int):
    return services.summary(services.build_for(request.user, build_id))


@router.get("/{build_id}/files/{name}", response=responses(None))
def report_file(request: HttpRequest, build_id: int, name: str):
    """``report.html``, ``report.pdf``, ``results.json`` or ``report.zip`` of a done build."""
    path = services.report_file(request.user, build_id, name)
    return FileResponse(path.open("rb"), content_type=services.REPORT_FILES[name], as_attachment=name != "report.html")
