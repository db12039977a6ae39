"""Screening a patient against the protocol's eligibility criteria (docs/contracts/screen.md).

The validator pattern (docs/architecture.md): one criterion object per registered id, I1-I8 and E1-E8, each with
``evaluate(patient, protocol) -> CriterionResult``; :func:`screen` runs all sixteen and reports every
failure and every unknown at once. Every number comes from ``protocol.eligibility.thresholds``, so a
different protocol file changes the verdicts without a code change.

Tri-state logic: a criterion passes, fails, or is unknown; an absent or null field is never assumed
normal. For an exclusion criterion ``pass`` means the patient is NOT excluded by it. The patient is
eligible when all sixteen pass, ineligible when any fails, and undecided (``None``) otherwise.

References
----------
- CHALLENGE-A1 registered record, ClinicalTrials.gov NCT06988852: inclusion I1-I8, exclusion E1-E8.
- RECIST 1.1 section 3.1.1 (Eisenhauer EA et al., Eur J Cancer 2009;45:228-247,
  doi:10.1016/j.ejca.2008.10.026): a measurable lesion has a longest diameter >= 10 mm (I5).
- Child-Pugh: :mod:`haictrial.clinical.child_pugh` (Pugh et al., Br J Surg 1973, doi:10.1002/bjs.1800600817) (I7).
"""

from __future__ import annotations

import calendar
import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from haictrial import __version__
from haictrial.clinical.child_pugh import ChildPugh, child_pugh_or_none
from haictrial.clinical.messages import N_, Param, ReasonPart, flatten, join, part
from haictrial.clinical.patient import Patient
from haictrial.protocol.schema import CriterionKind, EligibilityThresholds, LabLimit, Protocol
from haictrial.vocabulary.enums import HistoryCondition, PriorSystemicTreatment
from haictrial.vocabulary.units import Analyte, at_least, at_most, canonical_unit, normalise_unit

# --- results -------------------------------------------------------------------------------


class CriterionStatus(StrEnum):
    """Whether the patient passes a criterion; for an exclusion, PASS means not excluded by it."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


class CriterionResult(BaseModel):
    """The verdict on one criterion, with a sentence a clinician can read.

    ``missing`` lists the patient fields (dotted paths) whose absence leaves the criterion undecided;
    it is empty when the criterion passes or fails. ``reason`` is English; ``reason_parts`` and
    ``reason_template``/``reason_params`` let a user interface translate it
    (:mod:`haictrial.clinical.messages`): ``reason == reason_template.format(**reason_params)``.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    kind: CriterionKind
    status: CriterionStatus
    reason: str
    missing: list[str] = Field(default_factory=list)
    reason_template: str
    reason_params: dict[str, Param] = Field(default_factory=dict)
    reason_parts: list[ReasonPart]


class ScreeningResult(BaseModel):
    """The verdict on all sixteen criteria, with the Child-Pugh score and the protocol that produced it."""

    model_config = ConfigDict(frozen=True)

    subject_id: str | None
    eligible: bool | None = Field(description="True if all criteria pass, False if any fails, else None.")
    criteria: list[CriterionResult]
    child_pugh: ChildPugh | None
    missing: list[str] = Field(description="Fields whose absence leaves a criterion unknown, in criterion order.")
    protocol_id: str
    protocol_version: str
    engine_version: str = __version__

    def as_contract(self) -> dict[str, Any]:
        """The JSON document of docs/contracts/screen.md (plain values; Child-Pugh class as ``class``)."""
        return self.model_dump(mode="json")


# --- small helpers -------------------------------------------------------------------------


