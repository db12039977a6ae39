"""The patient document: the input of screening and planning (docs/contracts/screen.md).

Every field is optional at parse time: an absent or null field makes the criteria that need it
``unknown`` (it is never assumed normal). Types and impossible values are rejected at parse time
with the field named (an ECOG of 7 or a negative platelet count is a typing error, not a verdict).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator

from haictrial.clinical.crf_base import field_error
from haictrial.clinical.limits import lab_limit_problem, within
from haictrial.clinical.messages import N_
from haictrial.errors import InputError
from haictrial.vocabulary.base import JsonBool, JsonDate, JsonInt, JsonNumber, MeasurementModel, entry_today
from haictrial.vocabulary.enums import (
    Ascites,
    Drug,
    HepaticEncephalopathy,
    HistoryCondition,
    Intolerance,
    LiverDirectedTreatment,
    MutationStatus,
    PrimarySite,
    PriorSystemicTreatment,
    Sex,
)
from haictrial.vocabulary.units import Analyte, LabPanel


class PrimaryTumor(MeasurementModel):
    site: PrimarySite | None = None
    resected: JsonBool | None = None
    completely_resectable: JsonBool | None = Field(
        None, description="False: the primary may not be completely resected (exclusion E6)."
    )


class Molecular(MeasurementModel):
    kras: MutationStatus | None = None
    nras: MutationStatus | None = None
    braf: MutationStatus | None = None


class LiverLesion(MeasurementModel):
    id: str
    segment: str | None = Field(None, description="Couinaud segment, S1-S8.")
    longest_diameter_mm: Annotated[JsonNumber, within("lesion_mm")] | None = Field(None, gt=0, le=400)


class MedicalHistoryEntry(MeasurementModel):
    condition: HistoryCondition
    date: JsonDate | None = None


class Labs(LabPanel):
    """Screening laboratory values, each with its unit (docs/contracts/screen.md)."""

    @model_validator(mode="after")
    def _units_known_and_values_possible(self, info: ValidationInfo) -> Labs:
        problem = self.first_problem()
        if problem is not None:
            field, message = problem
            raise InputError(message, field=f"labs.{field}")
        refused = lab_limit_problem(self) if entry_today(info) is not None else None
        if refused is not None:
            raise InputError(
                refused.message, field=f"labs.{refused.field}", template=refused.template, params=refused.params
            )
        return self

    def si(self, name: Analyte | str, field_prefix: str = "labs.") -> float | None:
        """The value of ``name`` in its SI unit, or None when it was not reported."""
        return super().si(name, field_prefix)


class Patient(MeasurementModel):
    """One patient's screening document (docs/contracts/screen.md); also the input of ``plan``."""

    subject_id: str | None = None
    screening_date: JsonDate | None = None
    birth_date: JsonDate | None = None
    age_years: JsonInt | None = Field(None, ge=0, le=120)
    sex: Sex | None = None
    height_cm: Annotated[JsonNumber, within("height_cm")] | None = Field(None, gt=0)
    weight_kg: Annotated[JsonNumber, within("weight_kg")] | None = Field(None, gt=0)
    ecog: JsonInt | None = Field(None, ge=0, le=4)
    lvef_percent: Annotated[JsonNumber, within("lvef_percent")] | None = Field(None, ge=0, le=100)
    fev1_fvc_percent: Annotated[JsonNumber, within("fev1_fvc_percent")] | None = Field(None, ge=0, le=100)
    pathology_confirmed_crlm: JsonBool | None = None
    other_malignancy_history: JsonBool | None = None
    prior_systemic_treatment: PriorSystemicTreatment | None = None
    primary_tumor: PrimaryTumor = Field(default_factory=PrimaryTumor)
    molecular: Molecular = Field(default_factory=Molecular)
    liver_lesions: list[LiverLesion] | None = None
    extrahepatic_metastasis: JsonBool | None = None
    peritoneal_spread: JsonBool | None = None
    ascites: Ascites | None = None
    hepatic_encephalopathy: HepaticEncephalopathy | None = None
    labs: Labs = Field(default_factory=Labs)
    medical_history: list[MedicalHistoryEntry] | None = None
    allergies: list[Drug] | None = None
    unable_to_tolerate: list[Intolerance] | None = None
    prior_liver_directed_treatment: list[LiverDirectedTreatment] | None = None
    data_complete: JsonBool | None = None

    @field_validator("primary_tumor", "molecular", "labs", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        # A null sub-document means "nothing reported", the same as an absent one.
        return {} if value is None else value

    @model_validator(mode="after")
    def _birth_before_screening(self) -> Patient:
        if self.birth_date and self.screening_date and self.birth_date > self.screening_date:
            raise InputError.of(N_("is after screening_date"), "birth_date")
        if self.birth_date and self.screening_date and self.age_years is not None:
            age = completed_years(self.birth_date, self.screening_date)
            if abs(self.age_years - age) >= 1:
                raise field_error(
                    "age_years",
                    f"disagrees with birth_date: {age} years on screening_date {self.screening_date.isoformat()}",
                    self.age_years,
                )
        for i, entry in enumerate(self.medical_history or []):
            if entry.date and self.screening_date and entry.date > self.screening_date:
                raise InputError.of(N_("is after screening_date"), f"medical_history[{i}].date")
        return self


def completed_years(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on ``on``: the age goes up on the birthday itself (a 29 February birthday
    is reached on 1 March in a common year). The same rule as eligibility criterion I1 (NCT06988852)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)
