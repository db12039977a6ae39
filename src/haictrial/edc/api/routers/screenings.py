"""Screenings: screen a patient, the screening log, amend a screening, enrol an eligible patient."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from haictrial.edc.accounts import access
from haictrial.edc.api.schemas import (
    AuditEntryOut,
    EnrolmentIn,
    ScreeningAmendmentIn,
    ScreeningIn,
    ScreeningLogOut,
    ScreenOut,
    SubjectOut,
    responses,
)
from haictrial.edc.audit import services as audit
from haictrial.edc.subjects import amend, services

router = Router(tags=["screening"])


@router.post("", response=responses(ScreenOut, 201))
def create_screening(request: HttpRequest, payload: ScreeningIn):
    """Store the patient document, run the screening engine, return the ``screen`` output plus ``screening_id``."""
    _, result = services.screen_patient(request.user, payload.model_dump(mode="json", exclude_unset=True))
    return Status(201, result)


@router.get("", response=responses(list[ScreeningLogOut]))
def screening_log(request: HttpRequest):
    """Every screened patient of the caller's sites with the failing criteria (the CONSORT source)."""
    return services.screening_log(request.user)


@router.get("/{screening_id}", response=responses(ScreenOut))
def get_screening(request: HttpRequest, screening_id: int):
    return services.screening_contract(services.screening_for(request.user, screening_id))


@router.post("/{screening_id}/enroll", response=responses(SubjectOut, 201))
def enroll(request: HttpRequest, screening_id: int, body: EnrolmentIn | None = None):
    """Enrol an eligible patient with the informed consent record (422 naming ``consent`` without it;
    409 with the reason when not eligible or already a subject); returns the subject with its ``subject_id``."""
    subject = services.enroll(request.user, screening_id, body.consent if body is not None else None)
    return Status(201, services.subject_contract(request.user, subject))


@router.patch("/{screening_id}", response=responses(ScreenOut))
def amend_screening(request: HttpRequest, screening_id: int, body: ScreeningAmendmentIn):
    """Amend a screening not yet enrolled: ``changes`` as a JSON Merge Patch (RFC 7396) of the patient
    document, re-screened and audited with old and new values and the ``reason``; returns the new output."""
    screening = amend.amend_screening(request.user, screening_id, body.changes, body.reason, version=body.version)
    return services.screening_contract(screening)


@router.get("/{screening_id}/audit", response=responses(list[AuditEntryOut]))
def screening_audit(request: HttpRequest, screening_id: int):
    """The audit trail of the screening (its amendments with old and new values), oldest first."""
    screening = services.screening_for(request.user, screening_id)
    show = access.can_see_identifiers(request.user, screening.site_id)
    return audit.trail(None, screening.pk, show)
