"""``/api/exports``: queue an export package, follow it, download its zip (coordinator, statistician, admin)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from haictrial.edc.api.schemas import responses
from haictrial.edc.exports import services

router = Router(tags=["exports"])

Kind = Literal["sdtm", "odm", "redcap", "ctgov", "all"]
Status_ = Literal["queued", "running", "done", "failed"]


class ExportIn(Schema):
    """``kind``: sdtm (XPT, Dataset-JSON, define.xml, define.html), odm (odm.xml), redcap
    (data_dictionary.csv, records.csv), ctgov (results.json) or all."""

    kind: Kind


class ExportFile(BaseModel):
    path: str = Field(description="path inside the zip, <kind>/<file>")
    rows: int | None
    sha256: str


class ExportOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    export_id: int
    kind: Kind
    status: Status_
    progress: int = Field(ge=0, le=100, description="percent of the build done")
    step: str = Field(description="the step running now (or done)")
    error: str | None = Field(description="why a failed build failed")
    sites: Any = Field(description='"all", or the codes of the sites the export covers')
    subject_count: int
    files: list[ExportFile] = Field(description="when done, the files of the zip")
    problems: list[str] = Field(description="what the packages' own validation reported")
    download: str | None = Field(description="when done, the URL of export-<kind>.zip")


class ExportQueued(BaseModel):
    model_config = ConfigDict(extra="allow")

    export_id: int
    status: Status_


@router.get("", response=responses(list[ExportOut]))
def list_exports(request: HttpRequest):
    """The caller's builds, newest first."""
    return [services.summary(b) for b in services.builds_for(request.user)]


@router.post("", response=responses(ExportQueued, 202))
def start_export(request: HttpRequest, body: ExportIn):
    """Queue an export of the caller's sites (every site for the statistician), de-identified: 202 at once;
    follow it with ``GET /api/exports/{export_id}``."""
    build = services.start_export(request.user, body.kind, origin="api")
    return Status(202, services.summary(build))  # "queued" unless an immediate backend already ran it


@router.get("/{export_id}", response=responses(ExportOut))
def get_export(request: HttpRequest, export_id: int):
    return services.summary(services.build_for(request.user, export_id))


@router.get("/{export_id}/download", response=responses(None))
def download_export(request: HttpRequest, export_id: int):
    """``export-<kind>.zip`` of a done build (409 while it is queued or running)."""
    build, path = services.zip_path(request.user, export_id)
    return FileResponse(path.open("rb"), content_type="application/zip", as_attachment=True, filename=build.zip_name)
