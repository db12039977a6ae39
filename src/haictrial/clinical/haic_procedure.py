"""Computations on the HAIC cycle and targeted-agent eCRFs: dose deviation, prefill from the plan, lab grading.

Public functions
----------------
- :func:`dose_deviation_percent(planned_mg, given_mg) -> float`: signed, (given - planned) / planned x 100.
- :func:`dose_deviation_reason_percent(protocol) -> float`: the protocol's threshold (site setting, 10 %).
- :func:`needs_deviation_reason(planned_mg, given_mg, threshold_percent) -> bool`: strictly more than the
  threshold away from the plan, either way (a deviation of exactly 10 % needs no reason).
- :func:`dose_deviations(cycle, protocol) -> list[DoseDeviation]` and
  :func:`targeted_agent_deviation(administration, protocol) -> DoseDeviation | None`: every recorded
  planned/given pair, with the deviation, whether a reason is needed and whether one is given.
- :func:`infusions_from_plan(plan) -> list[DrugInfusion]`: the HAIC drugs of a
  :func:`haictrial.clinical.dosing.plan_cycle` plan as infusion rows with the planned dose, dose level and
  the dose-modification reason filled in (the site records the given dose and times).
- :func:`targeted_agent_from_plan(plan) -> list[TargetedAgentAdministration]`: same, for the targeted agent.
- :func:`grade_pre_cycle_labs(cycle, protocol, sex=None, baseline=None, subject_id=None) -> CtcaeResult`:
  the pre-cycle labs graded with CTCAE v5.0 (:func:`haictrial.clinical.ctcae.grade_labs`).

References
----------
- Dose deviation threshold: protocol setting ``dose_deviation_reason_percent`` (CHALLENGE-A1 default 10 %);
  Fahrenbruch R et al., Dose rounding of biologic and cytotoxic anticancer agents: a position statement of
  the Hematology/Oncology Pharmacy Association, J Oncol Pract 2018 (doi:10.1200/JOP.2017.025411): changes
  <= 10 % are acceptable; > 10 % is the NCI clinical-trial audit deficiency threshold.
- CTCAE v5.0 (NCI, 27 Nov 2017) for the pre-cycle labs; docs/contracts/ctcae.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from pydantic import BaseModel, ConfigDict

from haictrial.clinical.crf_treatment import (
    HAIC_DRUGS,
    TARGETED_AGENTS,
    DrugInfusion,
    HaicCycleForm,
    InfusionComponent,
    TargetedAgentAdministration,
)
from haictrial.clinical.ctcae import GRADED_TESTS, CtcaeInput, CtcaeResult, LabResultInput, grade_labs
from haictrial.clinical.dose_modification import DoseSlot
from haictrial.clinical.dosing import Administration, CyclePlan
from haictrial.clinical.messages import N_
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug, Sex
from haictrial.vocabulary.units import Analyte, LabValue


def _exact(value: float, field: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError.of(N_("must be a number of mg (got {value})"), field, value=repr(value))
    try:
        return Fraction(repr(float(value)))
    except (ValueError, OverflowError):
        raise InputError.of(N_("must be a finite number of mg (got {value})"), field, value=repr(value)) from None


def _checked(planned_mg: float, given_mg: float) -> tuple[Fraction, Fraction]:
    planned, given = _exact(planned_mg, "planned_dose_mg"), _exact(given_mg, "given_dose_mg")
    if planned <= 0:
        raise InputError.of(N_("must be above 0 mg (got {value})"), "planned_dose_mg", value=repr(planned_mg))
    if given < 0:
        raise InputError.of(N_("cannot be negative (got {value})"), "given_dose_mg", value=repr(given_mg))
    return planned, given


def dose_deviation_percent(planned_mg: float, given_mg: float) -> float:
    """Signed deviation of the given dose from the planned dose, in percent of the planned dose.

    ``dose_deviation_percent(200, 180) == -10.0``; ``dose_deviation_percent(200, 0) == -100.0``.
    Computed in exact decimal arithmetic, so 10 % off is exactly 10.0. Raises :class:`InputError`
    naming ``planned_dose_mg`` (not above 0) or ``given_dose_mg`` (negative).
    """
    planned, given = _checked(planned_mg, given_mg)
    return float((given - planned) * 100 / planned)


def dose_deviation_reason_percent(protocol: Protocol) -> float:
    """The protocol's ``settings.dose_deviation_reason_percent`` (CHALLENGE-A1: 10 %); the protocol file is
    the one copy of the threshold."""
    return float(protocol.settings.dose_deviation_reason_percent.value)


def needs_deviation_reason(planned_mg: float, given_mg: float, threshold_percent: float) -> bool:
    """True when the given dose is MORE than ``threshold_percent`` above or below the planned dose.

    References
    ----------
    Protocol setting ``dose_deviation_reason_percent``; HOPA position statement (J Oncol Pract 2018): > 10 %.
    """
    planned, given = _checked(planned_mg, given_mg)
    threshold = _exact(threshold_percent, "dose_deviation_reason_percent")
    return abs(given - planned) * 100 > threshold * planned


class DoseDeviation(BaseModel):
    """One planned/given pair and what the rule says about it."""

    model_config = ConfigDict(frozen=True)

    field: str
    drug: Drug
    component: InfusionComponent | None
    planned_dose_mg: float
    given_dose_mg: float
    deviation_percent: float
    threshold_percent: float
    reason_required: bool
    reason: str | None

    @property
    def missing_reason(self) -> bool:
        return self.reason_required and not (self.reason and self.reason.strip())


def _deviation(
    field: str,
    drug: Drug,
    component: InfusionComponent | None,
    planned: float | None,
    given: float | None,
    reason: str | None,
    threshold: float,
) -> DoseDeviation | None:
    if planned is None or given is None:
        return None
    return DoseDeviation(
        field=field,
        drug=drug,
        component=component,
        planned_dose_mg=planned,
        given_dose_mg=given,
        deviation_percent=dose_deviation_percent(planned, given),
        threshold_percent=threshold,
        reason_required=needs_deviation_reason(planned, given, threshold),
        reason=reason,
    )


def dose_deviations(cycle: HaicCycleForm, protocol: Protocol) -> list[DoseDeviation]:
    """Every HAIC infusion with both a planned and a given dose; ``field`` is ``infusions[i]``."""
    threshold = dose_deviation_reason_percent(protocol)
    found = []
    for i, infusion in enumerate(cycle.infusions):
        item = _deviation(
            f"infusions[{i}]",
            infusion.drug,
            infusion.component,
            infusion.planned_dose_mg,
            infusion.given_dose_mg,
            infusion.deviation_reason,
            threshold,
        )
        if item is not None:
            found.append(item)
    return found


def targeted_agent_deviation(administration: TargetedAgentAdministration, protocol: Protocol) -> DoseDeviation | None:
    """The deviation of one targeted-agent dose, None when the planned or given dose is missing."""
    return _deviation(
        "",
        administration.drug,
        None,
        administration.planned_dose_mg,
        administration.given_dose_mg,
        administration.deviation_reason,
        dose_deviation_reason_percent(protocol),
    )


# --- prefill from the planning engine ---------------------------------------------------------------


def _slot(administration: Administration) -> DoseSlot:
    if administration.drug == Drug.fluorouracil and administration.component:
        return DoseSlot(f"fluorouracil_{administration.component}")
    return DoseSlot(administration.drug.value)


def _modification_text(plan: CyclePlan, slot: DoseSlot) -> str | None:
    reasons = [change.reason for change in plan.modifications.changes if change.slot == slot]
    return "; ".join(reasons) if reasons else None


def infusions_from_plan(plan: CyclePlan) -> list[DrugInfusion]:
    """The plan's hepatic arterial administrations as infusion rows, planned fields filled in.

    Drugs the plan holds or has discontinued are absent from the plan, so they have no row.
    """
    rows = []
    for administration in plan.administrations:
        if administration.drug not in HAIC_DRUGS:
            continue
        slot = _slot(administration)
        rows.append(
            DrugInfusion(
                drug=administration.drug,
                component=InfusionComponent(administration.component) if administration.component else None,
                planned_dose_mg=administration.dose_mg,
                planned_dose_level=administration.dose_level,
                planned_dose_modification=_modification_text(plan, slot),
            )
        )
    return rows


def targeted_agent_from_plan(plan: CyclePlan) -> list[TargetedAgentAdministration]:
    """The plan's targeted-agent doses (bevacizumab day 1; cetuximab on each cetuximab day)."""
    return [
        TargetedAgentAdministration(
            drug=administration.drug, cycle=plan.cycle, day=administration.day, planned_dose_mg=administration.dose_mg
        )
        for administration in plan.administrations
        if administration.drug in TARGETED_AGENTS
    ]


