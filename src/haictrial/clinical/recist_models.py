"""Input and output models of the RECIST 1.1 engine (docs/contracts/recist.md).

The input document (:class:`RecistInput`) is parsed here for types and impossible values (a negative
diameter, an unknown response code); the cross-field rules of RECIST 1.1 (target selection,
measurability, known lesion ids, increasing dates) are checked by :func:`haictrial.clinical.recist.validate_input`
so that every message can name the lesion.

References
----------
Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid tumours:
revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-47. doi:10.1016/j.ejca.2008.10.026
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from haictrial.clinical.morphologic import MorphologicResponse, MorphologyGroup
from haictrial.vocabulary.base import JsonBool, JsonDate, MeasurementModel


class Response(StrEnum):
    """RECIST 1.1 response codes (section 4.3, Tables 1-3)."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"
    NON_CR_NON_PD = "NON_CR_NON_PD"


class NonTargetState(StrEnum):
    """Qualitative state of one non-target lesion at a time point (RECIST 1.1 section 4.3.2)."""

    absent = "absent"
    present = "present"
    unequivocal_progression = "unequivocal_progression"
    not_evaluated = "not_evaluated"


LesionId = Annotated[str, Field(min_length=1, max_length=40)]
# Strict: a boolean or a string is a typing error, not a diameter of 1 mm.
DiameterMm = Annotated[float, Field(ge=0, le=1000, strict=True)]


def _whole_group(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | MorphologyGroup):
        raise ValueError("a morphology group is the whole number 1, 2 or 3 (Chun et al., JAMA 2009)")
    return value


# Strict: true, 1.0 or "1" is a typing error, not group 1.
GroupField = Annotated[MorphologyGroup, BeforeValidator(_whole_group)]


class TargetLesion(MeasurementModel):
    """A measurable lesion chosen at baseline (RECIST 1.1 section 4.2)."""

    id: LesionId
    organ: str = Field(min_length=1, description="Organ of the lesion; at most two target lesions per organ.")
    lymph_node: JsonBool = Field(False, description="A pathological node: its value is the short axis (section 3.1.1).")


class NonTargetLesion(MeasurementModel):
    """Any other lesion recorded at baseline, followed qualitatively (RECIST 1.1 section 4.2)."""

    id: LesionId
    organ: str = Field(min_length=1)
    lymph_node: JsonBool = False


class Assessment(MeasurementModel):
    """One imaging time point. The first assessment of the document is the baseline.

    Either measurements (``target_mm``, ``non_target``, ``new_lesions``) or, after baseline, a reader's
    time-point ``overall_response`` taken as given. ``morphology`` (optional) gives the CT morphology
    group of liver lesions (Chun et al., JAMA 2009).
    """

    date: JsonDate
    target_mm: dict[LesionId, DiameterMm | None] | None = Field(
        None, description="Longest diameter (short axis for a node) per target lesion, mm; null: not evaluated."
    )
    non_target: dict[LesionId, NonTargetState] | None = None
    new_lesions: JsonBool | None = None
    overall_response: Response | None = Field(None, description="A radiologist's time-point response.")
    morphology: dict[LesionId, GroupField] | None = Field(
        None, description="CT morphology group 1-3 per lesion (Chun et al., JAMA 2009;302:2338)."
    )

    @property
    def has_measurements(self) -> bool:
        return self.target_mm is not None or self.non_target is not None


class RecistInput(MeasurementModel):
    """The ``haictrial recist`` input document (docs/contracts/recist.md)."""

    subject_id: str = Field(min_length=1)
    target_lesions: list[TargetLesion] = Field(default_factory=list)
    non_target_lesions: list[NonTargetLesion] = Field(default_factory=list)
    assessments: list[Assessment] = Field(min_length=1, description="Baseline first, then follow-up time points.")