def age_in_years(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on ``on``: the age goes up on the birthday itself.

    A 29 February birthday is reached on 1 March in a common year.
    """
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def months_before(day: dt.date, months: int) -> dt.date:
    """The date ``months`` calendar months before ``day``, clamped to the month's last day.

    ``months_before(2026-11-20, 6)`` is 2026-05-20; ``months_before(2026-08-31, 6)`` is 2026-02-28.
    """
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _num(value: float) -> str:
    """A number as entered, without trailing zeros (6 significant digits at most)."""
    return f"{value:g}"


def _converted(value: float) -> str:
    """A value converted to another unit, to 2 decimals: 1.8 mg/dL bilirubin is '30.78' umol/L."""
    return f"{round(value, 2):g}"


def _unit(unit: str) -> str:
    """Unit for display: cell counts as 'x10^9/L'; the INR has none."""
    if normalise_unit(unit) == "ratio":
        return ""
    return f" x{unit}" if unit.startswith("10^") else f" {unit}"


_ANALYTE_NAMES = {
    Analyte.wbc: "WBC",
    Analyte.neutrophils: "neutrophils",
    Analyte.platelets: "platelets",
    Analyte.hemoglobin: "haemoglobin",
    Analyte.total_bilirubin: "total bilirubin",
    Analyte.albumin: "albumin",
    Analyte.inr: "INR",
    Analyte.alt: "ALT",
    Analyte.ast: "AST",
    Analyte.creatinine: "creatinine",
}


def _quantity(value: float, unit: str, analyte: Analyte, value_si: float, si_format: str = " ({})") -> str:
    """'62 x10^9/L', or '1.8 mg/dL (30.78 umol/L)' when the unit is not the SI one."""
    text = f"{_num(value)}{_unit(unit)}"
    si_unit = canonical_unit(analyte)
    if normalise_unit(unit) != normalise_unit(si_unit):
        text += si_format.format(f"{_converted(value_si)}{_unit(si_unit)}".strip())
    return text


def _words(values: Iterable[str]) -> str:
    return ", ".join(v.replace("_", " ") for v in values)


#: English vocabulary passed in ``*_term(s)`` parameters, marked for the catalogue (the boundary
#: translates it; drug names, units and codes are never in it).
TERMS = (
    N_("WBC"),
    N_("neutrophils"),
    N_("platelets"),
    N_("haemoglobin"),
    N_("total bilirubin"),
    N_("albumin"),
    N_("INR"),
    N_("ALT"),
    N_("AST"),
    N_("creatinine"),
    N_("chemotherapy"),
    N_("anesthesia"),
    N_("surgery"),
    N_("resection"),
    N_("ablation"),
    N_("radiation"),
    N_("cerebral infarction"),
    N_("cerebral hemorrhage"),
    N_("gastrointestinal hemorrhage"),
    N_("gastrointestinal perforation"),
    N_("coagulation disorder"),
    N_("gastrointestinal ulcer"),
)


@dataclass(frozen=True)
class _Part:
    """One checked element of a criterion (one lab, one organ function, one history entry)."""

    status: CriterionStatus
    reason: ReasonPart
    missing: tuple[str, ...] = field(default=())


def _missing(label: str, path: str) -> _Part:
    return _Part(CriterionStatus.UNKNOWN, part(N_("{label} not reported"), label=label), (path,))


# --- the criterion interface ---------------------------------------------------------------


class EligibilityCriterion(ABC):
    """One registered criterion; :meth:`evaluate` reads thresholds only from the protocol."""

    id: ClassVar[str]
    kind: ClassVar[CriterionKind]

    @abstractmethod
    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        """The verdict on this criterion for ``patient`` under ``protocol``."""

    def result(
        self, status: CriterionStatus, reason: ReasonPart | Sequence[ReasonPart], missing: Sequence[str] = ()
    ) -> CriterionResult:
        """The result, its English reason rendered from the translatable ``reason`` part(s)."""
        parts = [reason] if isinstance(reason, ReasonPart) else list(reason)
        template, params = flatten(parts)
        return CriterionResult(
            id=self.id,
            kind=self.kind,
            status=status,
            reason=join(parts),
            missing=list(missing),
            reason_template=template,
            reason_params=params,
            reason_parts=parts,
        )

    def combine(self, parts: Sequence[_Part]) -> CriterionResult:
        """All parts must pass: any failure fails, else any unknown is unknown; the reason says why."""
        failed = [p for p in parts if p.status == CriterionStatus.FAIL]
        if failed:
            return self.result(CriterionStatus.FAIL, [p.reason for p in failed])
        unknown = [p for p in parts if p.status == CriterionStatus.UNKNOWN]
        if unknown:
            missing = [m for p in unknown for m in p.missing]
            return self.result(CriterionStatus.UNKNOWN, [p.reason for p in unknown], missing)
        return self.result(CriterionStatus.PASS, [p.reason for p in parts])


def _lookup(patient: Patient, path: str) -> Any:
    value: Any = patient
    for name in path.split("."):
        value = getattr(value, name)
    return value


class _YesNoCriterion(EligibilityCriterion):
    """A criterion decided by one boolean field: PASS when it equals ``pass_when``."""

    path: ClassVar[str]
    pass_when: ClassVar[bool]
    pass_text: ClassVar[str]
    fail_text: ClassVar[str]

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        value = _lookup(patient, self.path)
        if value is None:
            return self.result(CriterionStatus.UNKNOWN, part(N_("{field} not reported"), field=self.path), [self.path])
        if value is self.pass_when:
            return self.result(CriterionStatus.PASS, part(self.pass_text))
        return self.result(CriterionStatus.FAIL, part(self.fail_text))


class _NoneListedCriterion(EligibilityCriterion):
    """An exclusion decided by a list: null is unknown, an empty list passes, any entry fails."""

    kind = CriterionKind.exclusion
    path: ClassVar[str]
    pass_text: ClassVar[str]
    #: The failure, with the entries in ``{items}`` (data: drug names) or ``{items_terms}`` (vocabulary).
    fail_template: ClassVar[str]

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        entries = _lookup(patient, self.path)
        if entries is None:
            reason = part(N_("{field} not reported (an empty list means none)"), field=self.path)
            return self.result(CriterionStatus.UNKNOWN, reason, [self.path])
        if entries:
            key = "items_terms" if "{items_terms}" in self.fail_template else "items"
            return self.result(
                CriterionStatus.FAIL, part(self.fail_template, **{key: _words(e.value for e in entries)})
            )
        return self.result(CriterionStatus.PASS, part(self.pass_text))


# --- inclusion -----------------------------------------------------------------------------


class AgeCriterion(EligibilityCriterion):
    """I1: age within ``I1_age`` (18-75 years), on the screening date.

    The age is computed from ``birth_date`` and ``screening_date`` (completed years) when both are
    given, else taken from ``age_years``. References: NCT06988852 inclusion I1.
    """

    id = "I1"
    kind = CriterionKind.inclusion

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        limits = protocol.eligibility.thresholds.I1_age
        notes: list[ReasonPart] = []
        if patient.birth_date is not None and patient.screening_date is not None:
            age = age_in_years(patient.birth_date, patient.screening_date)
            if patient.age_years is not None:
                template = N_("computed from birth_date and screening_date, age_years {age_years} not used")
                notes.append(part(template, age_years=patient.age_years))
        elif patient.age_years is not None:
            age = patient.age_years
            if patient.birth_date is not None:
                notes.append(part(N_("from age_years (screening_date not reported, so birth_date cannot be used)")))
        else:
            need = "screening_date or age_years" if patient.birth_date is not None else "birth_date or age_years"
            return self.result(
                CriterionStatus.UNKNOWN, part(N_("age unknown: {fields} not reported"), fields=need), [need]
            )
        window = {"age": age, "min_years": limits.min_years, "max_years": limits.max_years}
        if limits.min_years <= age <= limits.max_years:
            return self.result(
                CriterionStatus.PASS, [part(N_("age {age} years ({min_years}-{max_years})"), **window), *notes]
            )
        return self.result(
            CriterionStatus.FAIL, [part(N_("age {age} years, outside {min_years}-{max_years}"), **window), *notes]
        )


class NoOtherMalignancyCriterion(_YesNoCriterion):
    """I2: no history of other malignancy. References: NCT06988852 inclusion I2."""

    id = "I2"
    kind = CriterionKind.inclusion
    path = "other_malignancy_history"
    pass_when = False
    pass_text = N_("no history of other malignancy")
    fail_text = N_("history of another malignancy")


class PriorSystemicTreatmentCriterion(EligibilityCriterion):
    """I3: refused, or progressed on, prior systemic treatment. References: NCT06988852 inclusion I3."""

    id = "I3"
    kind = CriterionKind.inclusion
    _PASSING = (PriorSystemicTreatment.progressed, PriorSystemicTreatment.refused)
    _TEXT = {
        PriorSystemicTreatment.progressed: N_("progressed on prior systemic treatment"),
        PriorSystemicTreatment.refused: N_("refused systemic treatment"),
        PriorSystemicTreatment.none: N_("no prior systemic treatment, neither refused nor progressed"),
        PriorSystemicTreatment.ongoing_response: N_("responding to ongoing systemic treatment"),
    }

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        value = patient.prior_systemic_treatment
        if value is None:
            path = "prior_systemic_treatment"
            return self.result(CriterionStatus.UNKNOWN, part(N_("{field} not reported"), field=path), [path])
        status = CriterionStatus.PASS if value in self._PASSING else CriterionStatus.FAIL
        return self.result(status, part(self._TEXT[value]))


class PathologyConfirmedCriterion(_YesNoCriterion):
    """I4: colorectal liver metastases confirmed by pathology. References: NCT06988852 inclusion I4."""

    id = "I4"
    kind = CriterionKind.inclusion
    path = "pathology_confirmed_crlm"
    pass_when = True
    pass_text = N_("CRLM confirmed by pathology")
    fail_text = N_("CRLM not confirmed by pathology")


class MeasurableLesionCriterion(EligibilityCriterion):
    """I5: at least one measurable liver lesion, longest diameter >= ``I5_measurable_min_mm``.

    An empty lesion list fails; a null list is unknown; a lesion of unreported size makes the criterion
    unknown only when no other lesion is measurable.

    References: NCT06988852 inclusion I5; RECIST 1.1 section 3.1.1 (doi:10.1016/j.ejca.2008.10.026).
    """

    id = "I5"
    kind = CriterionKind.inclusion

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        min_mm = protocol.eligibility.thresholds.I5_measurable_min_mm
        lesions = patient.liver_lesions
        if lesions is None:
            reason = part(N_("{field} not reported"), field="liver_lesions")
            return self.result(CriterionStatus.UNKNOWN, reason, ["liver_lesions"])
        if not lesions:
            return self.result(CriterionStatus.FAIL, part(N_("no liver lesion reported")))
        measurable = [
            f"{les.id} {_num(les.longest_diameter_mm)} mm"
            for les in lesions
            if les.longest_diameter_mm is not None and at_least(les.longest_diameter_mm, min_mm)
        ]
        if measurable:
            if len(measurable) == 1:
                reason = part(
                    N_("1 measurable lesion (>= {min_mm:g} mm): {lesions}"), min_mm=min_mm, lesions=measurable[0]
                )
            else:
                template = N_("{count} measurable lesions (>= {min_mm:g} mm): {lesions}")
                reason = part(template, count=len(measurable), min_mm=min_mm, lesions=", ".join(measurable))
            return self.result(CriterionStatus.PASS, reason)
        unsized = [
            f"liver_lesions[{i}].longest_diameter_mm"
            for i, les in enumerate(lesions)
            if les.longest_diameter_mm is None
        ]
        if unsized:
            names = ", ".join(les.id for les in lesions if les.longest_diameter_mm is None)
            template = N_("no lesion measured >= {min_mm:g} mm; size of {lesions} not reported")
            return self.result(CriterionStatus.UNKNOWN, part(template, min_mm=min_mm, lesions=names), unsized)
        largest = max(lesions, key=lambda les: les.longest_diameter_mm or 0.0)
        assert largest.longest_diameter_mm is not None
        template = N_("no measurable lesion: largest {lesion} {diameter_mm:g} mm, below {min_mm:g} mm")
        reason = part(template, lesion=largest.id, diameter_mm=largest.longest_diameter_mm, min_mm=min_mm)
        return self.result(CriterionStatus.FAIL, reason)


class OrganFunctionCriterion(EligibilityCriterion):
    """I6: LVEF >= 45 %, FEV1/FVC >= 60 %, ECOG 0-1 (``I6_organ_function``).

    References: NCT06988852 inclusion I6.
    """

    id = "I6"
    kind = CriterionKind.inclusion

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        limits = protocol.eligibility.thresholds.I6_organ_function
        parts = [
            self._minimum("LVEF", "lvef_percent", patient.lvef_percent, limits.lvef_min_percent),
            self._minimum("FEV1/FVC", "fev1_fvc_percent", patient.fev1_fvc_percent, limits.fev1_fvc_min_percent),
        ]
        if patient.ecog is None:
            parts.append(_missing("ECOG", "ecog"))
        elif patient.ecog <= limits.ecog_max:
            reason = part(N_("ECOG {ecog} (0-{ecog_max})"), ecog=patient.ecog, ecog_max=limits.ecog_max)
            parts.append(_Part(CriterionStatus.PASS, reason))
        else:
            reason = part(N_("ECOG {ecog}, above {ecog_max}"), ecog=patient.ecog, ecog_max=limits.ecog_max)
            parts.append(_Part(CriterionStatus.FAIL, reason))
        return self.combine(parts)

    @staticmethod
    def _minimum(label: str, path: str, value: float | None, minimum: float) -> _Part:
        if value is None:
            return _missing(label, path)
        values: dict[str, Param] = {"label": label, "value": value, "minimum": minimum}
        if at_least(value, minimum):
            return _Part(CriterionStatus.PASS, part(N_("{label} {value:g} % (>= {minimum:g} %)"), **values))
        return _Part(CriterionStatus.FAIL, part(N_("{label} {value:g} % below {minimum:g} %"), **values))


#: Child-Pugh components and the patient fields they come from.
CHILD_PUGH_FIELDS = ("labs.total_bilirubin", "labs.albumin", "labs.inr", "ascites", "hepatic_encephalopathy")


def patient_child_pugh(patient: Patient) -> tuple[ChildPugh | None, list[str]]:
    """The patient's Child-Pugh score, or None with the missing component fields."""
    labs = patient.labs
    bilirubin, albumin, inr = labs.si(Analyte.total_bilirubin), labs.si(Analyte.albumin), labs.si(Analyte.inr)
    values = (bilirubin, albumin, inr, patient.ascites, patient.hepatic_encephalopathy)
    missing = [path for path, value in zip(CHILD_PUGH_FIELDS, values, strict=True) if value is None]
    return child_pugh_or_none(bilirubin, albumin, inr, patient.ascites, patient.hepatic_encephalopathy), missing


class ChildPughCriterion(EligibilityCriterion):
    """I7: Child-Pugh class in ``I7_child_pugh_classes`` (class A).

    References: NCT06988852 inclusion I7; Pugh et al., Br J Surg 1973 (doi:10.1002/bjs.1800600817).
    """

    id = "I7"
    kind = CriterionKind.inclusion

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        allowed = protocol.eligibility.thresholds.I7_child_pugh_classes
        score, missing = patient_child_pugh(patient)
        if score is None:
            reason = part(N_("Child-Pugh score unknown: {fields} not reported"), fields=", ".join(missing))
            return self.result(CriterionStatus.UNKNOWN, reason, missing)
        template = N_("Child-Pugh {child_pugh_class} ({score} points)")
        text = part(template, child_pugh_class=score.child_pugh_class, score=score.score)
        if score.child_pugh_class in allowed:
            return self.result(CriterionStatus.PASS, text)
        required = part(N_("class {classes} required"), classes=" or ".join(allowed))
        return self.result(CriterionStatus.FAIL, [text, required])


class LaboratoryCriterion(EligibilityCriterion):
    """I8: screening laboratory values within ``I8_labs``, compared in SI units.

    WBC >= 3.0, neutrophils >= 1.5, platelets >= 75 (10^9/L), total bilirubin <= 30 umol/L,
    ALT and AST <= 200 U/L, creatinine <= 150 umol/L. A value on the limit passes.

    References: NCT06988852 inclusion I8; units per docs/contracts/screen.md (:mod:`haictrial.vocabulary.units`).
    """

    id = "I8"
    kind = CriterionKind.inclusion

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        return self.combine([lab_limit_part(patient, limit) for limit in protocol.eligibility.thresholds.I8_labs])


def _limit_text(value: float, limit: LabLimit, value_si: float) -> str:
    """A protocol limit in its own unit, with its SI value when that differs: '1.5 mg/dL = 25.65 umol/L'."""
    return _quantity(value, limit.unit, limit.test, value_si, si_format=" = {}")


def lab_limit_part(patient: Patient, limit: LabLimit) -> _Part:
    """One lab against one protocol limit: 'platelets 62 x10^9/L below 75 x10^9/L'."""
    analyte = limit.test
    name = _ANALYTE_NAMES[analyte]
    lab = getattr(patient.labs, analyte.value)
    if lab is None:
        path = f"labs.{analyte.value}"
        return _Part(CriterionStatus.UNKNOWN, part(N_("{analyte_term} not reported"), analyte_term=name), (path,))
    value_si = lab.si(analyte)
    shown: dict[str, Param] = {"analyte_term": name, "value": _quantity(lab.value, lab.unit, analyte, value_si)}
    bounds = []
    low_si, high_si = limit.min_si(), limit.max_si()
    if limit.min is not None and low_si is not None:
        low = _limit_text(limit.min, limit, low_si)
        if not at_least(value_si, low_si):
            return _Part(CriterionStatus.FAIL, part(N_("{analyte_term} {value} below {limit}"), **shown, limit=low))
        bounds.append(f">= {low}")
    if limit.max is not None and high_si is not None:
        high = _limit_text(limit.max, limit, high_si)
        if not at_most(value_si, high_si):
            return _Part(CriterionStatus.FAIL, part(N_("{analyte_term} {value} above {limit}"), **shown, limit=high))
        bounds.append(f"<= {high}")
    return _Part(CriterionStatus.PASS, part(N_("{analyte_term} {value} ({limits})"), **shown, limits=", ".join(bounds)))


# --- exclusion -----------------------------------------------------------------------------


class ExtrahepaticMetastasisCriterion(_YesNoCriterion):
    """E1: extrahepatic metastasis excludes. References: NCT06988852 exclusion E1."""

    id = "E1"
    kind = CriterionKind.exclusion
    path = "extrahepatic_metastasis"
    pass_when = False
    pass_text = N_("no extrahepatic metastasis")
    fail_text = N_("extrahepatic metastasis")


class IntoleranceCriterion(_NoneListedCriterion):
    """E2: unable to tolerate chemotherapy, anaesthesia or surgery. References: NCT06988852 exclusion E2."""

    id = "E2"
    path = "unable_to_tolerate"
    pass_text = N_("able to tolerate chemotherapy, anaesthesia and surgery")
    fail_template = N_("unable to tolerate: {items_terms}")


class DrugAllergyCriterion(_NoneListedCriterion):
    """E3: allergy or intolerance to a study drug. References: NCT06988852 exclusion E3."""

    id = "E3"
    path = "allergies"
    pass_text = N_("no allergy to oxaliplatin, leucovorin, fluorouracil, bevacizumab or cetuximab")
    fail_template = N_("allergy or intolerance to: {items}")


class PeritonealSpreadCriterion(_YesNoCriterion):
    """E4: peritoneal spread excludes. References: NCT06988852 exclusion E4."""

    id = "E4"
    kind = CriterionKind.exclusion
    path = "peritoneal_spread"
    pass_when = False
    pass_text = N_("no peritoneal spread")
    fail_text = N_("peritoneal spread")


class MedicalHistoryCriterion(EligibilityCriterion):
    """E5: recent cerebrovascular or GI bleeding/perforation events; coagulation disorder or GI ulcer.

    A condition in ``E5_recent_conditions`` excludes when dated on or after the date
    ``E5_recent_event_months`` calendar months before ``screening_date`` (6 months: an event on
    2026-05-20 is within 6 months of a screening on 2026-11-20, one on 2026-05-19 is not). An undated
    recent-type entry is unknown (it may be recent), as is a dated one without a screening date. A
    condition in ``E5_any_time_conditions`` excludes whatever its date.

    References: NCT06988852 exclusion E5.
    """

    id = "E5"
    kind = CriterionKind.exclusion

    def evaluate(self, patient: Patient, protocol: Protocol) -> CriterionResult:
        thresholds = protocol.eligibility.thresholds
        months = thresholds.E5_recent_event_months
        history = patient.medical_history
        if history is None:
            reason = part(N_("{field} not reported (an empty list means none)"), field="medical_history")
            return self.result(CriterionStatus.UNKNOWN, reason, ["medical_history"])
        screening = patient.screening_date
        cutoff = months_before(screening, months) if screening is not None else None
        parts: list[_Part] = []
        for i, entry in enumerate(history):
            parts.append(self._entry(i, entry.condition, entry.date, cutoff, months, thresholds))
        if not parts:
            return self.result(CriterionStatus.PASS, part(N_("no excluding medical history")))
        result = self.combine(parts)
        if result.status == CriterionStatus.PASS:
            first, *rest = result.reason_parts
            prefixed = part(_PREFIXED[first.template], **first.params)
            return self.result(CriterionStatus.PASS, [prefixed, *rest])
        return result

    @staticmethod
    def _entry(
        index: int,
        condition: HistoryCondition,
        date: dt.date | None,
        cutoff: dt.date | None,
        months: int,
        thresholds: EligibilityThresholds,
    ) -> _Part:
        name = condition.value.replace("_", " ")
        if condition.value in thresholds.E5_any_time_conditions:
            if date is None:
                return _Part(
                    CriterionStatus.FAIL, part(N_("{condition_term}: excluded at any date"), condition_term=name)
                )
            template = N_("{condition_term} ({date}): excluded at any date")
            return _Part(CriterionStatus.FAIL, part(template, condition_term=name, date=date.isoformat()))
        if condition.value not in thresholds.E5_recent_conditions:
            return _Part(CriterionStatus.PASS, part(_NOT_AN_EXCLUSION, condition_term=name))
        if date is None:
            path = f"medical_history[{index}].date"
            template = N_("{condition_term} undated (may be within {months} months)")
            return _Part(CriterionStatus.UNKNOWN, part(template, condition_term=name, months=months), (path,))
        if cutoff is None:
            template = N_("{condition_term} on {date}: screening_date not reported")
            return _Part(
                CriterionStatus.UNKNOWN, part(template, condition_term=name, date=date.isoformat()), ("screening_date",)
            )
        when: dict[str, Param] = {"condition_term": name, "date": date.isoformat(), "months": months}
        if date >= cutoff:
            template = N_("{condition_term} on {date}, within {months} months (since {cutoff})")
            return _Part(CriterionStatus.FAIL, part(template, **when, cutoff=cutoff.isoformat()))
        return _Part(CriterionStatus.PASS, part(_LONG_AGO, **when))


_NOT_AN_EXCLUSION = N_("{condition_term} is not an exclusion under this protocol")
_LONG_AGO = N_("{condition_term} on {date}, more than {months} months before screening")
#: E5 passes with history: the first entry's sentence carries the "no excluding medical history: " prefix.
_PREFIXED = {
    _NOT_AN_EXCLUSION: N_("no excluding medical history: {condition_term} is not an exclusion under this protocol"),
    _LONG_AGO: N_(
        "no excluding medical history: {condition_term} on {date}, more than {months} months before screening"
    ),
}


class PrimaryResectableCriterion(_YesNoCriterion):
    """E6: the primary tumour may not be completely resected. References: NCT06988852 exclusion E6."""

    id = "E6"
    kind = CriterionKind.exclusion
    path = "primary_tumor.completely_resectable"
    pass_when = True
    pass_text = N_("primary tumour can be completely resected")
    fail_text = N_("primary tumour may not be completely resected")


class PriorLiverTreatmentCriterion(_NoneListedCriterion):
    """E7: prior resection, ablation or radiation of CRLM. References: NCT06988852 exclusion E7."""

    id = "E7"
    path = "prior_liver_directed_treatment"
    pass_text = N_("no prior resection, ablation or radiation of the liver metastases")
    fail_template = N_("prior liver-directed treatment: {items_terms}")


class CompleteDataCriterion(_YesNoCriterion):
    """E8: incomplete clinical data excludes. References: NCT06988852 exclusion E8."""

    id = "E8"
    kind = CriterionKind.exclusion
    path = "data_complete"
    pass_when = True
    pass_text = N_("clinical data complete")
    fail_text = N_("clinical data incomplete")


#: The sixteen criteria in registered order, I1-I8 then E1-E8.
CRITERIA: tuple[EligibilityCriterion, ...] = (
    AgeCriterion(),
    NoOtherMalignancyCriterion(),
    PriorSystemicTreatmentCriterion(),
    PathologyConfirmedCriterion(),
    MeasurableLesionCriterion(),
    OrganFunctionCriterion(),
    ChildPughCriterion(),
    LaboratoryCriterion(),
    ExtrahepaticMetastasisCriterion(),
    IntoleranceCriterion(),
    DrugAllergyCriterion(),
    PeritonealSpreadCriterion(),
    MedicalHistoryCriterion(),
    PrimaryResectableCriterion(),
    PriorLiverTreatmentCriterion(),
    CompleteDataCriterion(),
)


def verdict(results: Sequence[CriterionResult]) -> bool | None:
    """True if every criterion passes, False if any fails, None otherwise."""
    statuses = {r.status for r in results}
    if CriterionStatus.FAIL in statuses:
        return False
    if statuses == {CriterionStatus.PASS}:
        return True
    return None


def screen(patient: Patient, protocol: Protocol) -> ScreeningResult:
    """Evaluate all sixteen criteria of ``protocol`` for ``patient`` and report every result.

    References: NCT06988852 eligibility criteria I1-I8 and E1-E8; docs/contracts/screen.md.
    """
    results = [criterion.evaluate(patient, protocol) for criterion in CRITERIA]
    missing = list(dict.fromkeys(path for r in results for path in r.missing))
    score, _ = patient_child_pugh(patient)
    return ScreeningResult(
        subject_id=patient.subject_id,
        eligible=verdict(results),
        criteria=results,
        child_pugh=score,
        missing=missing,
        protocol_id=protocol.protocol_id,
        protocol_version=protocol.version,
    )
