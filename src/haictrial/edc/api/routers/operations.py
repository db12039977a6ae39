"""Trial operations (docs/contracts/server.md, "Trial operations"): protocol deviations and their review, the SAE
desk and the record status dashboard."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import BaseModel, ConfigDict, Field

from haictrial.edc.api.schemas import responses
from haictrial.edc.operations import desk
from haictrial.edc.operations import services as operations

router = Router(tags=["trial operations"])


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class DeviationOut(_Open):
    deviation_id: int
    subject_id: str
    kind: str
    detail: str
    form: str | None
    record_id: int | None
    detected_at: str
    status: str


#: The review states of a deviation (edc.operations.models.DeviationStatus), declared so that the OpenAPI
#: document says what the filter accepts.
DeviationFilter = Literal["open", "reviewed"]


class ReviewIn(Schema):
    comment: str = Field(min_length=1, max_length=2000)


class SaeOut(_Open):
    subject_id: str
    record_id: int
    term: str
    grade: int
    aware_at: str
    due_at: str
    reported_at: str | None
    overdue: bool


class GridRow(_Open):
    subject_id: str
    status: str
    cells: dict[str, str]


class GridOut(_Open):
    visits: list[str]
    subjects: list[GridRow]


@router.get("/deviations", response=responses(list[DeviationOut]))
def list_deviations(request: HttpRequest, site: str | None = None, status: DeviationFilter | None = None):
    """Protocol deviations of the caller's sites, newest first (``status``: open or reviewed)."""
    rows = operations.deviations_for(request.user, site=site, status=status)
    return [operations.deviation_contract(d) for d in rows[:2000]]


@router.post("/deviations/{deviation_id}/review", response=responses(DeviationOut))
def review_deviation(request: HttpRequest, deviation_id: int, body: ReviewIn):
    """An investigator or monitor of the site reviews the deviation with a comment."""
    return operations.deviation_contract(operations.review_deviation(request.user, deviation_id, body.comment))


@router.get("/safety/sae", response=responses(list[SaeOut]))
def list_saes(request: HttpRequest, site: str | None = None):
    """Every serious adverse event the caller may see with its reporting clock (overdue first)."""
    return desk.sae_rows(request.user, site=site)


@router.get("/status-grid", response=responses(GridOut))
def status_grid(request: HttpRequest, site: str | None = None, status: desk.CellStatus | None = None) -> dict[str, Any]:
    """Subjects x visits in schedule order, one status per visit (REDCap record status dashboard)."""
    return desk.status_grid(request.user, site=site, status=status.value if status is not None else None)
