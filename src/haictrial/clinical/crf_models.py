"""The typed eCRF payloads of CHALLENGE-A1, in one place, and :class:`SubjectForms`, one
subject's forms bundled for the edit checks.

The payload models live by concept and are re-exported here:

- Baseline: :mod:`haictrial.clinical.crf_baseline` (:class:`BaselineForm`).
- HAIC cycle, targeted agent, concomitant medications: :mod:`haictrial.clinical.crf_treatment`
  (:class:`HaicCycleForm`, :class:`TargetedAgentAdministration`, :class:`ConcomitantMedication`).
- Imaging assessment: :mod:`haictrial.clinical.crf_outcome` (:class:`ImagingAssessmentForm`).
- Adverse events: :class:`haictrial.clinical.adverse_events.AdverseEvent` (used as is).
- MDT resectability review: :mod:`haictrial.clinical.resectability` (:class:`MdtReview`).
- Liver resection: :mod:`haictrial.clinical.surgery` (:class:`LiverResection`).
- Follow-up, end of study: :mod:`haictrial.clinical.follow_up` (:class:`FollowUpVisit`, :class:`EndOfStudy`).

Public names defined here
-------------------------
- :class:`SubjectForms`: subject id, enrolment date and every form of the subject.
- :meth:`SubjectForms.instances(form) -> list[FormInstance]`: the records of one form with their paths.
- :meth:`SubjectForms.death_dates() -> list[tuple[str, date]]` and :attr:`SubjectForms.death_date`.
- ``FORM_ATTRIBUTES``: form name -> attribute of :class:`SubjectForms`.

Parse a subject's document with ``parse_model(SubjectForms, data)``: the first problem is an
:class:`~haictrial.errors.InputError` naming its path (``haic_cycles[1].infusions[0].stop_at``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator

from haictrial.clinical.adverse_events import AdverseEvent
from haictrial.clinical.crf_base import CrfModel, FormName, field_error, rule_error
from haictrial.clinical.crf_baseline import (
    BaselineForm,
    BaselineLesion,
    Comorbidity,
    ComorbidityCategory,
    CouinaudSegment,
    Demographics,
    Histology,
    ImagingModality,
    MolecularProfile,
    MsiStatus,
    PrimaryTumour,
    RecistRole,
    Sidedness,
    Spirometry,
    TumourMarkers,
)
from haictrial.clinical.crf_outcome import ImagingAssessmentForm, NewLesion
from haictrial.clinical.crf_treatment import (
    ConcomitantMedication,
    CycleLabs,
    DrugInfusion,
    ExtrahepaticCollateral,
    HaicCycleForm,
    HaicProcedure,
    Interruption,
    ProcedureComplicationEntry,
    TargetedAgentAdministration,
)
from haictrial.clinical.follow_up import EndOfStudy, FollowUpVisit, SubsequentTherapy, VitalStatus
from haictrial.clinical.messages import N_
from haictrial.clinical.resectability import MdtReview
from haictrial.clinical.surgery import LiverResection, PostoperativeComplication, ResectionPathology
from haictrial.errors import InputError
from haictrial.vocabulary.base import JsonDate

#: Form name -> the attribute of :class:`SubjectForms` that holds its records.
FORM_ATTRIBUTES: dict[FormName, str] = {
    FormName.baseline: "baseline",
    FormName.haic_cycle: "haic_cycles",
    FormName.targeted_agent: "targeted_agent",
    FormName.imaging: "imaging",
    FormName.adverse_events: "adverse_events",
    FormName.concomitant_medications: "concomitant_medications",
    FormName.mdt_review: "mdt_reviews",
    FormName.resection: "resections",
    FormName.follow_up: "follow_up",
    FormName.end_of_study: "end_of_study",
}


@dataclass(frozen=True)
class FormInstance:
    """One record of a form: its path in :class:`SubjectForms`, its list index (None for a single form)."""

    path: str
    index: int | None
    record: BaseModel

    @property
    def record_id(self) -> str | None:
        value = getattr(self.record, "record_id", None)
        return value if isinstance(value, str) else None


class SubjectForms(CrfModel):
    """Every eCRF of one subject, as the edit checks see them (:func:`haictrial.clinical.edit_checks.run_edit_checks`)."""

    subject_id: str = Field(min_length=1, max_length=40)
    enrolment_date: JsonDate = Field(description="Date of enrolment, in the site's time zone.")
    baseline: BaselineForm | None = None
    haic_cycles: list[HaicCycleForm] = Field(default_factory=list)
    targeted_agent: list[TargetedAgentAdministration] = Field(default_factory=list)
    imaging: list[ImagingAssessmentForm] = Field(default_factory=list)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    concomitant_medications: list[ConcomitantMedication] = Field(default_factory=list)
    mdt_reviews: list[MdtReview] = Field(default_factory=list)
    resections: list[LiverResection] = Field(default_factory=list)
    follow_up: list[FollowUpVisit] = Field(default_factory=list)
    end_of_study: EndOfStudy | None = None

    @model_validator(mode="before")
    @classmethod
    def _adverse_event_paths(cls, data: Any, info: ValidationInfo) -> Any:
        # AdverseEvent raises InputError naming its own field ("resolution_date"); put it on its path here.
        # Same context (entry today): a date after today is reported on its field before a cross-field rule.
        events = data.get("adverse_events") if isinstance(data, dict) else None
        for i, event in enumerate(events if isinstance(events, list) else []):
            try:
                AdverseEvent.model_validate(event, context=info.context)
            except InputError as exc:
                raise field_error(
                    ("adverse_events", i, *(exc.field or "").split(".")),
                    exc.message,
                    template=exc.template,
                    params=exc.params,
                ) from None
            except ValidationError:
                pass  # reported with its full path by the normal validation
        return data

    @model_validator(mode="after")
    def _one_subject(self) -> SubjectForms:
        for i, event in enumerate(self.adverse_events):
            if event.subject_id is not None and event.subject_id != self.subject_id:
                raise rule_error(
                    f"adverse_events.{i}.subject_id", N_("is not this subject ({subject})"), subject=self.subject_id
                )
        return self

    def instances(self, form: FormName, only: Collection[int | None] | None = None) -> list[FormInstance]:
        """The records of ``form``: ``haic_cycles[2]`` (index 2) or ``baseline`` (index None); ``only``: just
        those indexes (in index order)."""
        attribute = FORM_ATTRIBUTES[form]
        value = getattr(self, attribute)
        if value is None:
            return []
        if isinstance(value, list):
            indexes = range(len(value)) if only is None else sorted(i for i in only if i is not None and i < len(value))
            return [FormInstance(f"{attribute}[{i}]", i, value[i]) for i in indexes if i >= 0]
        return [FormInstance(attribute, None, value)] if only is None or None in only else []

    def death_dates(self) -> list[tuple[str, dt.date]]:
        """Every recorded death date with its path (follow-up visits, end of study)."""
        found = [
            (f"follow_up[{i}].death_date", visit.death_date)
            for i, visit in enumerate(self.follow_up)
            if visit.death_date is not None
        ]
        if self.end_of_study is not None and self.end_of_study.death_date is not None:
            found.append(("end_of_study.death_date", self.end_of_study.death_date))
        return found

    @property
    def death_date(self) -> dt.date | None:
        """The earliest recorded death date (disagreements are an edit-check finding)."""
        dates = [date for _, date in self.death_dates()]
        return min(dates) if dates else None

    @property
    def dead(self) -> bool:
        return self.death_date is not None or any(v.vital_status == VitalStatus.dead for v in self.follow_up)


__all__ = [
    "FORM_ATTRIBUTES",
    "AdverseEvent",
    "BaselineForm",
    "BaselineLesion",
    "Comorbidity",
    "ComorbidityCategory",
    "ConcomitantMedication",
    "CouinaudSegment",
    "CycleLabs",
    "Demographics",
    "DrugInfusion",
    "EndOfStudy",
    "ExtrahepaticCollateral",
    "FollowUpVisit",
    "FormInstance",
    "FormName",
    "HaicCycleForm",
    "HaicProcedure",
    "Histology",
    "ImagingAssessmentForm",
    "ImagingModality",
    "Interruption",
    "LiverResection",
    "MdtReview",
    "MolecularProfile",
    "MsiStatus",
    "NewLesion",
    "PostoperativeComplication",
    "PrimaryTumour",
    "ProcedureComplicationEntry",
    "RecistRole",
    "ResectionPathology",
    "Sidedness",
    "Spirometry",
    "SubjectForms",
    "SubsequentTherapy",
    "TargetedAgentAdministration",
    "TumourMarkers",
]