def round_pct(value: float | None) -> float | None:
    """A percentage rounded to 0.1, half away from zero (docs/contracts/recist.md output)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def plain_mm(value: float | None) -> float | int | None:
    """A sum in mm as a plain number: 50 rather than 50.0, tenths kept."""
    if value is None:
        return None
    rounded = Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


class TimepointResult(BaseModel):
    """The evaluation of one follow-up assessment (RECIST 1.1 section 4.4.1)."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    days_from_baseline: int
    source: Literal["measured", "reader"]
    sum_mm: float | None = Field(description="Sum of diameters; null when a target is not evaluated or no targets.")
    nadir_sum_mm: float | None = Field(description="Smallest earlier sum (baseline included): the PD reference.")
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    target_response: Response | None
    non_target_response: Response | None
    new_lesions: bool | None
    overall_response: Response
    morphologic_group: MorphologyGroup | None = None
    morphologic_response: MorphologicResponse | None = None

    def as_contract(self, with_morphology: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": self.date.isoformat(),
            "sum_mm": plain_mm(self.sum_mm),
            "change_from_baseline_pct": round_pct(self.change_from_baseline_pct),
            "change_from_nadir_pct": round_pct(self.change_from_nadir_pct),
            "target_response": self.target_response.value if self.target_response else None,
            "non_target_response": self.non_target_response.value if self.non_target_response else None,
            "new_lesions": self.new_lesions,
            "overall_response": self.overall_response.value,
            "days_from_baseline": self.days_from_baseline,
            "nadir_sum_mm": plain_mm(self.nadir_sum_mm),
            "source": self.source,
        }
        if with_morphology:
            out["morphologic_group"] = int(self.morphologic_group) if self.morphologic_group else None
            out["morphologic_response"] = self.morphologic_response.value if self.morphologic_response else None
        return out


class RecistResult(BaseModel):
    """RECIST 1.1 evaluation of one patient: time points, best overall response (Table 3), waterfall value."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    baseline_date: dt.date
    baseline_sum_mm: float | None
    timepoints: list[TimepointResult]
    best_overall_response: Response
    confirmed: bool = Field(description="True only when the best overall response is a confirmed CR or PR.")
    best_response_date: dt.date | None = Field(description="The time point the best overall response rests on.")
    confirmation_date: dt.date | None = Field(description="The assessment that confirmed the CR or PR.")
    progression_date: dt.date | None = Field(description="The first time point with an overall response of PD.")
    best_percent_change: float | None
    confirmation_days: int
    min_sd_days: int
    has_morphology: bool = False
    baseline_morphologic_group: MorphologyGroup | None = None
    morphologic_response: MorphologicResponse | None = Field(
        None, description="Best morphologic response over the follow-up time points (Chun et al., JAMA 2009)."
    )

    def as_contract(self) -> dict[str, Any]:
        """The contract output (docs/contracts/recist.md) plus extras; plain JSON values."""
        out: dict[str, Any] = {
            "subject_id": self.subject_id,
            "timepoints": [tp.as_contract(self.has_morphology) for tp in self.timepoints],
            "best_overall_response": self.best_overall_response.value,
            "confirmed": self.confirmed,
            "best_percent_change": round_pct(self.best_percent_change),
            "best_response_date": self.best_response_date.isoformat() if self.best_response_date else None,
            "confirmation_date": self.confirmation_date.isoformat() if self.confirmation_date else None,
            "progression_date": self.progression_date.isoformat() if self.progression_date else None,
            "baseline_date": self.baseline_date.isoformat(),
            "baseline_sum_mm": plain_mm(self.baseline_sum_mm),
            "criteria": "RECIST 1.1",
            "confirmation_days": self.confirmation_days,
            "min_sd_days": self.min_sd_days,
        }
        if self.has_morphology:
            out["baseline_morphologic_group"] = (
                int(self.baseline_morphologic_group) if self.baseline_morphologic_group else None
            )
            out["morphologic_response"] = self.morphologic_response.value if self.morphologic_response else None
        return out
