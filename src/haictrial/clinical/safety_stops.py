"""Safety stops at entry of the HAIC cycle and targeted-agent eCRFs (pure: no Django, no I/O).

Two rules, checked when a form is saved, each naming the field it refuses:

- **Entry error**: a given dose above ``settings.dose_entry_error_percent`` (125 %) of the planned dose is
  refused as a typing error (a slipped decimal point, a dose per m2 typed as mg), whatever the reason
  given. Between the deviation threshold (``settings.dose_deviation_reason_percent``, 10 %) and that
  limit the dose is stored and a reason is required by the edit check
  (:class:`haictrial.clinical.edit_check_rules.DoseDeviationReason`).
- **Delay and hold**: a cycle given (any HAIC drug with a given dose above 0) while the plan for that cycle
  delays it, or a drug given while the plan holds or has discontinued it, is refused unless the payload
  carries the investigator's :class:`~haictrial.clinical.safety_override.SafetyOverride` with a reason; the
  override stays in the payload for the protocol-deviation checks (``cycle_given_while_delayed``/``_held``).

Public functions
----------------
- :func:`dose_entry_error_percent(protocol) -> float`; :func:`is_entry_error(planned_mg, given_mg, percent)`.
- :func:`cycle_safety_stops(cycle, plan)`, :func:`targeted_agent_safety_stops(administration, plan)`:
  every stop found, as :class:`SafetyStop` (kind, field, message).
- :func:`dose_entry_errors(form, plan, protocol)`: every dose over the entry-error limit.
- :func:`check_safety(form, plan, protocol)`: raise :class:`~haictrial.errors.UnprocessableError` for the
  first entry error, then for the first stop not overridden.

References
----------
- Protocol ``settings.dose_modification`` (delay until grade <= 1, hold, discontinue; decided on the
  toxicities of the previous cycle, :mod:`haictrial.clinical.dose_modification`).
- Protocol ``settings.dose_deviation_reason_percent`` (10 %; Fahrenbruch et al., J Oncol Pract 2018,
  doi:10.1200/JOP.2017.025411) and ``settings.dose_entry_error_percent`` (125 %, a site setting).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from haictrial.clinical.crf_treatment import DrugInfusion, HaicCycleForm, TargetedAgentAdministration
from haictrial.clinical.dose_modification import DoseSlot
from haictrial.clinical.dosing import CyclePlan
from haictrial.clinical.messages import N_, english
from haictrial.errors import UnprocessableError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug


class StopKind(StrEnum):
    """What the plan said about a cycle or drug that was given anyway (names of the deviation kinds)."""

    cycle_given_while_delayed = "cycle_given_while_delayed"
    cycle_given_while_held = "cycle_given_while_held"
    drug_given_while_discontinued = "drug_given_while_discontinued"


@dataclass(frozen=True)
class SafetyStop:
    """One stop: ``message`` in English, the same as ``template`` (an N_-marked msgid) and ``params``."""

    kind: StopKind
    field: str
    message: str
    template: str = ""
    params: dict[str, object] = dataclasses.field(default_factory=dict)


#: The stops' sentences, language-neutral; ``reason`` is the dose-modification engine's reason, as data.
DISCONTINUED = N_("{drug_term} is discontinued ({reason})")
HELD = N_("the plan holds {drug_term} this cycle ({reason})")
DELAYED = N_("the plan delays cycle {cycle} ({reason})")
NEEDS_OVERRIDE = N_("{stop_parts}: not given without an investigator's override with a reason (safety_override)")


def _stop(kind: StopKind, where: str, template: str, **params: object) -> SafetyStop:
    return SafetyStop(kind, where, template.format(**params), template, params)


def dose_entry_error_percent(protocol: Protocol) -> float:
    """The protocol's ``settings.dose_entry_error_percent`` (site setting, CHALLENGE-A1: 125)."""
    return float(protocol.settings.dose_entry_error_percent.value)


def is_entry_error(planned_mg: float, given_mg: float, limit_percent: float) -> bool:
    """True when ``given_mg`` is MORE than ``limit_percent`` of ``planned_mg`` (exact decimal arithmetic:
    125 % itself is accepted)."""
    planned, given = Fraction(repr(float(planned_mg))), Fraction(repr(float(given_mg)))
    return planned > 0 and given * 100 > Fraction(repr(float(limit_percent))) * planned


def _slot(drug: Drug, component: str | None) -> DoseSlot:
    return DoseSlot(f"{drug.value}_{component}" if drug == Drug.fluorouracil and component else drug.value)


def _infusion_slot(infusion: DrugInfusion) -> DoseSlot:
    return _slot(infusion.drug, infusion.component.value if infusion.component else None)


def _given(dose: float | None) -> bool:
    return dose is not None and dose > 0


def _planned_for(plan: CyclePlan | None, slot: DoseSlot, day: int | None = None) -> float | None:
    if plan is None:
        return None
    for administration in plan.administrations:
        if _slot(administration.drug, administration.component) == slot and (day is None or administration.day == day):
            return administration.dose_mg
    return None


