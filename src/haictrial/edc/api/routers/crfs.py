"""eCRFs of a subject: create, read, change (optimistic locking, reason after the first save), the HAIC
cycle prefill from the planning engine, the visit schedule, the RECIST evaluation and the timeline.

Every form uses the same calls; ``{form}`` is one of baseline, haic_cycle, targeted_agent, imaging,
adverse_events, concomitant_medications, mdt_review, resection, follow_up, end_of_study.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from haictrial.edc.api.schemas import responses
from haictrial.edc.crfs import progress
from haictrial.edc.crfs import services as crfs
from haictrial.edc.subjects import services as subjects

router = Router(tags=["eCRFs"])


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class FormRecordOut(_Open):
    record_id: int
    subject_id: str
    form: str
    version: int
    payload: dict[str, Any]
    derived: dict[str, Any]
    verified: bool
    locked: bool


class FormCreateIn(Schema):
    """A new record: the form's payload (the core's eCRF model, haictrial.clinical.crf_models)."""

    payload: dict[str, Any]


class FormChangeIn(Schema):
    """A change: the whole new payload, the version you read (409 if it moved on) and why."""

    payload: dict[str, Any]
    version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)


class VisitScheduleOut(_Open):
    kind: str
    label: str
    state: str
    forms_expected: list[str]
    missing_forms: list[str]


@router.get("/{subject_id}/forms", response=responses(list[FormRecordOut]))
def list_records(request: HttpRequest, subject_id: str, form: str | None = None):
    """Every eCRF record of the subject (optionally of one form)."""
    subject = subjects.subject_for(request.user, subject_id)
    rows = crfs.records_of(subject).select_related("subject__site")
    if form:
        rows = rows.filter(form=crfs.form_spec(form).name.value)
    return [crfs.record_contract(request.user, r) for r in rows]


@router.post("/{subject_id}/forms/{form}", response=responses(FormRecordOut, 201))
def create_record(request: HttpRequest, subject_id: str, form: str, body: FormCreateIn):
    """Store a new record; the edit checks run and a failing check opens a query on its field."""
    record = crfs.save_form(request.user, subject_id, form, body.payload)
    return Status(201, crfs.record_contract(request.user, record))


@router.get("/{subject_id}/forms/{form}/{record_id}", response=responses(FormRecordOut))
def get_record(request: HttpRequest, subject_id: str, form: str, record_id: int):
    return crfs.record_contract(request.user, crfs.record_for(request.user, subject_id, form, record_id))


@router.put("/{subject_id}/forms/{form}/{record_id}", response=responses(FormRecordOut))
def change_record(request: HttpRequest, subject_id: str, form: str, record_id: int, body: FormChangeIn):
    """Replace the payload; 409 when ``version`` is stale or the record is locked by a signature."""
    record = crfs.save_form(
        request.user, subject_id, form, body.payload, record_id=record_id, version=body.version, reason=body.reason
    )
    return crfs.record_contract(request.user, record)


@router.get("/{subject_id}/haic-prefill", response=responses(dict[str, Any]))
def haic_prefill(request: HttpRequest, subject_id: str, cycle: int = Query(..., ge=1)):
    """The cycle's infusions with the planned doses from the planning engine, dose modification from the
    recorded toxicities included, and the targeted-agent administrations of the cycle."""
    return crfs.haic_prefill(request.user, subject_id, cycle)


@router.get("/{subject_id}/visits", response=responses(list[VisitScheduleOut]))
def visits(request: HttpRequest, subject_id: str):
    """The visit schedule from the protocol, each visit with its window, state and expected forms."""
    subject = subjects.subject_for(request.user, subject_id)
    return [v.as_dict() for v in progress.subject_visits(subject)]


@router.get("/{subject_id}/response", response=responses(dict[str, Any]))
def response(request: HttpRequest, subject_id: str):
    """RECIST 1.1 time-point responses and best overall response from the baseline and imaging forms."""
    return crfs.response_summary(request.user, subject_id)


@router.get("/{subject_id}/timeline", response=responses(dict[str, Any]))
def timeline(request: HttpRequest, subject_id: str):
    subject = subjects.subject_for(request.user, subject_id)
    return progress.subject_timeline(subject).as_dict()


@router.get("/{subject_id}/edit-checks", response=responses(list[dict[str, Any]]))
def edit_checks(request: HttpRequest, subject_id: str):
    """The current findings of every edit check (those on saved forms are also open queries)."""
    return crfs.edit_check_findings(request.user, subject_id)
