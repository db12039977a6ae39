"""Protocol deviations found in a subject's data (pure: no Django, no I/O).

:func:`detect_deviations` looks at one subject's typed eCRFs (:class:`~haictrial.clinical.crf_models.SubjectForms`),
its visit schedule (:func:`haictrial.clinical.visit_schedule.subject_schedule`), the plans of the cycles that
carry a safety override, the screening verdict behind the enrolment and the consent date, and returns every
deviation it finds. Each finding has a stable ``key``: the same deviation found at a later save has the same key,
so the EDC stores it once.

Kinds
-----
- ``visit_out_of_window``: a visit the schedule shows ``out_of_window`` (done outside its protocol window,
  protocol ``schedule.visits[].window``).
- ``dose_off_plan``: a given dose more than the protocol's ``settings.dose_deviation_reason_percent`` (10 %) away
  from the planned dose, either way (:func:`haictrial.clinical.haic_procedure.needs_deviation_reason`; HOPA
  position statement, Fahrenbruch et al., J Oncol Pract 2018, doi:10.1200/JOP.2017.025411: > 10 % is the NCI
  clinical-trial audit deficiency threshold).
- ``cycle_given_while_delayed`` / ``cycle_given_while_held`` / ``drug_given_while_discontinued``: a HAIC cycle or a
  targeted-agent dose given with the investigator's safety override while the plan of that cycle delayed it, held
  the drug or discontinued it (protocol ``settings.dose_modification``; :mod:`haictrial.clinical.safety_stops`).
- ``enrolled_not_eligible``: the screening verdict behind the enrolment is not ``eligible`` or has a criterion
  that did not pass (ICH E6(R2) 4.5.1 and 6.5: subjects are enrolled only when they meet the protocol's
  inclusion and exclusion criteria).
- ``consent_after_procedure``: the informed consent is dated after a study procedure (a HAIC cycle, a
  targeted-agent dose or a resection) (ICH E6(R2) 4.8.8: consent is signed and dated before participation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_models import SubjectForms
from haictrial.clinical.dosing import CyclePlan
from haictrial.clinical.haic_procedure import dose_deviations, targeted_agent_deviation
from haictrial.clinical.safety_stops import StopKind, cycle_safety_stops, targeted_agent_safety_stops
from haictrial.clinical.visit_schedule import Visit, VisitState
from haictrial.protocol.schema import Protocol


class DeviationKind(StrEnum):
    """The kinds of protocol deviation found automatically (docs/contracts/server.md, "Trial operations")."""

    visit_out_of_window = "visit_out_of_window"
    dose_off_plan = "dose_off_plan"
    cycle_given_while_delayed = "cycle_given_while_delayed"
    cycle_given_while_held = "cycle_given_while_held"
    drug_given_while_discontinued = "drug_given_while_discontinued"
    enrolled_not_eligible = "enrolled_not_eligible"
    consent_after_procedure = "consent_after_procedure"


_STOP_KINDS = {
    StopKind.cycle_given_while_delayed: DeviationKind.cycle_given_while_delayed,
    StopKind.cycle_given_while_held: DeviationKind.cycle_given_while_held,
    StopKind.drug_given_while_discontinued: DeviationKind.drug_given_while_discontinued,
}


@dataclass(frozen=True)
class DeviationFinding:
    """One deviation: its kind, a stable key (same deviation, same key), what it is, and where."""

    kind: DeviationKind
    key: str
    detail: str
    form: FormName | None = None
    record_id: int | None = None
    field: str = ""


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment rested on: the screening verdict (screen.md output) and the consent date."""

    eligible: bool | None
    criteria: Sequence[Mapping[str, Any]] = ()
    consent_signed_on: dt.date | None = None


def _record_id(form: object) -> int | None:
    value = getattr(form, "record_id", None)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _out_of_window(visits: Sequence[Visit]) -> list[DeviationFinding]:
    found = []
    for visit in visits:
        if visit.state != VisitState.out_of_window:
            continue
        ids = [i for values in visit.records.values() for i in values]
        form = next(iter(visit.records), None)
        found.append(
            DeviationFinding(
                kind=DeviationKind.visit_out_of_window,
                key=f"{visit.kind}:{visit.cycle or ''}:{visit.number or ''}:{visit.label}",
                detail=f"{visit.label} on {visit.actual_date} is outside its window "
                f"{visit.window_start or '...'} to {visit.window_end or '...'}",
                form=FormName(form) if form is not None and form in FormName._value2member_map_ else None,
                record_id=ids[0] if ids else None,
            )
        )
    return found


def _doses(forms: SubjectForms, protocol: Protocol) -> list[DeviationFinding]:
    found = []
    for cycle in forms.haic_cycles:
        for item in dose_deviations(cycle, protocol):
            if not item.reason_required:
                continue
            name = item.drug.value + (f" {item.component.value}" if item.component else "")
            found.append(
                DeviationFinding(
                    kind=DeviationKind.dose_off_plan,
                    key=f"haic_cycle:{cycle.cycle}:{item.field}",
                    detail=f"cycle {cycle.cycle} {name}: given {item.given_dose_mg:g} mg, planned "
                    f"{item.planned_dose_mg:g} mg ({item.deviation_percent:+.1f} %, limit {item.threshold_percent:g} %)",
                    form=FormName.haic_cycle,
                    record_id=_record_id(cycle),
                    field=f"{item.field}.given_dose_mg",
                )
            )
    for administration in forms.targeted_agent:
        agent = targeted_agent_deviation(administration, protocol)
        if agent is None or not agent.reason_required:
            continue
        found.append(
            DeviationFinding(
                kind=DeviationKind.dose_off_plan,
                key=f"targeted_agent:{administration.cycle}:{administration.day}:{administration.drug.value}",
                detail=f"cycle {administration.cycle} day {administration.day} {administration.drug.value}: given "
                f"{agent.given_dose_mg:g} mg, planned {agent.planned_dose_mg:g} mg "
                f"({agent.deviation_percent:+.1f} %, limit {agent.threshold_percent:g} %)",
                form=FormName.targeted_agent,
                record_id=_record_id(administration),
                field="given_dose_mg",
            )
        )
    return found