def _not_given_stops(plan: CyclePlan, slot: DoseSlot, label: str, field: str) -> list[SafetyStop]:
    mods = plan.modifications
    if slot in mods.discontinued:
        reason = mods.discontinued[slot].reason
        return [_stop(StopKind.drug_given_while_discontinued, field, DISCONTINUED, drug_term=label, reason=reason)]
    if slot in mods.held:
        reason = mods.held[slot].reason
        return [_stop(StopKind.cycle_given_while_held, field, HELD, drug_term=label, reason=reason)]
    return []


def _delayed(plan: CyclePlan, field: str) -> SafetyStop:
    reason = plan.modifications.delay.reason if plan.modifications.delay is not None else ""
    return _stop(StopKind.cycle_given_while_delayed, field, DELAYED, cycle=plan.cycle, reason=reason)


def cycle_safety_stops(cycle: HaicCycleForm, plan: CyclePlan) -> list[SafetyStop]:
    """The stops of a HAIC cycle form against the plan of its cycle: delayed, drug held or discontinued."""
    given = [(i, infusion) for i, infusion in enumerate(cycle.infusions) if _given(infusion.given_dose_mg)]
    found: list[SafetyStop] = []
    if plan.delayed and given:
        found.append(_delayed(plan, f"infusions[{given[0][0]}].given_dose_mg"))
    for i, infusion in given:
        found += _not_given_stops(plan, _infusion_slot(infusion), infusion.label, f"infusions[{i}].given_dose_mg")
    return found


def targeted_agent_safety_stops(administration: TargetedAgentAdministration, plan: CyclePlan) -> list[SafetyStop]:
    """The stops of one targeted-agent dose against the plan of its cycle."""
    if not _given(administration.given_dose_mg):
        return []
    found = [_delayed(plan, "given_dose_mg")] if plan.delayed else []
    slot = _slot(administration.drug, None)
    return found + _not_given_stops(plan, slot, administration.drug.value, "given_dose_mg")


#: The entry-error message (a catalogue msgid; the limit is the protocol's ``dose_entry_error_percent``).
ENTRY_ERROR = N_(
    "{given:g} mg is more than {limit:g} % of the planned {planned:g} mg: an entry error "
    "(check the decimal point and that the dose is in mg, not mg/m2)"
)


def _entry_error_params(
    form: HaicCycleForm | TargetedAgentAdministration, plan: CyclePlan | None, protocol: Protocol
) -> list[tuple[str, dict[str, object]]]:
    """``(field, ENTRY_ERROR params)`` for every given dose above the entry-error limit of its planned dose."""
    limit = dose_entry_error_percent(protocol)
    rows: list[tuple[str, float | None, float | None]] = []
    if isinstance(form, HaicCycleForm):
        for i, infusion in enumerate(form.infusions):
            planned = infusion.planned_dose_mg or _planned_for(plan, _infusion_slot(infusion))
            rows.append((f"infusions[{i}].given_dose_mg", planned, infusion.given_dose_mg))
    else:
        planned = form.planned_dose_mg or _planned_for(plan, _slot(form.drug, None), form.day)
        rows.append(("given_dose_mg", planned, form.given_dose_mg))
    return [
        (field, {"given": given, "limit": limit, "planned": planned})
        for field, planned, given in rows
        if planned is not None and given is not None and is_entry_error(planned, given, limit)
    ]


def dose_entry_errors(
    form: HaicCycleForm | TargetedAgentAdministration, plan: CyclePlan | None, protocol: Protocol
) -> list[tuple[str, str]]:
    """``(field, message)`` for every given dose above the entry-error limit of its planned dose (the
    form's planned dose, else the plan's)."""
    return [(field, ENTRY_ERROR.format(**params)) for field, params in _entry_error_params(form, plan, protocol)]


def check_safety(form: HaicCycleForm | TargetedAgentAdministration, plan: CyclePlan | None, protocol: Protocol) -> None:
    """Refuse the first entry error, then the first stop unless the form carries the investigator's override.

    Raises :class:`UnprocessableError` naming the given dose's field (``infusions[0].given_dose_mg``,
    ``given_dose_mg``).
    """
    errors = _entry_error_params(form, plan, protocol)
    if errors:
        field, params = errors[0]
        raise UnprocessableError.of(ENTRY_ERROR, field, **params)
    if plan is None:
        return
    if isinstance(form, HaicCycleForm):
        stops = cycle_safety_stops(form, plan)
    else:
        stops = targeted_agent_safety_stops(form, plan)
    if stops and form.safety_override is None:
        stop = stops[0]
        parts = [{"template": stop.template, "params": stop.params}]
        raise UnprocessableError(
            english(NEEDS_OVERRIDE, {"stop_parts": parts}),
            field=stop.field,
            template=NEEDS_OVERRIDE,
            params={"stop_parts": parts},
        )


__all__ = [
    "SafetyStop",
    "StopKind",
    "check_safety",
    "cycle_safety_stops",
    "dose_entry_error_percent",
    "dose_entry_errors",
    "is_entry_error",
    "targeted_agent_safety_stops",
]
