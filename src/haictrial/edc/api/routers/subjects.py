"""Subjects: list, record, edit (optimistic locking), plan, visit calendar and audit trail."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from haictrial.edc.accounts import access
from haictrial.edc.api.schemas import AuditEntryOut, PlanOut, SubjectOut, VisitOut, responses
from haictrial.edc.audit import services as audit
from haictrial.edc.subjects import services
from haictrial.edc.subjects.services import SubjectChange
from haictrial.edc.trial import MAX_CYCLE

router = Router(tags=["subjects"])


@router.get("", response=responses(list[SubjectOut]))
def list_subjects(request: HttpRequest, q: str | None = None, status: str | None = None):
    """Subjects of the caller's sites (all sites, de-identified, for the statistician)."""
    return [services.subject_summary(s) for s in services.subjects_for(request.user, q, status)]


@router.get("/{subject_id}", response=responses(SubjectOut))
def get_subject(request: HttpRequest, subject_id: str):
    return services.subject_contract(request.user, services.subject_for(request.user, subject_id))


@router.patch("/{subject_id}", response=responses(SubjectOut))
def update_subject(request: HttpRequest, subject_id: str, change: SubjectChange):
    """Change status or treatment start; ``version`` is the version you read (409 if it moved on)."""
    subject = services.update_subject(request.user, subject_id, change)
    return services.subject_contract(request.user, subject)


@router.get("/{subject_id}/plan", response=responses(PlanOut))
def plan(request: HttpRequest, subject_id: str, cycle: int = Query(1, ge=1, le=MAX_CYCLE)):
    """The ``plan`` output (docs/contracts/plan.md) for this subject and cycle."""
    return services.cycle_plan(request.user, subject_id, cycle)


@router.get("/{subject_id}/calendar", response=responses(list[VisitOut]))
def calendar(request: HttpRequest, subject_id: str, cycles: int = Query(services.CALENDAR_CYCLES, ge=1, le=60)):
    return services.calendar(services.subject_for(request.user, subject_id), cycles)


@router.get("/{subject_id}/audit", response=responses(list[AuditEntryOut]))
def audit_trail(request: HttpRequest, subject_id: str):
    """The audit trail of the subject and of its screening, oldest first."""
    subject = services.subject_for(request.user, subject_id)
    show = access.can_see_identifiers(request.user, subject.site_id)
    return audit.trail(subject.subject_id, subject.screening_id, show)