def _overrides(forms: SubjectForms, plans: Mapping[int, CyclePlan]) -> list[DeviationFinding]:
    found = []
    for cycle in forms.haic_cycles:
        plan = plans.get(cycle.cycle)
        if cycle.safety_override is None or plan is None:
            continue
        for stop in cycle_safety_stops(cycle, plan):
            found.append(
                DeviationFinding(
                    kind=_STOP_KINDS[stop.kind],
                    key=f"haic_cycle:{cycle.cycle}:{stop.kind.value}:{stop.field}",
                    detail=f"{stop.message}; given with the investigator's override: {cycle.safety_override.reason}",
                    form=FormName.haic_cycle,
                    record_id=_record_id(cycle),
                    field=stop.field,
                )
            )
    for administration in forms.targeted_agent:
        plan = plans.get(administration.cycle)
        if administration.safety_override is None or plan is None:
            continue
        for stop in targeted_agent_safety_stops(administration, plan):
            found.append(
                DeviationFinding(
                    kind=_STOP_KINDS[stop.kind],
                    key=f"targeted_agent:{administration.cycle}:{administration.day}:{stop.kind.value}",
                    detail=f"{stop.message}; given with the investigator's override: "
                    f"{administration.safety_override.reason}",
                    form=FormName.targeted_agent,
                    record_id=_record_id(administration),
                    field=stop.field,
                )
            )
    return found


def _eligibility(enrolment: Enrolment) -> list[DeviationFinding]:
    failed = [
        str(c.get("id") or c.get("criterion") or "?")
        for c in enrolment.criteria
        if str(c.get("status") or c.get("result") or "pass") != "pass"
    ]
    if enrolment.eligible is True and not failed:
        return []
    verdict = "not eligible" if enrolment.eligible is False else "eligibility not established"
    return [
        DeviationFinding(
            kind=DeviationKind.enrolled_not_eligible,
            key="enrolment",
            detail=f"enrolled although the screening verdict is {verdict}"
            + (f" (criteria not passed: {', '.join(failed)})" if failed else ""),
        )
    ]


def _procedures(forms: SubjectForms) -> list[tuple[dt.date, str, FormName, int | None]]:
    rows: list[tuple[dt.date, str, FormName, int | None]] = []
    for cycle in forms.haic_cycles:
        if cycle.admission_date:
            rows.append((cycle.admission_date, f"HAIC cycle {cycle.cycle}", FormName.haic_cycle, _record_id(cycle)))
    for item in forms.targeted_agent:
        if item.date and item.given_dose_mg:
            label = f"{item.drug.value} cycle {item.cycle} day {item.day}"
            rows.append((item.date, label, FormName.targeted_agent, _record_id(item)))
    for resection in forms.resections:
        if resection.date:
            rows.append((resection.date, "liver resection", FormName.resection, _record_id(resection)))
    return sorted(rows, key=lambda r: (r[0], r[1]))


def _consent(forms: SubjectForms, enrolment: Enrolment) -> list[DeviationFinding]:
    signed = enrolment.consent_signed_on
    if signed is None:
        return []
    before = [row for row in _procedures(forms) if row[0] < signed]
    if not before:
        return []
    date, label, form, record_id = before[0]
    return [
        DeviationFinding(
            kind=DeviationKind.consent_after_procedure,
            key="consent",
            detail=f"consent signed on {signed}, after {label} on {date}",
            form=form,
            record_id=record_id,
        )
    ]


def detect_deviations(
    forms: SubjectForms,
    visits: Sequence[Visit],
    protocol: Protocol,
    *,
    plans: Mapping[int, CyclePlan] | None = None,
    enrolment: Enrolment | None = None,
) -> list[DeviationFinding]:
    """Every protocol deviation of one subject (see the module docstring), ordered by kind then key.

    ``plans``: the cycle plans (:func:`haictrial.clinical.course.plan_for_cycle`) of the cycles whose forms carry a
    safety override; ``enrolment``: the screening verdict and consent date (both optional).
    """
    found = _out_of_window(visits) + _doses(forms, protocol) + _overrides(forms, plans or {})
    if enrolment is not None:
        found += _eligibility(enrolment) + _consent(forms, enrolment)
    unique = {(f.kind, f.key): f for f in found}
    return sorted(unique.values(), key=lambda f: (f.kind.value, f.key))


def cycles_with_override(forms: SubjectForms) -> list[int]:
    """The cycles whose HAIC or targeted-agent forms carry a safety override (their plans are needed)."""
    cycles = {c.cycle for c in forms.haic_cycles if c.safety_override is not None}
    cycles |= {a.cycle for a in forms.targeted_agent if a.safety_override is not None}
    return sorted(cycles)


__all__ = [
    "DeviationFinding",
    "DeviationKind",
    "Enrolment",
    "cycles_with_override",
    "detect_deviations",
]
