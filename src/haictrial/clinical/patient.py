"""The patient document: the input of screening and planning (contracts/screen.md).

Every field is optional at parse time: an absent or null field makes the criteria that need it
``unknown`` (it is never assumed normal). Types and impossible values are rejected at parse time
with the field named (an ECOG of 7 or a negative platelet count is a typing error, not a verdict).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from haictrial.clinical.base import MeasurementModel
from haictrial.clinical.units import Analyte, LabPanel
from haictrial.errors import InputError


class Sex(StrEnum):
    male = "male"
    female = "female"


class PriorSystemicTreatment(StrEnum):
    """Registered inclusion I3: refused or progressed on prior systemic treatment."""

    progressed = "progressed"
    refused = "refused"
    none = "none"
    ongoing_response = "ongoing_response"


class PrimarySite(StrEnum):
    """Primary tumour location, caecum to rectum (contracts/screen.md)."""

    cecum = "cecum"
    ascending_colon = "ascending_colon"
    hepatic_flexure = "hepatic_flexure"
    transverse_colon = "transverse_colon"
    splenic_flexure = "splenic_flexure"
    descending_colon = "descending_colon"
    sigmoid_colon = "sigmoid_colon"
    rectosigmoid = "rectosigmoid"
    rectum = "rectum"


class MutationStatus(StrEnum):
    wild_type = "wild_type"
    mutant = "mutant"
    unknown = "unknown"


class Ascites(StrEnum):
    """Child-Pugh ascites categories (Pugh et al., Br J Surg 1973)."""

    none = "none"
    mild = "mild"
    moderate_severe = "moderate_severe"


class HepaticEncephalopathy(StrEnum):
    """Child-Pugh encephalopathy categories (West Haven grades)."""

    none = "none"
    grade_1_2 = "grade_1_2"
    grade_3_4 = "grade_3_4"


class HistoryCondition(StrEnum):
    """Conditions named by exclusion E5 of the registered record."""

    cerebral_infarction = "cerebral_infarction"
    cerebral_hemorrhage = "cerebral_hemorrhage"
    gastrointestinal_hemorrhage = "gastrointestinal_hemorrhage"
    gastrointestinal_perforation = "gastrointestinal_perforation"
    coagulation_disorder = "coagulation_disorder"
    gastrointestinal_ulcer = "gastrointestinal_ulcer"


class Drug(StrEnum):
    """The drugs of the CHALLENGE-A1 regimen (registered interventions)."""

    oxaliplatin = "oxaliplatin"
    leucovorin = "leucovorin"
    fluorouracil = "fluorouracil"
    bevacizumab = "bevacizumab"
    cetuximab = "cetuximab"


class Intolerance(StrEnum):
    """Exclusion E2: unable to tolerate chemotherapy, anaesthesia or surgery."""

    chemotherapy = "chemotherapy"
    anesthesia = "anesthesia"
    surgery = "surgery"


class LiverDirectedTreatment(StrEnum):
    """Exclusion E7: prior resection, ablation or radiation of CRLM."""

    resection = "resection"
    ablation = "ablation"
    radiation = "radiation"


class PrimaryTumor(MeasurementModel):
    site: PrimarySite | None = None
    resected: bool | None = None
    completely_resectable: bool | None = Field(
        None, description="False: the primary may not be completely resected (exclusion E6)."
    )


class Molecular(MeasurementModel):
    kras: MutationStatus | None = None
    nras: MutationStatus | None = None
    braf: MutationStatus | None = None


class LiverLesion(MeasurementModel):
    id: str
    segment: str | None = Field(None, description="Couinaud segment, S1-S8.")
    longest_diameter_mm: float | None = Field(None, gt=0, le=400)


class MedicalHistoryEntry(MeasurementModel):
    condition: HistoryCondition
    date: dt.date | None = None


class Labs(LabPanel):
    """Screening laboratory values, each with its unit (contracts/screen.md)."""

    @model_validator(mode="after")
    def _units_known_and_values_possible(self) -> Labs:
        problem = self.first_problem()
        if problem is not None:
            field, message = problem
            raise InputError(message, field=f"labs.{field}")
        return self

    def si(self, name: Analyte | str, field_prefix: str = "labs.") -> float | None:
        """The value of ``name`` in its SI unit, or None when it was not reported."""
        return super().si(name, field_prefix)


class Patient(MeasurementModel):
    """One patient's screening document (contracts/screen.md); also the input of ``plan``."""

    subject_id: str | None = None
    screening_date: dt.date | None = None
    birth_date: dt.date | None = None
    age_years: int | None = Field(None, ge=0, le=120)
    sex: Sex | None = None
    height_cm: float | None = Field(None, gt=0)
    weight_kg: float | None = Field(None, gt=0)
    ecog: int | None = Field(None, ge=0, le=4)
    lvef_percent: float | None = Field(None, ge=0, le=100)
    fev1_fvc_percent: float | None = Field(None, ge=0, le=100)
    pathology_confirmed_crlm: bool | None = None
    other_malignancy_history: bool | None = None
    prior_systemic_treatment: PriorSystemicTreatment | None = None
    primary_tumor: PrimaryTumor = Field(default_factory=PrimaryTumor)
    molecular: Molecular = Field(default_factory=Molecular)
    liver_lesions: list[LiverLesion] | None = None
    extrahepatic_metastasis: bool | None = None
    peritoneal_spread: bool | None = None
    ascites: Ascites | None = None
    hepatic_encephalopathy: HepaticEncephalopathy | None = None
    labs: Labs = Field(default_factory=Labs)
    medical_history: list[MedicalHistoryEntry] | None = None
    allergies: list[Drug] | None = None
    unable_to_tolerate: list[Intolerance] | None = None
    prior_liver_directed_treatment: list[LiverDirectedTreatment] | None = None
    data_complete: bool | None = None

    @field_validator("primary_tumor", "molecular", "labs", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        # A null sub-document means "nothing reported", the same as an absent one.
        return {} if value is None else value

    @model_validator(mode="after")
    def _birth_before_screening(self) -> Patient:
        if self.birth_date and self.screening_date and self.birth_date > self.screening_date:
            raise InputError("is after screening_date", field="birth_date")
        for i, entry in enumerate(self.medical_history or []):
            if entry.date and self.screening_date and entry.date > self.screening_date:
                raise InputError("is after screening_date", field=f"medical_history[{i}].date")
        return self
