"""The Liver resection eCRF: approach, extent, ablation, margin, Clavien-Dindo complications, pathology.

Public names
------------
- :class:`LiverResection` (the eCRF) with :class:`ResectionPathology`, :class:`PostoperativeComplication`;
  enums :class:`SurgicalApproach`, :class:`AblationModality`, :class:`MarginStatus`,
  :class:`ClavienDindoGrade`, :class:`RubbiaBrandtTrg`, :class:`HistologicalResponse`.
- :func:`margin_status(margin_mm, macroscopic_residual) -> MarginStatus`: R2 when macroscopic tumour is
  left; else R0 when the closest margin is >= 1 mm; else R1 (< 1 mm, tumour at the margin included).
- :func:`is_major_hepatectomy(segments) -> bool`: three or more Couinaud segments resected.
- :func:`brisbane_resection_name(segments) -> str | None`: the Brisbane 2000 name of an anatomical
  resection (right hemihepatectomy, left lateral sectionectomy, segmentectomy 6, ...), None when the
  segments form no named resection.
- :func:`highest_clavien_dindo(grades) -> ClavienDindoGrade | None`, :func:`clavien_dindo_rank(grade) -> int`.
- :func:`ninety_day_mortality(resection_date, death_date, last_known_alive_date=None) -> bool | None`:
  death on or before day 90 after the resection (day 0 = the operation); False when death came later or
  the patient is known alive on day 90 or after; None when follow-up is too short to tell.
- :func:`histological_response(trg) -> HistologicalResponse`: major (TRG 1-2), partial (TRG 3), none (TRG 4-5).

References
----------
- Margin: R1 = tumour within 1 mm of the transection margin, the common definition for colorectal liver
  metastases; Pawlik TM et al., Effect of surgical margin status on survival and site of recurrence after
  hepatic resection for colorectal metastases, Ann Surg 2005;241:715-22 (doi:10.1097/01.sla.0000160703.75808.7d)
  (negative margins stratified 1-4 mm, 5-9 mm, >= 10 mm). R2: macroscopic residual tumour (UICC R classification).
- Extent: Strasberg SM et al., The Brisbane 2000 terminology of liver anatomy and resections, HPB 2000;2:333-9;
  review: Strasberg SM, J Hepatobiliary Pancreat Surg 2005;12:351-5 (doi:10.1007/s00534-005-0999-7).
  "Major" = three or more segments, the conventional threshold (Reddy SK et al., HPB 2011;13:494-502,
  discuss it against four).
- Complications: Dindo D, Demartines N, Clavien PA. Classification of surgical complications. Ann Surg
  2004;240:205-13 (doi:10.1097/01.sla.0000133083.54934.ae): grades I, II, IIIa, IIIb, IVa, IVb, V.
- Pathology: Rubbia-Brandt L et al., Importance of histological tumor response assessment in predicting the
  outcome in patients with colorectal liver metastases treated with neo-adjuvant chemotherapy followed by
  liver surgery, Ann Oncol 2007;18:299-304 (doi:10.1093/annonc/mdl386): tumour regression grade 1-5 of the
  worst nodule; major response TRG 1-2, partial TRG 3, no response TRG 4-5.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from haictrial.clinical.crf_base import CrfForm, CrfModel, ShortText, null_is_empty, rule_error
from haictrial.clinical.crf_baseline import CouinaudSegment
from haictrial.clinical.limits import within
from haictrial.clinical.messages import N_
from haictrial.errors import InputError
from haictrial.vocabulary.base import JsonBool, JsonDate, JsonInt, JsonNumber

#: Pawlik et al. 2005 / common CRLM definition: a margin of at least 1 mm is R0.
R0_MIN_MARGIN_MM = 1.0
#: Three or more Couinaud segments make a major hepatectomy.
MAJOR_HEPATECTOMY_MIN_SEGMENTS = 3
#: Postoperative mortality window, days after the operation (day 0).
POSTOPERATIVE_MORTALITY_DAYS = 90


class SurgicalApproach(StrEnum):
    open = "open"
    laparoscopic = "laparoscopic"
    robotic = "robotic"


class AblationModality(StrEnum):
    radiofrequency = "radiofrequency"
    microwave = "microwave"
    other = "other"


class MarginStatus(StrEnum):
    """Residual tumour after resection: R0 none (margin >= 1 mm), R1 microscopic (< 1 mm), R2 macroscopic."""

    R0 = "R0"
    R1 = "R1"
    R2 = "R2"


class ClavienDindoGrade(StrEnum):
    """Dindo et al., Ann Surg 2004;240:205-13, Table 1."""

    I = "I"  # noqa: E741  (the grade's name)
    II = "II"
    IIIa = "IIIa"
    IIIb = "IIIb"
    IVa = "IVa"
    IVb = "IVb"
    V = "V"


_CLAVIEN_ORDER = list(ClavienDindoGrade)


class RubbiaBrandtTrg(IntEnum):
    """Tumour regression grade of a colorectal liver metastasis (Rubbia-Brandt et al., Ann Oncol 2007).

    1: no residual tumour cells, abundant fibrosis; 2: rare residual tumour cells scattered through the
    fibrosis; 3: more residual tumour cells, fibrosis predominates; 4: residual tumour cells predominate
    over fibrosis; 5: tumour cells without regressive changes.
    """

    TRG1 = 1
    TRG2 = 2
    TRG3 = 3
    TRG4 = 4
    TRG5 = 5


class HistologicalResponse(StrEnum):
    major = "major"
    partial = "partial"
    none = "none"


# --- pure rules -------------------------------------------------------------------------------------


def margin_status(margin_mm: float | None, macroscopic_residual: bool) -> MarginStatus:
    """R0, R1 or R2 from the closest margin (pathology) and the surgeon's macroscopic-residual finding.

    R2 when tumour is left macroscopically (whatever the margin); else R0 when ``margin_mm`` >= 1 mm; else
    R1 (< 1 mm, 0 = tumour at the margin). Raises :class:`InputError` naming ``margin_mm`` when it is missing
    (without macroscopic residual) or not a non-negative number.

    References
    ----------
    Pawlik et al., Ann Surg 2005;241:715-22 (doi:10.1097/01.sla.0000160703.75808.7d); UICC R classification.
    """
    if macroscopic_residual:
        return MarginStatus.R2
    if margin_mm is None:
        raise InputError.of(N_("required to classify the margin (no macroscopic residual tumour)"), "margin_mm")
    if isinstance(margin_mm, bool) or not isinstance(margin_mm, int | float) or not math.isfinite(margin_mm):
        raise InputError.of(N_("must be a number of mm (got {value})"), "margin_mm", value=repr(margin_mm))
    if margin_mm < 0:
        raise InputError.of(N_("cannot be negative (got {value})"), "margin_mm", value=repr(margin_mm))
    return MarginStatus.R0 if margin_mm >= R0_MIN_MARGIN_MM else MarginStatus.R1


def is_major_hepatectomy(segments: Iterable[CouinaudSegment | str]) -> bool:
    """Three or more distinct Couinaud segments resected (Brisbane 2000 terminology; Reddy et al. 2011)."""
    return len({CouinaudSegment(s) for s in segments}) >= MAJOR_HEPATECTOMY_MIN_SEGMENTS


#: Brisbane 2000 names of the anatomical resections (Strasberg 2005, Tables 1-3), segment 1 aside.
_BRISBANE: dict[frozenset[int], str] = {
    frozenset({5, 6, 7, 8}): "right hemihepatectomy",
    frozenset({2, 3, 4}): "left hemihepatectomy",
    frozenset({4, 5, 6, 7, 8}): "right trisectionectomy",
    frozenset({2, 3, 4, 5, 8}): "left trisectionectomy",
    frozenset({5, 8}): "right anterior sectionectomy",
    frozenset({6, 7}): "right posterior sectionectomy",
    frozenset({4}): "left medial sectionectomy",
    frozenset({2, 3}): "left lateral sectionectomy",
}


def brisbane_resection_name(segments: Iterable[CouinaudSegment | str]) -> str | None:
    """The Brisbane 2000 name of an anatomical resection of ``segments``; None when there is none.

    First order (hemihepatectomies), second order (sectionectomies), trisectionectomies; any other single
    segment is a segmentectomy and any other pair a bisegmentectomy. Segment 1 (caudate) may accompany any
    of them ("with segment 1"). Only meaningful for an anatomical resection.

    References
    ----------
    Strasberg SM et al., HPB 2000;2:333-9; Strasberg SM, J Hepatobiliary Pancreat Surg 2005;12:351-5.
    """
    numbers = sorted({CouinaudSegment(s).number for s in segments})
    if not numbers:
        return None
    caudate = 1 in numbers
    core = frozenset(n for n in numbers if n != 1)
    if not core:
        return "segmentectomy 1"
    name = _BRISBANE.get(core)
    if name is None and len(core) == 1:
        name = f"segmentectomy {min(core)}"
    elif name is None and len(core) == 2:
        first, second = sorted(core)
        name = f"bisegmentectomy {first},{second}"
    if name is None:
        return None
    return f"{name} with segment 1" if caudate else name


def clavien_dindo_rank(grade: ClavienDindoGrade | str) -> int:
    """0 for grade I up to 6 for grade V: the order of Dindo et al. 2004."""
    return _CLAVIEN_ORDER.index(ClavienDindoGrade(grade))


def highest_clavien_dindo(grades: Iterable[ClavienDindoGrade | str]) -> ClavienDindoGrade | None:
    """The worst grade of a list of complications, None for none."""
    found = [ClavienDindoGrade(g) for g in grades]
    return max(found, key=clavien_dindo_rank) if found else None


def ninety_day_mortality(
    resection_date: dt.date, death_date: dt.date | None, last_known_alive_date: dt.date | None = None
) -> bool | None:
    """Death within 90 days of the liver resection (day 0 = the operation; death on day 90 counts).

    True: death on day 0-90. False: death after day 90, or known alive on day 90 or later. None: no
    death recorded and follow-up shorter than 90 days. Raises :class:`InputError` naming ``death_date``
    when it is before the resection.
    """
    if death_date is not None:
        days = (death_date - resection_date).days
        if days < 0:
            raise InputError.of(
                N_("{death_date} is before the resection ({resection_date})"),
                "death_date",
                death_date=str(death_date),
                resection_date=str(resection_date),
            )
        return days <= POSTOPERATIVE_MORTALITY_DAYS
    if (
        last_known_alive_date is not None
        and (last_known_alive_date - resection_date).days >= POSTOPERATIVE_MORTALITY_DAYS
    ):
        return False
    return None


def histological_response(trg: RubbiaBrandtTrg | int) -> HistologicalResponse:
    """Major (TRG 1-2), partial (TRG 3) or no (TRG 4-5) histological response (Rubbia-Brandt et al. 2007)."""
    grade = RubbiaBrandtTrg(trg)
    if grade <= RubbiaBrandtTrg.TRG2:
        return HistologicalResponse.major
    if grade == RubbiaBrandtTrg.TRG3:
        return HistologicalResponse.partial
    return HistologicalResponse.none


# --- the eCRF ---------------------------------------------------------------------------------------


class PostoperativeComplication(CrfModel):
    description: ShortText
    grade: ClavienDindoGrade
    onset_date: JsonDate | None = None


class ResectionPathology(CrfModel):
    """The pathology report of the resected liver."""

    lesions_resected: JsonInt | None = Field(None, ge=0)
    largest_lesion_mm: Annotated[JsonNumber, within("lesion_mm")] | None = Field(None, gt=0, le=1000)
    margin_mm: JsonNumber | None = Field(
        None, ge=0, le=200, description="Closest margin, mm (0 = tumour at the margin)."
    )
    lesion_trgs: list[RubbiaBrandtTrg] = Field(
        default_factory=list, description="Rubbia-Brandt TRG of each resected metastasis."
    )

    @property
    def trg(self) -> RubbiaBrandtTrg | None:
        """The subject's TRG: that of the worst (highest-grade) nodule (Rubbia-Brandt et al. 2007)."""
        return max(self.lesion_trgs) if self.lesion_trgs else None


