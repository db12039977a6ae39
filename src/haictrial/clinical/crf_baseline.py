"""The Baseline eCRF: demographics, primary tumour, molecular profile, tumour markers, liver lesions
with the RECIST 1.1 target / non-target selection, comorbidities, ECOG, LVEF and spirometry.

Public names
------------
- :class:`BaselineForm` and its parts :class:`Demographics`, :class:`PrimaryTumour`,
  :class:`MolecularProfile`, :class:`TumourMarkers`, :class:`BaselineLesion`, :class:`Comorbidity`,
  :class:`Spirometry`; enums :class:`MsiStatus`, :class:`Histology`, :class:`CouinaudSegment`,
  :class:`RecistRole`, :class:`ImagingModality`, :class:`ComorbidityCategory`, :class:`Sidedness`.
- :func:`primary_sidedness(site, protocol) -> Sidedness`: right or left, by ``Protocol.is_right_sided``.
- :func:`lesion_selection_input(lesions, baseline_date, subject_id) -> RecistInput`: the baseline as
  the RECIST engine's input (docs/contracts/recist.md).
- :func:`validate_lesion_selection(lesions)`: the RECIST 1.1 selection rules, checked by
  :func:`haictrial.clinical.recist.validate_input`, with the error moved onto the lesion's field.
- :func:`planning_patient(baseline, weight_kg=None, subject_id=None) -> Patient`: the planning
  engine's input (height, weight, primary site, KRAS/NRAS/BRAF) from the baseline form.

References
----------
- RECIST 1.1: Eisenhauer EA et al., Eur J Cancer 2009;45:228-47 (doi:10.1016/j.ejca.2008.10.026),
  sections 3.1.1 (measurable lesions) and 4.2 (at most 5 targets, 2 per organ).
- Couinaud segments S1-S8: Couinaud C. Le foie: etudes anatomiques et chirurgicales. Paris: Masson, 1957;
  named as in the Brisbane 2000 terminology (Strasberg SM, J Hepatobiliary Pancreat Surg 2005;12:351-5,
  doi:10.1007/s00534-005-0999-7).
- Sidedness: protocol ``targeted_agent`` and site setting ``splenic_flexure_side`` (Arnold D et al.,
  Ann Oncol 2017;28:1713-29, doi:10.1093/annonc/mdx175).
- ECOG performance status 0-4 (Oken MM et al., Am J Clin Oncol 1982;5:649-55); 5 (dead) is not a baseline value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from haictrial.clinical.crf_base import CrfForm, CrfModel, LesionId, ShortText, field_error, null_is_empty, rule_error
from haictrial.clinical.limits import within
from haictrial.clinical.messages import N_
from haictrial.clinical.patient import Molecular, Patient, PrimaryTumor
from haictrial.clinical.recist import Assessment, NonTargetLesion, NonTargetState, RecistInput, TargetLesion
from haictrial.clinical.recist import validate_input as recist_validate_input
from haictrial.clinical.recist_models import GroupField
from haictrial.errors import InputError, ProtocolError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.base import JsonBool, JsonDate, JsonInt, JsonNumber
from haictrial.vocabulary.enums import MutationStatus, PrimarySite, Sex, Sidedness

LIVER = "liver"


class MsiStatus(StrEnum):
    """Microsatellite status: MSI-H (or dMMR by immunohistochemistry) or MSS (MSI-L and pMMR included)."""

    msi_h = "msi_h"
    mss = "mss"
    unknown = "unknown"


class Histology(StrEnum):
    """Histological type of the primary (WHO classification of digestive system tumours, 5th ed., 2019)."""

    adenocarcinoma = "adenocarcinoma"
    mucinous_adenocarcinoma = "mucinous_adenocarcinoma"
    signet_ring_cell_carcinoma = "signet_ring_cell_carcinoma"
    other = "other"


class CouinaudSegment(StrEnum):
    """The eight Couinaud segments of the liver."""

    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"
    S5 = "S5"
    S6 = "S6"
    S7 = "S7"
    S8 = "S8"

    @property
    def number(self) -> int:
        return int(self.value[1:])


class RecistRole(StrEnum):
    """How a baseline lesion is followed (RECIST 1.1 section 4.2)."""

    target = "target"
    non_target = "non_target"


class ImagingModality(StrEnum):
    """Contrast-enhanced CT or MRI (RECIST 1.1 section 3.2)."""

    ct = "ct"
    mri = "mri"


class ComorbidityCategory(StrEnum):
    """Comorbidities recorded at baseline; ``other`` needs the verbatim term."""

    hypertension = "hypertension"
    diabetes_mellitus = "diabetes_mellitus"
    coronary_artery_disease = "coronary_artery_disease"
    heart_failure = "heart_failure"
    arrhythmia = "arrhythmia"
    cerebrovascular_disease = "cerebrovascular_disease"
    chronic_obstructive_pulmonary_disease = "chronic_obstructive_pulmonary_disease"
    chronic_kidney_disease = "chronic_kidney_disease"
    chronic_hepatitis_b = "chronic_hepatitis_b"
    chronic_hepatitis_c = "chronic_hepatitis_c"
    fatty_liver_disease = "fatty_liver_disease"
    liver_cirrhosis = "liver_cirrhosis"
    other = "other"


# --- parts of the form ---------------------------------------------------------------------------


class Demographics(CrfModel):
    birth_date: JsonDate | None = None
    sex: Sex | None = None
    height_cm: Annotated[JsonNumber, within("height_cm")] | None = Field(
        None, gt=0, description="Height, cm (limits: clinical.limits)."
    )
    weight_kg: Annotated[JsonNumber, within("weight_kg")] | None = Field(
        None, gt=0, description="Baseline weight, kg (limits: clinical.limits)."
    )


class PrimaryTumour(CrfModel):
    site: PrimarySite | None = None
    resected: JsonBool | None = None
    resection_date: JsonDate | None = Field(None, description="Date the primary was resected, when it was.")
    histology: Histology | None = None
    histology_other: ShortText | None = Field(None, description="The histological type when histology is 'other'.")

    @model_validator(mode="after")
    def _consistent(self) -> PrimaryTumour:
        if self.resection_date is not None and self.resected is not True:
            raise rule_error("resection_date", N_("a resection date needs resected: true"))
        if self.histology == Histology.other and not self.histology_other:
            raise rule_error("histology_other", N_("required when histology is 'other': give the histological type"))
        if self.histology_other and self.histology != Histology.other:
            raise rule_error("histology_other", N_("only for histology 'other'"))
        return self


class MolecularProfile(CrfModel):
    kras: MutationStatus | None = None
    nras: MutationStatus | None = None
    braf: MutationStatus | None = None
    msi: MsiStatus | None = None


class TumourMarkers(CrfModel):
    date: JsonDate | None = None
    cea_ng_per_ml: Annotated[JsonNumber, within("cea_ng_per_ml")] | None = Field(
        None, ge=0, description="Carcinoembryonic antigen, ng/mL (= ug/L)."
    )
    ca19_9_u_per_ml: Annotated[JsonNumber, within("ca19_9_u_per_ml")] | None = Field(
        None, ge=0, description="CA 19-9, U/mL (= kU/L)."
    )


class BaselineLesion(CrfModel):
    """One lesion seen at baseline, its location and, for the RECIST engine, its role and size."""

    id: LesionId
    organ: ShortText = Field(LIVER, description="'liver' for a liver metastasis (the default).")
    segments: list[CouinaudSegment] = Field(
        default_factory=list, description="Couinaud segments the lesion occupies (a liver lesion needs one or more)."
    )
    lymph_node: JsonBool = Field(False, description="A pathological lymph node: its size is the short axis.")
    longest_diameter_mm: Annotated[JsonNumber, within("lesion_mm")] | None = Field(
        None, gt=0, le=1000, description="Longest diameter (short axis for a node) at baseline, mm."
    )
    role: RecistRole
    morphology_group: GroupField | None = Field(
        None, description="CT morphology group 1-3 of a liver metastasis (Chun et al., JAMA 2009;302:2338)."
    )

    @model_validator(mode="after")
    def _located_and_measured(self) -> BaselineLesion:
        if len(set(self.segments)) != len(self.segments):
            raise rule_error("segments", N_("a segment is listed twice"))
        if self.organ.strip().lower() == LIVER and not self.segments:
            raise rule_error("segments", N_("a liver lesion needs its Couinaud segment(s), S1-S8"))
        if self.organ.strip().lower() != LIVER and self.segments:
            raise rule_error("segments", N_("Couinaud segments are for liver lesions only"))
        if self.role == RecistRole.target and self.longest_diameter_mm is None:
            raise rule_error(
                "longest_diameter_mm", N_("a target lesion needs its baseline measurement (RECIST 1.1 4.2)")
            )
        return self


class Comorbidity(CrfModel):
    category: ComorbidityCategory
    verbatim: ShortText | None = Field(None, description="The condition in the investigator's words.")
    ongoing: JsonBool | None = None

    @model_validator(mode="after")
    def _other_needs_words(self) -> Comorbidity:
        if self.category == ComorbidityCategory.other and not self.verbatim:
            raise rule_error("verbatim", N_("required when category is 'other'"))
        return self


class Spirometry(CrfModel):
    """FEV1 and FVC in litres; the FEV1/FVC ratio (eligibility I6) is derived from them."""

    date: JsonDate | None = None
    fev1_l: Annotated[JsonNumber, within("fev1_l")] | None = Field(
        None, gt=0, le=10, description="Forced expiratory volume in 1 s, L."
    )
    fvc_l: Annotated[JsonNumber, within("fvc_l")] | None = Field(
        None, gt=0, le=12, description="Forced vital capacity, L."
    )

    @model_validator(mode="after")
    def _fev1_within_fvc(self) -> Spirometry:
        # FEV1 is the first second of the forced vital capacity manoeuvre: it cannot exceed FVC.
        if self.fev1_l is not None and self.fvc_l is not None and self.fev1_l > self.fvc_l:
            raise rule_error(
                "fev1_l", N_("FEV1 {fev1_l:g} L is above FVC {fvc_l:g} L"), fev1_l=self.fev1_l, fvc_l=self.fvc_l
            )
        return self

    @property
    def fev1_fvc_percent(self) -> float | None:
        """FEV1/FVC in percent, or None when either volume is missing."""
        if self.fev1_l is None or self.fvc_l is None:
            return None
        return 100.0 * self.fev1_l / self.fvc_l


class BaselineForm(CrfForm):
    """The Baseline eCRF. ``lesions`` is the baseline time point of RECIST 1.1 (dated ``baseline_imaging_date``)."""

    visit_date: JsonDate | None = None
    demographics: Demographics = Field(default_factory=Demographics)
    primary_tumour: PrimaryTumour = Field(default_factory=PrimaryTumour)
    molecular: MolecularProfile = Field(default_factory=MolecularProfile)
    tumour_markers: TumourMarkers = Field(default_factory=TumourMarkers)
    baseline_imaging_date: JsonDate | None = None
    baseline_imaging_modality: ImagingModality | None = None
    lesions: list[BaselineLesion] = Field(default_factory=list)
    comorbidities: list[Comorbidity] | None = Field(None, description="[] = none; null = not yet recorded.")
    ecog: JsonInt | None = Field(None, ge=0, le=4, description="ECOG performance status 0-4.")
    lvef_percent: Annotated[JsonNumber, within("lvef_percent")] | None = Field(
        None, gt=0, le=100, description="Left ventricular ejection fraction, %."
    )
    spirometry: Spirometry = Field(default_factory=Spirometry)

    _null_is_empty = field_validator(
        "demographics", "primary_tumour", "molecular", "tumour_markers", "spirometry", mode="before"
    )(null_is_empty)

    @model_validator(mode="after")
    def _lesions_valid(self) -> BaselineForm:
        birth = self.demographics.birth_date
        if birth is not None and self.visit_date is not None and birth > self.visit_date:
            raise rule_error("demographics.birth_date", N_("is after visit_date"))
        validate_lesion_selection(self.lesions, field_prefix="lesions")
        return self

    @property
    def target_lesions(self) -> list[BaselineLesion]:
        return [lesion for lesion in self.lesions if lesion.role == RecistRole.target]

    @property
    def non_target_lesions(self) -> list[BaselineLesion]:
        return [lesion for lesion in self.lesions if lesion.role == RecistRole.non_target]


# --- derived values ------------------------------------------------------------------------------


def primary_sidedness(site: PrimarySite, protocol: Protocol) -> Sidedness:
    """Right or left for a primary ``site``, by :meth:`Protocol.is_right_sided` (splenic flexure: site setting).

    Raises :class:`ProtocolError` for a site the protocol classes neither right nor left (never a silent left).

    References
    ----------
    Protocol ``targeted_agent.right_sided_sites`` / ``left_sided_sites``, ``settings.splenic_flexure_side``.
    """
    rule = protocol.targeted_agent
    if site != PrimarySite.splenic_flexure and site not in (*rule.right_sided_sites, *rule.left_sided_sites):
        raise ProtocolError(f"the protocol classes primary site {site.value} neither right nor left", "targeted_agent")
    return Sidedness.right if protocol.is_right_sided(site) else Sidedness.left


#: Any date: the RECIST baseline rules (selection, measurability) do not depend on it.
_NOMINAL_DATE = dt.date(2000, 1, 1)


def lesion_selection_input(
    lesions: Sequence[BaselineLesion], baseline_date: dt.date, subject_id: str = "subject"
) -> RecistInput:
    """The baseline lesions as the RECIST engine's input: targets, non-targets, one baseline assessment.

    Non-target lesions are ``present`` at baseline; a non-target's size is recorded but not summed.
    """
    targets = [lesion for lesion in lesions if lesion.role == RecistRole.target]
    non_targets = [lesion for lesion in lesions if lesion.role == RecistRole.non_target]
    return RecistInput(
        subject_id=subject_id,
        target_lesions=[TargetLesion(id=x.id, organ=x.organ, lymph_node=x.lymph_node) for x in targets],
        non_target_lesions=[NonTargetLesion(id=x.id, organ=x.organ, lymph_node=x.lymph_node) for x in non_targets],
        assessments=[
            Assessment(
                date=baseline_date,
                target_mm={x.id: x.longest_diameter_mm for x in targets},
                non_target={x.id: NonTargetState.present for x in non_targets},
                new_lesions=False,
            )
        ],
    )


def _lesion_field(recist_field: str | None, lesions: Sequence[BaselineLesion], prefix: str) -> str:
    """Move a RECIST input path (``target_lesions[2]``, ``assessments[0].target_mm.T3``) onto the form."""
    targets = [i for i, x in enumerate(lesions) if x.role == RecistRole.target]
    non_targets = [i for i, x in enumerate(lesions) if x.role == RecistRole.non_target]
    text = recist_field or ""
    for name, indexes in (("target_lesions", targets), ("non_target_lesions", non_targets)):
        if text.startswith(name + "["):
            k = int(text[len(name) + 1 : text.index("]")])
            return f"{prefix}.{indexes[k]}" if k < len(indexes) else prefix
    if text.startswith("assessments[0].target_mm."):
        lesion_id = text.rsplit(".", 1)[1]
        for i, lesion in enumerate(lesions):
            if lesion.id == lesion_id:
                return f"{prefix}.{i}.longest_diameter_mm"
    return prefix


def validate_lesion_selection(lesions: Sequence[BaselineLesion], field_prefix: str = "lesions") -> None:
    """Check the target / non-target selection with the RECIST engine (:func:`recist.validate_input`).

    At most 5 target lesions and 2 per organ (so at most 2 liver targets), a target >= 10 mm (a target
    node >= 15 mm short axis), unique lesion ids. Raises a pydantic error located at the lesion
    (``lesions.3`` or ``lesions.3.longest_diameter_mm``) with the engine's message.

    References
    ----------
    RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228) sections 3.1.1 and 4.2.
    """
    try:
        recist_validate_input(lesion_selection_input(lesions, _NOMINAL_DATE))
    except InputError as exc:
        raise field_error(
            _lesion_field(exc.field, lesions, field_prefix), exc.message, template=exc.template, params=exc.params
        ) from None


def planning_patient(baseline: BaselineForm, weight_kg: float | None = None, subject_id: str | None = None) -> Patient:
    """The input of :func:`haictrial.clinical.dosing.plan_cycle` from the baseline form.

    ``weight_kg`` replaces the baseline weight: the weight recorded at the previous HAIC cycle
    (``HaicCycleForm.weight_kg``) is the one the next cycle's BSA uses.
    """
    demo, molecular = baseline.demographics, baseline.molecular
    return Patient(
        subject_id=subject_id,
        sex=demo.sex,
        birth_date=demo.birth_date,
        height_cm=demo.height_cm,
        weight_kg=weight_kg if weight_kg is not None else demo.weight_kg,
        ecog=baseline.ecog,
        lvef_percent=baseline.lvef_percent,
        primary_tumor=PrimaryTumor(site=baseline.primary_tumour.site, resected=baseline.primary_tumour.resected),
        molecular=Molecular(kras=molecular.kras, nras=molecular.nras, braf=molecular.braf),
    )


__all__ = [
    "BaselineForm",
    "BaselineLesion",
    "Comorbidity",
    "ComorbidityCategory",
    "CouinaudSegment",
    "Demographics",
    "Histology",
    "ImagingModality",
    "MolecularProfile",
    "MsiStatus",
    "PrimaryTumour",
    "RecistRole",
    "Sidedness",
    "Spirometry",
    "TumourMarkers",
    "lesion_selection_input",
    "planning_patient",
    "primary_sidedness",
    "validate_lesion_selection",
]
