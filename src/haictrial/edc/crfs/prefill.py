"""The first values of a new Baseline eCRF from the subject's enrolment screening
(:func:`haictrial.clinical.baseline_prefill.baseline_from_screening`), with the birth date only for staff of
the subject's site (the identifiers' rule)."""

from __future__ import annotations

from typing import Any

from haictrial.clinical.baseline_prefill import baseline_from_screening
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject


def baseline_initial(user: Any, subject: Subject) -> tuple[dict[str, Any], list[str]]:
    """The prefilled baseline payload and the field paths that came from the screening."""
    identifiers = subjects.identifiers_for(user, subject.screening)
    birth_date = identifiers.birth_date if identifiers is not None else None
    return baseline_from_screening(subjects.subject_patient(subject), birth_date)
