"""The Imaging assessment eCRF and its bridge to the RECIST 1.1 engine.

Public names
------------
- :class:`ImagingAssessmentForm`, :class:`NewLesion`: one follow-up CT or MRI: target sizes, non-target
  states, new lesions, or a radiologist's time-point response (the fields of a RECIST assessment,
  docs/contracts/recist.md).
- :func:`recist_input(subject_id, baseline, imaging) -> RecistInput`: the baseline form's lesions (the
  baseline time point) and every imaging form, in date order, as the engine's input document.
- :func:`evaluate_response(subject_id, baseline, imaging, protocol) -> RecistResult`: RECIST 1.1 with the
  protocol's confirmation and minimum-SD intervals; an engine error names the form field
  (``imaging[2].target_mm.T1``).

References
----------
RECIST 1.1: Eisenhauer EA et al., Eur J Cancer 2009;45:228-47 (doi:10.1016/j.ejca.2008.10.026): section 3.2
(same modality and technique at baseline and follow-up), 4.3 (time-point response), 4.3.4 (new lesions).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field, model_validator

from haictrial.clinical.crf_base import CrfForm, CrfModel, LesionId, ShortText, rule_error
from haictrial.clinical.crf_baseline import LIVER, BaselineForm, CouinaudSegment, ImagingModality, RecistRole
from haictrial.clinical.limits import within
from haictrial.clinical.messages import N_
from haictrial.clinical.recist import (
    Assessment,
    NonTargetLesion,
    NonTargetState,
    RecistInput,
    RecistResult,
    Response,
    TargetLesion,
    evaluate_recist,
)
from haictrial.clinical.recist_models import DiameterMm, GroupField
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.base import JsonBool, JsonDate, JsonInt, JsonNumber


class NewLesion(CrfModel):
    """A lesion not present at baseline (RECIST 1.1 section 4.3.4)."""

    organ: ShortText = LIVER
    segments: list[CouinaudSegment] = Field(default_factory=list)
    longest_diameter_mm: Annotated[JsonNumber, within("lesion_mm")] | None = Field(None, gt=0, le=1000)
    description: ShortText | None = None

    @model_validator(mode="after")
    def _located(self) -> NewLesion:
        if self.organ.strip().lower() == LIVER and not self.segments:
            raise rule_error("segments", N_("a new liver lesion needs its Couinaud segment(s), S1-S8"))
        return self


class ImagingAssessmentForm(CrfForm):
    """One imaging time point after baseline.

    Either measurements (``target_mm`` for every baseline target, null = not evaluated;
    ``non_target`` for every baseline non-target; ``new_lesions``) or a reader's ``overall_response``.
    With measurements, ``reader_response`` keeps the reader's own call beside them: the engine's response
    is still derived from the measurements, and the edit check ``XF-reader-response`` queries a disagreement.
    """

    date: JsonDate | None = None
    modality: ImagingModality | None = None
    after_cycle: JsonInt | None = Field(None, ge=1, description="The HAIC cycle this assessment follows.")
    target_mm: dict[LesionId, Annotated[DiameterMm, within("lesion_mm")] | None] = Field(
        default_factory=dict, description="Longest diameter (short axis for a node) per target lesion, mm."
    )
    non_target: dict[LesionId, NonTargetState] = Field(default_factory=dict)
    new_lesions: JsonBool | None = None
    new_lesion_details: list[NewLesion] = Field(default_factory=list)
    overall_response: Response | None = Field(None, description="A radiologist's time-point response.")
    reader_response: Response | None = Field(
        None,
        description="The reader's own time-point response recorded beside the measurements (CR/PR/SD/PD/NE); "
        "the engine still derives the response from the measurements, and a disagreement raises a query "
        "(RECIST 1.1, Eisenhauer et al. 2009, section 4.3.4 and Table 1).",
    )
    morphology: dict[LesionId, GroupField] = Field(
        default_factory=dict,
        description="CT morphology group 1-3 per baseline liver lesion (Chun et al., JAMA 2009;302:2338).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ImagingAssessmentForm:
        if self.new_lesion_details and self.new_lesions is not True:
            raise rule_error("new_lesions", N_("new lesions are described: set new_lesions to true"))
        if self.overall_response is not None and (self.target_mm or self.non_target):
            raise rule_error(
                "overall_response", N_("give either the reader's overall_response or measurements, not both")
            )
        if self.reader_response is not None and self.overall_response is not None:
            raise rule_error(
                "reader_response", N_("the reader's response beside the measurements is for measured time points only")
            )
        if self.reader_response is not None and not (self.target_mm or self.non_target):
            raise rule_error("reader_response", N_("needs the measurements; without them give overall_response"))
        return self

    @property
    def is_reader_response(self) -> bool:
        return self.overall_response is not None

    def assessment(self) -> Assessment:
        """This time point as a RECIST engine assessment (the date must be known)."""
        if self.date is None:
            raise InputError.of(N_("required for the RECIST evaluation"), "date")
        morphology = dict(self.morphology) or None
        if self.is_reader_response:
            return Assessment(
                date=self.date,
                new_lesions=self.new_lesions,
                overall_response=self.overall_response,
                morphology=morphology,
            )
        return Assessment(
            date=self.date,
            target_mm=dict(self.target_mm),
            non_target=dict(self.non_target),
            new_lesions=self.new_lesions,
            morphology=morphology,
        )


def _ordered(imaging: Sequence[ImagingAssessmentForm]) -> list[tuple[int, ImagingAssessmentForm]]:
    for i, form in enumerate(imaging):
        if form.date is None:
            raise InputError.of(N_("required for the RECIST evaluation"), f"imaging[{i}].date")
    return sorted(enumerate(imaging), key=lambda pair: pair[1].date or dt.date.min)


def recist_input(subject_id: str, baseline: BaselineForm, imaging: Sequence[ImagingAssessmentForm]) -> RecistInput:
    """The RECIST engine's input (docs/contracts/recist.md): baseline lesions, then each imaging form by date.

    Raises :class:`InputError` naming ``baseline.baseline_imaging_date`` or ``imaging[i].date`` when missing.
    """
    if baseline.baseline_imaging_date is None:
        raise InputError.of(N_("required for the RECIST evaluation"), "baseline.baseline_imaging_date")
    targets = [x for x in baseline.lesions if x.role == RecistRole.target]
    non_targets = [x for x in baseline.lesions if x.role == RecistRole.non_target]
    first = Assessment(
        date=baseline.baseline_imaging_date,
        target_mm={x.id: x.longest_diameter_mm for x in targets},
        non_target={x.id: NonTargetState.present for x in non_targets},
        new_lesions=False,
        morphology={x.id: x.morphology_group for x in baseline.lesions if x.morphology_group is not None} or None,
    )
    return RecistInput(
        subject_id=subject_id,
        target_lesions=[TargetLesion(id=x.id, organ=x.organ, lymph_node=x.lymph_node) for x in targets],
        non_target_lesions=[NonTargetLesion(id=x.id, organ=x.organ, lymph_node=x.lymph_node) for x in non_targets],
        assessments=[first, *(form.assessment() for _, form in _ordered(imaging))],
    )


_ASSESSMENT = re.compile(r"^assessments\[(\d+)\](.*)$")


def form_field(recist_field: str | None, baseline: BaselineForm, imaging: Sequence[ImagingAssessmentForm]) -> str:
    """Move a path of the RECIST input (``assessments[2].target_mm.T1``) onto the forms (``imaging[i]...``)."""
    match = _ASSESSMENT.match(recist_field or "")
    if match is None:
        return "baseline.lesions"
    k, rest = int(match.group(1)), match.group(2)
    if k == 0:
        return "baseline.lesions"
    index = _ordered(imaging)[k - 1][0]
    return f"imaging[{index}]{rest}"


def evaluate_response(
    subject_id: str, baseline: BaselineForm, imaging: Sequence[ImagingAssessmentForm], protocol: Protocol
) -> RecistResult:
    """RECIST 1.1 for one subject from the eCRFs, with ``recist_confirmation_days`` and ``recist_min_sd_days``.

    Raises :class:`InputError` whose field is the form field (``imaging[1].target_mm.T2``).

    References
    ----------
    Eisenhauer et al., Eur J Cancer 2009;45:228 (sections 4.3-4.6); docs/contracts/recist.md.
    """
    data = recist_input(subject_id, baseline, imaging)
    try:
        return evaluate_recist(
            data,
            confirmation_days=protocol.settings.recist_confirmation_days.value,
            min_sd_days=protocol.settings.recist_min_sd_days.value,
        )
    except InputError as exc:
        raise InputError(
            exc.message, form_field(exc.field, baseline, imaging), template=exc.template, params=exc.params
        ) from None


__all__ = ["ImagingAssessmentForm", "NewLesion", "evaluate_response", "form_field", "recist_input"]
