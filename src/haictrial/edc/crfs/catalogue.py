"""The catalogue of eCRFs: for each form of the protocol (``schedule.visits[].forms``) its payload model
from the core, whether a subject has one or many, its label and the columns the EDC indexes.

Nothing clinical is computed here: the indexed columns are values the site entered (the cycle number,
the form's date), copied out of the validated payload so that lists and the visit schedule can query them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel

from haictrial.clinical.crf_models import (
    AdverseEvent,
    BaselineForm,
    ConcomitantMedication,
    EndOfStudy,
    FollowUpVisit,
    FormName,
    HaicCycleForm,
    ImagingAssessmentForm,
    LiverResection,
    MdtReview,
    TargetedAgentAdministration,
)
from haictrial.errors import InputError


def _attr(name: str) -> Callable[[BaseModel], Any]:
    def get(model: BaseModel) -> Any:
        return getattr(model, name, None)

    return get


def _none(model: BaseModel) -> None:
    return None


@dataclass(frozen=True)
class FormSpec:
    """One eCRF: its payload model, cardinality, label and the indexed columns taken from the payload."""

    name: FormName
    model: type[BaseModel]
    repeating: bool
    label: str | Promise
    cycle_of: Callable[[BaseModel], int | None]
    date_of: Callable[[BaseModel], dt.date | None]
    #: The SubjectForms model's records carry the EDC's ``record_id`` (AdverseEvent does not).
    has_record_id: bool = True
    #: The payload field the ``cycle`` column copies.
    cycle_field: str = "cycle"

    def title(self, payload: BaseModel) -> str:
        """A short heading for lists: the form's date and cycle as entered."""
        parts = []
        cycle = self.cycle_of(payload)
        if cycle is not None:
            parts.append(f"C{cycle}")
        day = self.date_of(payload)
        if day is not None:
            parts.append(day.isoformat())
        term = getattr(payload, "term", None) or getattr(payload, "name", None)
        if isinstance(term, str):
            parts.append(term)
        if isinstance(payload, TargetedAgentAdministration):
            parts.append(f"{payload.drug.value} D{payload.day}")
        return " · ".join(parts)


FORMS: dict[FormName, FormSpec] = {
    spec.name: spec
    for spec in (
        FormSpec(FormName.baseline, BaselineForm, False, _("Baseline"), _none, _attr("visit_date")),
        FormSpec(FormName.haic_cycle, HaicCycleForm, True, _("HAIC cycle"), _attr("cycle"), _attr("admission_date")),
        FormSpec(
            FormName.targeted_agent,
            TargetedAgentAdministration,
            True,
            _("Targeted agent administration"),
            _attr("cycle"),
            _attr("date"),
        ),
        FormSpec(
            FormName.imaging,
            ImagingAssessmentForm,
            True,
            _("Imaging assessment"),
            _attr("after_cycle"),
            _attr("date"),
            cycle_field="after_cycle",
        ),
        FormSpec(
            FormName.adverse_events,
            AdverseEvent,
            True,
            _("Adverse event"),
            _none,
            _attr("onset_date"),
            has_record_id=False,
        ),
        FormSpec(
            FormName.concomitant_medications,
            ConcomitantMedication,
            True,
            _("Concomitant medication"),
            _none,
            _attr("start_date"),
        ),
        FormSpec(FormName.mdt_review, MdtReview, True, _("MDT resectability review"), _none, _attr("date")),
        FormSpec(FormName.resection, LiverResection, True, _("Liver resection"), _none, _attr("date")),
        FormSpec(FormName.follow_up, FollowUpVisit, True, _("Follow-up"), _none, _attr("date")),
        FormSpec(FormName.end_of_study, EndOfStudy, False, _("End of study"), _none, _attr("date")),
    )
}


def form_spec(name: str) -> FormSpec:
    """The spec of form ``name``; InputError naming ``form`` for an unknown form."""
    try:
        return FORMS[FormName(name)]
    except ValueError:
        raise InputError(
            f"unknown form {name!r}; choose one of {', '.join(f.value for f in FormName)}", field="form"
        ) from None
