"""Screenings: screen a patient, the screening log, enrol an eligible patient."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from haictrial.edc.api.schemas import ScreeningIn, ScreeningLogOut, ScreenOut, SubjectOut, responses
from haictrial.edc.subjects import services

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
def enroll(request: HttpRequest, screening_id: int):
    """Enrol an eligible patient (409 with the reason otherwise); returns the subject with its ``subject_id``."""
    subject = services.enroll(request.user, screening_id)
    return Status(201, services.subject_contract(request.user, subject))