# --- pre-cycle labs ---------------------------------------------------------------------------------


def grade_pre_cycle_labs(
    cycle: HaicCycleForm,
    protocol: Protocol,
    sex: Sex | None = None,
    baseline: Mapping[Analyte | str, LabValue] | None = None,
    subject_id: str | None = None,
) -> CtcaeResult:
    """Grade the cycle's pre-cycle labs with CTCAE v5.0 (the eight graded tests; albumin and INR are not graded).

    ``baseline`` (e.g. the screening labs) lets ALT, AST and bilirubin be graded against an abnormal
    baseline as CTCAE v5.0 defines; ``sex`` chooses the protocol's sex-specific reference ranges.
    Raises :class:`InputError` naming ``pre_cycle_labs.date`` when values are given without their date.

    References
    ----------
    NCI CTCAE v5.0 (27 Nov 2017); :func:`haictrial.clinical.ctcae.grade_labs`; docs/contracts/ctcae.md.
    """
    labs = cycle.pre_cycle_labs
    reported = {name: lab for name, lab in labs.reported().items() if name in GRADED_TESTS}
    if reported and labs.date is None:
        raise InputError.of(N_("required to grade the pre-cycle labs"), "pre_cycle_labs.date")
    results = [
        LabResultInput(date=labs.date, test=name.value, value=lab.value, unit=lab.unit)
        for name, lab in reported.items()
        if labs.date is not None
    ]
    baseline_values = {
        Analyte(name).value: lab for name, lab in (baseline or {}).items() if Analyte(name) in GRADED_TESTS
    }
    document = CtcaeInput(subject_id=subject_id, sex=sex, baseline=baseline_values, results=results)
    return grade_labs(document, protocol)


__all__ = [
    "DoseDeviation",
    "dose_deviation_percent",
    "dose_deviation_reason_percent",
    "dose_deviations",
    "grade_pre_cycle_labs",
    "infusions_from_plan",
    "needs_deviation_reason",
    "targeted_agent_deviation",
    "targeted_agent_from_plan",
]