class LiverResection(CrfForm):
    """The Liver resection eCRF (one operation; a two-stage hepatectomy has two)."""

    date: JsonDate | None = None
    approach: SurgicalApproach | None = None
    converted_to_open: JsonBool | None = Field(None, description="Laparoscopic or robotic only.")
    stage: JsonInt | None = Field(None, ge=1, le=2, description="1 or 2 in a two-stage hepatectomy; null otherwise.")
    segments_resected: list[CouinaudSegment] = Field(default_factory=list)
    anatomical: JsonBool | None = Field(
        None, description="Anatomical (Brisbane 2000) rather than non-anatomical (wedge)."
    )
    ablation: JsonBool | None = None
    ablation_modality: AblationModality | None = None
    ablated_lesions: JsonInt | None = Field(None, ge=1)
    macroscopic_residual: JsonBool | None = Field(None, description="Tumour left behind, as the surgeon saw it (R2).")
    pathology: ResectionPathology = Field(default_factory=ResectionPathology)
    complications: list[PostoperativeComplication] | None = Field(
        None, description="Postoperative complications (Clavien-Dindo); [] = none, null = not yet recorded."
    )

    _null_is_empty = field_validator("pathology", mode="before")(null_is_empty)

    @model_validator(mode="after")
    def _consistent(self) -> LiverResection:
        if len(set(self.segments_resected)) != len(self.segments_resected):
            raise rule_error("segments_resected", N_("a segment is listed twice"))
        if self.converted_to_open is not None and self.approach == SurgicalApproach.open:
            raise rule_error("converted_to_open", N_("only a laparoscopic or robotic operation can be converted"))
        if self.ablation is not True and (self.ablation_modality is not None or self.ablated_lesions is not None):
            field = "ablation_modality" if self.ablation_modality is not None else "ablated_lesions"
            raise rule_error(field, N_("only when ablation is true"))
        for i, complication in enumerate(self.complications or []):
            if self.date and complication.onset_date and complication.onset_date < self.date:
                raise rule_error(f"complications.{i}.onset_date", N_("is before the operation"))
        return self

    @property
    def major(self) -> bool | None:
        """Major hepatectomy (>= 3 segments); None when no segment is recorded."""
        return is_major_hepatectomy(self.segments_resected) if self.segments_resected else None

    @property
    def brisbane_name(self) -> str | None:
        return brisbane_resection_name(self.segments_resected) if self.anatomical else None

    @property
    def margin(self) -> MarginStatus | None:
        """R0/R1/R2 by :func:`margin_status`; None while the data to classify it are missing."""
        if self.macroscopic_residual is None:
            return None
        if not self.macroscopic_residual and self.pathology.margin_mm is None:
            return None
        return margin_status(self.pathology.margin_mm, self.macroscopic_residual)

    @property
    def highest_complication(self) -> ClavienDindoGrade | None:
        return highest_clavien_dindo(c.grade for c in self.complications or [])


__all__ = [
    "MAJOR_HEPATECTOMY_MIN_SEGMENTS",
    "POSTOPERATIVE_MORTALITY_DAYS",
    "R0_MIN_MARGIN_MM",
    "AblationModality",
    "ClavienDindoGrade",
    "HistologicalResponse",
    "LiverResection",
    "MarginStatus",
    "PostoperativeComplication",
    "ResectionPathology",
    "RubbiaBrandtTrg",
    "SurgicalApproach",
    "brisbane_resection_name",
    "clavien_dindo_rank",
    "highest_clavien_dindo",
    "histological_response",
    "is_major_hepatectomy",
    "margin_status",
    "ninety_day_mortality",
]
