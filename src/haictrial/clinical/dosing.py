"""One treatment cycle of HAIC-FOLFOX plus the targeted agent, dosed for one patient.

Every number comes from the protocol file: the regimen (doses per m2 or per kg, route, day, hours
from the start of the cycle), the cetuximab days (site setting ``cetuximab_days``), the dose levels
and rules of ``settings.dose_modification``. Doses are computed from the unrounded body surface area
and rounded to 0.1 mg; the BSA is shown rounded to 0.01 m2 (contracts/README.md). The pump rate of
the continuous infusion is its rounded dose divided by its duration, to 0.01 mg/h (and mL/h when the
concentration of the prepared infusion is given).

References
----------
- CHALLENGE-A1, ClinicalTrials.gov NCT06988852 (registered interventions); docs/contracts/plan.md.
- Cetuximab prescribing information: 400 mg/m2 initial dose, then 250 mg/m2 weekly.
- Bevacizumab prescribing information: 7.5 mg/kg every 3 weeks.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from haictrial import __version__
from haictrial.clinical.bsa import WEIGHT_KG_RANGE, BsaFormula, body_surface_area, checked_measure
from haictrial.clinical.dose_modification import (
    DoseModificationPlan,
    DoseSlot,
    ToxicityHistory,
    dose_levels,
    plan_modifications,
)
from haictrial.clinical.messages import N_, ReasonPart
from haictrial.clinical.patient import Patient
from haictrial.clinical.regimen import choose_targeted_agent
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol, Route
from haictrial.vocabulary.enums import Drug


def round_half_up(value: float | Decimal, places: int) -> float:
    """``value`` rounded to ``places`` decimals, halves away from zero (437.25 -> 437.3, not banker's)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def dose_mg(per_unit: float, amount: float) -> float:
    """``per_unit`` (mg/m2 or mg/kg) x ``amount`` (m2 or kg), in decimal arithmetic, rounded to 0.1 mg.

    Decimal, so that 7.5 mg/kg x 58.3 kg is exactly 437.25 and rounds to 437.3 mg.
    """
    return round_half_up(Decimal(repr(float(per_unit))) * Decimal(repr(float(amount))), 1)


def _number(value: float) -> float | int:
    """0.0 -> 0 and 2.0 -> 2 for hours and days in JSON; other values unchanged."""
    return int(value) if float(value).is_integer() else value


class Administration(BaseModel):
    """One drug given on one day of the cycle; hours from the start of the cycle (day 1, 0 h)."""

    model_config = ConfigDict(frozen=True)

    drug: Drug
    component: str | None = Field(None, description="'bolus' or 'infusion' for fluorouracil.")
    route: Route
    dose_mg: float = Field(description="Rounded to 0.1 mg.")
    day: int
    start_h: float | None = None
    end_h: float | None = None
    rate_mg_per_h: float | None = Field(None, description="Pump rate of a continuous infusion, 0.01 mg/h.")
    rate_ml_per_h: float | None = Field(None, description="Pump rate in mL/h, when the concentration is given.")
    volume_ml: float | None = Field(
        None, description="Volume of the prepared infusion, when the concentration is given."
    )
    prescribed_dose: float = Field(description="The protocol dose in dose_unit (per m2 or per kg).")
    dose_unit: str
    dose_level: int = Field(0, description="Dose level of settings.dose_modification (0 = full dose).")
    dose_basis: str = Field(description="How dose_mg was computed, e.g. '130 mg/m2 x 1.6225 m2'.")
    loading_dose: bool = Field(
        False, description="The cetuximab loading dose (first administration of cycle 1, regimen.cetuximab)."
    )

    def as_contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {"drug": self.drug.value}
        if self.component is not None:
            out["component"] = self.component
        out.update(route=self.route.value, dose_mg=self.dose_mg, day=self.day)
        for name in ("start_h", "end_h"):
            value = getattr(self, name)
            if value is not None:
                out[name] = _number(value)
        for name in ("rate_mg_per_h", "rate_ml_per_h", "volume_ml"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(
            prescribed_dose=_number(self.prescribed_dose),
            dose_unit=self.dose_unit,
            dose_level=self.dose_level,
            dose_basis=self.dose_basis,
        )
        return out


class CyclePlan(BaseModel):
    """One cycle of treatment for one patient, with the protocol version that produced it."""

    model_config = ConfigDict(frozen=True)

    subject_id: str | None
    cycle: int
    cycle_length_days: int
    height_cm: float
    weight_kg: float
    bsa_m2_unrounded: float
    bsa_formula: BsaFormula
    targeted_agent: Drug | None
    targeted_agent_reason: str
    right_sided: bool | None
    administrations: list[Administration]
    modifications: DoseModificationPlan
    fu_concentration_mg_per_ml: float | None = None
    protocol_id: str
    protocol_version: str
    engine_version: str = __version__
    #: ``targeted_agent_reason`` as translatable parts (:mod:`haictrial.clinical.messages`).
    targeted_agent_reason_parts: list[ReasonPart] = Field(default_factory=list)

    @property
    def bsa_m2(self) -> float:
        """BSA as shown: rounded to 0.01 m2."""
        return round_half_up(self.bsa_m2_unrounded, 2)

    @property
    def delayed(self) -> bool:
        return self.modifications.delay is not None

    def as_contract(self) -> dict[str, Any]:
        """The ``haictrial plan --format json`` document (docs/contracts/plan.md), with extras after."""
        mods = self.modifications
        delay = None
        if mods.delay is not None:
            delay = {
                "delayed": True,
                "until_grade": mods.delay.until_grade,
                "max_delay_days": mods.delay.max_delay_days,
                "reason": mods.delay.reason,
                "reason_parts": [p.model_dump(mode="json") for p in mods.delay.reason_parts],
            }
        return {
            "subject_id": self.subject_id,
            "cycle": self.cycle,
            "cycle_length_days": self.cycle_length_days,
            "bsa_m2": self.bsa_m2,
            "bsa_formula": self.bsa_formula.value,
            "targeted_agent": None if self.targeted_agent is None else self.targeted_agent.value,
            "targeted_agent_reason": self.targeted_agent_reason,
            "administrations": [a.as_contract() for a in self.administrations],
            "height_cm": self.height_cm,
            "weight_kg": self.weight_kg,
            "bsa_m2_unrounded": round_half_up(self.bsa_m2_unrounded, 4),
            "right_sided": self.right_sided,
            "fu_concentration_mg_per_ml": self.fu_concentration_mg_per_ml,
            "delay": delay,
            "modifications": [change.as_dict() for change in mods.changes],
            "protocol_id": self.protocol_id,
            "protocol_version": self.protocol_version,
            "engine_version": self.engine_version,
            "targeted_agent_reason_parts": [p.model_dump(mode="json") for p in self.targeted_agent_reason_parts],
        }


def _slot(drug: Drug, component: str | None) -> DoseSlot:
    return DoseSlot(f"{drug.value}_{component}" if drug == Drug.fluorouracil and component else drug.value)


def _per_unit_dose(slot: DoseSlot, base: float, level: int, protocol: Protocol) -> float:
    if level == 0:
        return base
    return dose_levels(slot, protocol, rule="dose modification")[level]


def plan_cycle(
    patient: Patient,
    protocol: Protocol,
    cycle: int = 1,
    bsa_formula: BsaFormula | str = BsaFormula.mosteller,
    toxicity_history: ToxicityHistory | None = None,
    fu_concentration_mg_per_ml: float | None = None,
) -> CyclePlan:
    """Dose cycle ``cycle`` of the protocol's regimen for ``patient``.

    Raises :class:`InputError` naming ``height_cm``/``weight_kg`` (missing or outside 100-250 cm /
    25-250 kg), ``cycle`` (below 1) or ``fu_concentration_mg_per_ml`` (not positive), and for a
    toxicity history that names an unknown term (see :mod:`haictrial.clinical.dose_modification`).

    References
    ----------
    NCT06988852 registered regimen; docs/contracts/plan.md; protocol sections ``regimen``,
    ``targeted_agent``, ``settings.cetuximab_days`` and ``settings.dose_modification``.
    """
    if isinstance(cycle, bool) or not isinstance(cycle, int) or cycle < 1:
        raise InputError.of(N_("must be a whole number >= 1 (got {value})"), "cycle", value=repr(cycle))
    if fu_concentration_mg_per_ml is not None and not fu_concentration_mg_per_ml > 0:
        raise InputError.of(
            N_("must be above 0 mg/mL (got {value})"),
            "fu_concentration_mg_per_ml",
            value=repr(fu_concentration_mg_per_ml),
        )
    bsa = body_surface_area(patient.height_cm, patient.weight_kg, bsa_formula)
    formula = BsaFormula(bsa_formula)
    weight = checked_measure(patient.weight_kg, "weight_kg", WEIGHT_KG_RANGE, "kg")
    assert patient.height_cm is not None

    choice = choose_targeted_agent(patient, protocol)
    regimen = protocol.regimen
    drugs = {c.drug for c in regimen.chemotherapy} | ({choice.agent} if choice.agent else set())
    mods = plan_modifications(toxicity_history, cycle, protocol, drugs, subject_id=patient.subject_id)

    administrations: list[Administration] = []
    for component in regimen.chemotherapy:
        slot = _slot(component.drug, component.component)
        if not mods.is_given(slot):
            continue
        level = mods.level(slot)
        per_m2 = _per_unit_dose(slot, component.dose, level, protocol)
        dose = dose_mg(per_m2, bsa)
        rate = rate_ml = volume = None
        duration = component.end_h - component.start_h
        if component.component == "infusion" and duration > 0:
            rate = round_half_up(dose / duration, 2)
            if fu_concentration_mg_per_ml is not None:
                volume = round_half_up(dose / fu_concentration_mg_per_ml, 1)
                rate_ml = round_half_up(dose / fu_concentration_mg_per_ml / duration, 2)
        administrations.append(
            Administration(
                drug=component.drug,
                component=component.component,
                route=component.route,
                dose_mg=dose,
                day=component.day,
                start_h=component.start_h,
                end_h=component.end_h,
                rate_mg_per_h=rate,
                rate_ml_per_h=rate_ml,
                volume_ml=volume,
                prescribed_dose=per_m2,
                dose_unit=component.dose_unit.value,
                dose_level=level,
                dose_basis=f"{per_m2:g} {component.dose_unit.value} x {bsa:.4f} m2",
            )
        )

    if choice.agent == Drug.bevacizumab and mods.is_given(DoseSlot.bevacizumab):
        bev = regimen.bevacizumab
        for day in bev.days:
            administrations.append(
                Administration(
                    drug=Drug.bevacizumab,
                    route=bev.route,
                    dose_mg=dose_mg(bev.dose, weight),
                    day=day,
                    prescribed_dose=bev.dose,
                    dose_unit=bev.dose_unit.value,
                    dose_basis=f"{bev.dose:g} {bev.dose_unit.value} x {weight:g} kg",
                )
            )
    if choice.agent == Drug.cetuximab and mods.is_given(DoseSlot.cetuximab):
        cet = regimen.cetuximab
        level = mods.level(DoseSlot.cetuximab)
        maintenance = _per_unit_dose(DoseSlot.cetuximab, cet.maintenance_dose, level, protocol)
        for i, day in enumerate(sorted(protocol.settings.cetuximab_days.value)):
            loading = cycle == 1 and i == 0
            per_m2 = cet.loading_dose if loading else maintenance
            administrations.append(
                Administration(
                    drug=Drug.cetuximab,
                    route=cet.route,
                    dose_mg=dose_mg(per_m2, bsa),
                    day=day,
                    prescribed_dose=per_m2,
                    dose_unit=cet.dose_unit.value,
                    dose_level=0 if loading else level,
                    loading_dose=loading,
                    dose_basis=f"{'loading' if loading else 'maintenance'} {per_m2:g} {cet.dose_unit.value} x {bsa:.4f} m2",
                )
            )

    return CyclePlan(
        subject_id=patient.subject_id,
        cycle=cycle,
        cycle_length_days=regimen.cycle_length_days,
        height_cm=patient.height_cm,
        weight_kg=weight,
        bsa_m2_unrounded=bsa,
        bsa_formula=formula,
        targeted_agent=choice.agent,
        targeted_agent_reason=choice.reason,
        targeted_agent_reason_parts=choice.reason_parts,
        right_sided=choice.right_sided,
        administrations=administrations,
        modifications=mods,
        fu_concentration_mg_per_ml=fu_concentration_mg_per_ml,
        protocol_id=protocol.protocol_id,
        protocol_version=protocol.version,
    )
