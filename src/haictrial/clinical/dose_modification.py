"""Toxicity-driven dose modification: delay, hold, reduce or discontinue, from the protocol's rules.

The rules are protocol data (``settings.dose_modification``): for a CTCAE v5.0 term at the listed
grades, delay the cycle, hold drugs for one cycle, reduce drugs one dose level, or discontinue them.
A term no rule names falls under ``default_rule``.

Input: :class:`ToxicityHistory`, the worst CTCAE v5.0 grade of each term in each completed cycle::

    {"subject_id": "CHA-001-0001",
     "cycles": [{"cycle": 1, "toxicities": [{"term": "Peripheral sensory neuropathy", "grade": 2}]},
                {"cycle": 2, "toxicities": []}]}

- ``cycle``: the completed cycle the toxicity was seen in (1, 2, ...), each listed once.
- ``term``: a CTCAE v5.0 term (case-insensitive), a term a protocol rule names, or
  ``"<System organ class> - Other, specify"``; anything else is an input error naming it.
- ``grade``: 1-5, the worst grade of that term during that cycle; list only toxicities that occurred.

Planning cycle N (N >= 2) applies the history like this:

- **Delay** and **hold** use only cycle N-1: a delay rule postpones cycle N until every triggering
  toxicity is back to grade <= ``delay_until_grade``; a hold leaves a drug out of cycle N only.
- **Reduce** and **discontinue** accumulate over every cycle before N: each cycle with a reducing
  toxicity takes the drug one level down ``dose_levels`` (at most one level per drug per cycle, however
  many toxicities call for it), and the reduction persists. A discontinued drug stays off. Reducing
  below the last level discontinues the drug, and the change says so.
- Fluorouracil reduces both its bolus and its infusion (``fluorouracil_bolus``,
  ``fluorouracil_infusion``); cetuximab levels are its maintenance doses.
- A grade 5 event (death) in an earlier cycle is an input error: no later cycle can be planned.
- Cycles N and later in the history are checked but do not change cycle N.

Every change carries its reason: the cycle, term and grade that caused it and the rule applied, in
English (``reason``) and as translatable parts (``reason_parts``, :mod:`haictrial.clinical.messages`;
``reason == join(reason_parts)``). CTCAE terms, drug and dose-slot names, units and the protocol
rule's text (the ``rule`` field) are parameters, shown as stored.

References
----------
- Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI, 27 Nov 2017: the terms, the
  system organ classes and the "- Other, specify" convention.
- Protocol ``settings.dose_modification`` (a site setting; CHALLENGE-A1 defaults follow the
  oxaliplatin, fluorouracil, bevacizumab and cetuximab labels, as its description states).
- Bevacizumab (Avastin) prescribing information, sections 5.1 (gastrointestinal perforation) and 5.3
  (haemorrhage): the class terms ``Gastrointestinal perforation`` and ``Hemorrhage`` cover the
  site-specific CTCAE terms listed in :data:`TERM_GROUPS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import Field, model_validator

from haictrial.clinical.ctcae_terms import CTCAE_V5_TERMS, ctcae_v5_term, term_key
from haictrial.clinical.messages import N_, ReasonPart, join, part
from haictrial.errors import InputError, ProtocolError
from haictrial.protocol.schema import DoseModification, DoseModificationRule, Protocol
from haictrial.vocabulary.base import StrictModel
from haictrial.vocabulary.enums import Drug

#: Class terms used by the protocol's bevacizumab rules -> the site-specific CTCAE v5.0 terms they cover
#: (bevacizumab prescribing information 5.1 and 5.3).
TERM_GROUPS: dict[str, tuple[str, ...]] = {
    "Hemorrhage": tuple(t for t in CTCAE_V5_TERMS if t.endswith(" hemorrhage")) + ("Epistaxis", "Hematuria"),
    "Gastrointestinal perforation": tuple(t for t in CTCAE_V5_TERMS if t.endswith(" perforation")),
}


class ToxicityInputError(InputError):
    """A problem in a :class:`ToxicityHistory`; ``field`` is the path inside that document."""


def canonical_term(term: str, protocol: Protocol, field: str = "term") -> str:
    """The canonical spelling of a CTCAE v5.0 term or a protocol rule term; InputError naming ``field`` otherwise."""
    dm = protocol.settings.dose_modification.value
    rule_terms = {term_key(r.term): r.term for r in dm.rules}
    found = rule_terms.get(term_key(term)) or ctcae_v5_term(term)
    if found is not None:
        return found
    raise ToxicityInputError.of(
        N_(
            "{term!r} is not a CTCAE v5.0 term haictrial knows; use the CTCAE v5.0 term "
            "(e.g. 'Peripheral sensory neuropathy') or '<system organ class> - Other, specify'"
        ),
        field,
        term=term,
    )


# --- input ---------------------------------------------------------------------------------


class ToxicityReport(StrictModel):
    """The worst CTCAE v5.0 grade of one term during one cycle."""

    term: str = Field(min_length=1, description="CTCAE v5.0 term, e.g. 'Peripheral sensory neuropathy'.")
    grade: int = Field(ge=1, le=5, description="Worst CTCAE v5.0 grade of the term during the cycle (1-5).")


class CycleToxicities(StrictModel):
    cycle: int = Field(ge=1, description="The completed cycle the toxicities were seen in.")
    toxicities: list[ToxicityReport] = Field(default_factory=list)


class ToxicityHistory(StrictModel):
    """Per completed cycle, the worst CTCAE v5.0 grade of each term (README: "Dose modification input")."""

    subject_id: str | None = None
    cycles: list[CycleToxicities] = Field(default_factory=list)

    @model_validator(mode="after")
    def _each_cycle_once(self) -> ToxicityHistory:
        seen: set[int] = set()
        for i, entry in enumerate(self.cycles):
            if entry.cycle in seen:
                raise ToxicityInputError.of(
                    N_("cycle {cycle} is listed twice; list each completed cycle once"),
                    f"cycles[{i}].cycle",
                    cycle=entry.cycle,
                )
            seen.add(entry.cycle)
        return self


# --- output --------------------------------------------------------------------------------


class DoseSlot(StrEnum):
    """One dose line of the regimen; the keys of ``dose_levels`` (bevacizumab has no levels)."""

    oxaliplatin = "oxaliplatin"
    leucovorin = "leucovorin"
    fluorouracil_bolus = "fluorouracil_bolus"
    fluorouracil_infusion = "fluorouracil_infusion"
    bevacizumab = "bevacizumab"
    cetuximab = "cetuximab"


def slots_of(drug: Drug) -> tuple[DoseSlot, ...]:
    """The dose lines of ``drug``: fluorouracil has a bolus and an infusion."""
    if drug == Drug.fluorouracil:
        return (DoseSlot.fluorouracil_bolus, DoseSlot.fluorouracil_infusion)
    return (DoseSlot(drug.value),)


def drug_of(slot: DoseSlot) -> Drug:
    return Drug.fluorouracil if slot.value.startswith("fluorouracil") else Drug(slot.value)


class Action(StrEnum):
    delay = "delay"
    hold = "hold"
    reduce = "reduce"
    discontinue = "discontinue"


class DoseChange(StrictModel):
    """One modification and its cause: the cycle, CTCAE term and grade, and the rule applied."""

    action: Action
    drug: Drug | None = Field(None, description="None for a delay of the whole cycle.")
    slot: DoseSlot | None = None
    level: int | None = Field(None, description="Dose level after a reduction (0 = full dose).")
    dose: float | None = Field(None, description="Dose after a reduction, in dose_unit.")
    dose_unit: str | None = None
    toxicity_cycle: int
    effective_from_cycle: int
    term: str
    grade: int
    rule: str
    reason: str
    reason_parts: list[ReasonPart] = Field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_none=True)


class CycleDelay(StrictModel):
    """Cycle N waits until every triggering toxicity of cycle N-1 is grade <= ``until_grade``."""

    until_grade: int
    max_delay_days: int
    causes: list[DoseChange]

    @property
    def reason(self) -> str:
        """``delay until grade <= 1 (at most 14 days): Diarrhea grade 3; Fatigue grade 3 in cycle 2``."""
        return join(self.reason_parts)

    @property
    def reason_parts(self) -> list[ReasonPart]:
        """:attr:`reason` as translatable parts: one per cause."""
        limits = {"until_grade": self.until_grade, "max_delay_days": self.max_delay_days}
        cycle = self.causes[0].toxicity_cycle
        if len(self.causes) == 1:
            only = self.causes[0]
            template = N_(
                "delay until grade <= {until_grade} (at most {max_delay_days} days): "
                "{term} grade {grade} in cycle {toxicity_cycle}"
            )
            return [part(template, **limits, term=only.term, grade=only.grade, toxicity_cycle=cycle)]
        first, *middle, last = self.causes
        template = N_("delay until grade <= {until_grade} (at most {max_delay_days} days): {term} grade {grade}")
        return [
            part(template, **limits, term=first.term, grade=first.grade),
            *(part(N_("{term} grade {grade}"), term=c.term, grade=c.grade) for c in middle),
            part(
                N_("{term} grade {grade} in cycle {toxicity_cycle}"),
                term=last.term,
                grade=last.grade,
                toxicity_cycle=cycle,
            ),
        ]


class DoseModificationPlan(StrictModel):
    """The modifications in force for one cycle."""

    cycle: int
    levels: dict[DoseSlot, int] = Field(default_factory=dict)
    discontinued: dict[DoseSlot, DoseChange] = Field(default_factory=dict)
    held: dict[DoseSlot, DoseChange] = Field(default_factory=dict)
    delay: CycleDelay | None = None
    changes: list[DoseChange] = Field(default_factory=list, description="Every change in force, oldest first.")

    def level(self, slot: DoseSlot) -> int:
        return self.levels.get(slot, 0)

    def is_given(self, slot: DoseSlot) -> bool:
        return slot not in self.discontinued and slot not in self.held


# --- engine --------------------------------------------------------------------------------

_DM_PATH = "settings.dose_modification.value"


def rule_text(rule: DoseModificationRule) -> str:
    """``Neutrophil count decreased grade 3-4: delay, reduce oxaliplatin, fluorouracil``."""
    grades = sorted(rule.grades)
    span = f"{grades[0]}" if len(grades) == 1 else f"{grades[0]}-{grades[-1]}"
    if len(grades) > 1 and grades != list(range(grades[0], grades[-1] + 1)):
        span = ", ".join(map(str, grades))
    actions = []
    if rule.delay:
        actions.append("delay")
    for verb, drugs in (("hold", rule.hold), ("reduce", rule.reduce), ("discontinue", rule.discontinue)):
        if drugs:
            actions.append(f"{verb} {', '.join(d.value for d in drugs)}")
    return f"{rule.term} grade {span}: {'; '.join(actions) or 'no change'}"


def matching_rules(term: str, grade: int, dm: DoseModification) -> list[tuple[DoseModificationRule, str]]:
    """The rules for ``term`` at ``grade``, each with how the term was matched; default_rule if no rule names it."""
    named = []
    for rule in dm.rules:
        if term_key(rule.term) == term_key(term):
            named.append((rule, ""))
        elif term in TERM_GROUPS.get(rule.term, ()):
            named.append((rule, f" (counted as {rule.term})"))
    if named:
        return [(rule, how) for rule, how in named if grade in rule.grades]
    if grade in dm.default_rule.grades:
        return [(dm.default_rule, " (no rule names this term: default rule)")]
    return []


def _base_dose(slot: DoseSlot, protocol: Protocol) -> float | None:
    regimen = protocol.regimen
    if slot == DoseSlot.cetuximab:
        return regimen.cetuximab.maintenance_dose
    if slot == DoseSlot.bevacizumab:
        return None
    drug = drug_of(slot)
    component = None if drug != Drug.fluorouracil else slot.value.removeprefix("fluorouracil_")
    for c in regimen.chemotherapy:
        if c.drug == drug and (c.component or None) == component:
            return c.dose
    return None


def dose_levels(slot: DoseSlot, protocol: Protocol, rule: str) -> list[float]:
    """The levels of ``slot``; ProtocolError when missing or when level 0 is not the regimen dose."""
    dm = protocol.settings.dose_modification.value
    levels = dm.dose_levels.get(slot.value)
    if not levels:
        raise ProtocolError(
            f"no dose levels for {slot.value}, which the rule '{rule}' reduces", field=f"{_DM_PATH}.dose_levels"
        )
    base = _base_dose(slot, protocol)
    if base is not None and levels[0] != base:
        raise ProtocolError(
            f"level 0 is {levels[0]:g} but the regimen dose is {base:g}",
            field=f"{_DM_PATH}.dose_levels.{slot.value}[0]",
        )
    return levels


def dose_unit_of(slot: DoseSlot, protocol: Protocol) -> str:
    if slot == DoseSlot.bevacizumab:
        return protocol.regimen.bevacizumab.dose_unit.value
    if slot == DoseSlot.cetuximab:
        return protocol.regimen.cetuximab.dose_unit.value
    drug = drug_of(slot)
    component = None if drug != Drug.fluorouracil else slot.value.removeprefix("fluorouracil_")
    return next(c.dose_unit.value for c in protocol.regimen.chemotherapy if c.drug == drug and c.component == component)


def _validated(history: ToxicityHistory, protocol: Protocol, cycle: int) -> list[tuple[int, dict[str, int]]]:
    """Per cycle before ``cycle`` (sorted), the worst grade of each canonical term; checks every entry."""
    out = []
    for i, entry in enumerate(history.cycles):
        worst: dict[str, int] = {}
        for j, report in enumerate(entry.toxicities):
            where = f"cycles[{i}].toxicities[{j}]"
            term = canonical_term(report.term, protocol, field=f"{where}.term")
            if report.grade == 5 and entry.cycle < cycle:
                raise ToxicityInputError.of(
                    N_("grade 5 (death related to {term}) in cycle {cycle}: no later cycle can be planned"),
                    f"{where}.grade",
                    term=term,
                    cycle=entry.cycle,
                )
            worst[term] = max(worst.get(term, 0), report.grade)
        if entry.cycle < cycle:
            out.append((entry.cycle, worst))
    return sorted(out)


_Cause = tuple[str, int, str]  # (term, grade, rule text)
_Params = dict[str, str | int | float]


def _also_part(index: int, count: int, term: str, grade: int, rule: str, one_level: bool) -> ReasonPart:
    """Part ``index`` of ``count`` listing the other toxicities that called for the same change."""
    first, last = index == 0, index == count - 1
    if not last:
        return part(N_("also {term} grade {grade}") if first else N_("{term} grade {grade}"), term=term, grade=grade)
    if one_level:
        if first:
            template = N_("also {term} grade {grade} (one level per cycle) (rule {rule})")
        else:
            template = N_("{term} grade {grade} (one level per cycle) (rule {rule})")
    else:
        template = N_("also {term} grade {grade} (rule {rule})") if first else N_("{term} grade {grade} (rule {rule})")
    return part(template, term=term, grade=grade, rule=rule)


def _reason_parts(
    templates: tuple[str, str | None],
    params: _Params,
    rule: str,
    also: list[_Cause] | None = None,
    one_level: bool = False,
) -> list[ReasonPart]:
    """The parts of a change's reason: ``templates`` is (the sentence ending with the rule, without it)."""
    with_rule, without_rule = templates
    if not also or without_rule is None:
        return [part(with_rule, **params, rule=rule)]
    return [
        part(without_rule, **params),
        *(_also_part(i, len(also), t, g, rule, one_level) for i, (t, g, _r) in enumerate(also)),
    ]


def _change(
    action: Action,
    slot: DoseSlot,
    cause: _Cause,
    tox_cycle: int,
    parts: list[ReasonPart],
    level: int | None = None,
    dose: float | None = None,
    dose_unit: str | None = None,
) -> DoseChange:
    term, grade, rule = cause
    return DoseChange(
        action=action,
        drug=drug_of(slot),
        slot=slot,
        level=level,
        dose=dose,
        dose_unit=dose_unit,
        toxicity_cycle=tox_cycle,
        effective_from_cycle=tox_cycle + 1,
        term=term,
        grade=grade,
        rule=rule,
        reason=join(parts),
        reason_parts=parts,
    )


def _cause_params(cause: _Cause, tox_cycle: int, slot: DoseSlot) -> _Params:
    term, grade, _rule = cause
    return {"term": term, "grade": grade, "toxicity_cycle": tox_cycle, "slot": slot.value}


def plan_modifications(
    history: ToxicityHistory | None,
    cycle: int,
    protocol: Protocol,
    drugs: Iterable[Drug],
    subject_id: str | None = None,
) -> DoseModificationPlan:
    """The delays, holds, reductions and discontinuations in force for ``cycle``.

    ``drugs`` are the drugs of this patient's regimen (the chemotherapy and the chosen targeted
    agent); rules about other drugs do not apply. See the module docstring for the semantics.

    References
    ----------
    Protocol ``settings.dose_modification``; CTCAE v5.0 terms and grades.
    """
    if history is None:
        return DoseModificationPlan(cycle=cycle)
    if subject_id and history.subject_id and history.subject_id != subject_id:
        raise ToxicityInputError.of(
            N_("the toxicity history is for {history_subject}, the patient is {subject}"),
            "subject_id",
            history_subject=history.subject_id,
            subject=subject_id,
        )
    dm = protocol.settings.dose_modification.value
    in_regimen = {slot for drug in drugs for slot in slots_of(drug)}
    levels: dict[DoseSlot, int] = {}
    discontinued: dict[DoseSlot, DoseChange] = {}
    held: dict[DoseSlot, DoseChange] = {}
    changes: list[DoseChange] = []
    delay_causes: list[DoseChange] = []

    for tox_cycle, worst in _validated(history, protocol, cycle):
        last = tox_cycle == cycle - 1
        reductions: dict[DoseSlot, list[_Cause]] = {}
        stops: dict[DoseSlot, _Cause] = {}
        holds: dict[DoseSlot, _Cause] = {}
        # Worst grade first, so the first cause of a change is the most severe.
        for term, grade in sorted(worst.items(), key=lambda item: (-item[1], item[0])):
            for rule, how in matching_rules(term, grade, dm):
                cause = (term, grade, rule_text(rule) + how)
                if rule.delay and last:
                    template = N_(
                        "{term} grade {grade} in cycle {toxicity_cycle}: delay cycle {cycle} until grade "
                        "<= {until_grade} (rule {rule})"
                    )
                    params: _Params = {"term": term, "grade": grade, "toxicity_cycle": tox_cycle, "cycle": cycle}
                    parts = _reason_parts((template, None), {**params, "until_grade": dm.delay_until_grade}, cause[2])
                    delay_causes.append(
                        DoseChange(
                            action=Action.delay,
                            toxicity_cycle=tox_cycle,
                            effective_from_cycle=cycle,
                            term=term,
                            grade=grade,
                            rule=cause[2],
                            reason=join(parts),
                            reason_parts=parts,
                        )
                    )
                for drug in rule.discontinue:
                    for slot in slots_of(drug):
                        stops.setdefault(slot, cause)
                for drug in rule.reduce:
                    for slot in slots_of(drug):
                        reductions.setdefault(slot, []).append(cause)
                if last:
                    for drug in rule.hold:
                        for slot in slots_of(drug):
                            holds.setdefault(slot, cause)

        for slot in DoseSlot:
            if slot not in in_regimen or slot in discontinued:
                continue
            if slot in stops:
                stop = stops[slot]
                template = N_("{term} grade {grade} in cycle {toxicity_cycle}: {slot} discontinued (rule {rule})")
                parts = _reason_parts((template, None), _cause_params(stop, tox_cycle, slot), stop[2])
                discontinued[slot] = _change(Action.discontinue, slot, stop, tox_cycle, parts)
                changes.append(discontinued[slot])
                continue
            if slot in reductions:
                causes = reductions[slot]
                first = causes[0]
                also = causes[1:]
                available = dose_levels(slot, protocol, first[2])
                unit = dose_unit_of(slot, protocol)
                new_level = levels.get(slot, 0) + 1
                if new_level >= len(available):
                    floor = (
                        N_(
                            "{term} grade {grade} in cycle {toxicity_cycle}: {slot} discontinued: a further reduction "
                            "is below the lowest dose level ({dose:g} {dose_unit}) (rule {rule})"
                        ),
                        N_(
                            "{term} grade {grade} in cycle {toxicity_cycle}: {slot} discontinued: a further reduction "
                            "is below the lowest dose level ({dose:g} {dose_unit})"
                        ),
                    )
                    params = {**_cause_params(first, tox_cycle, slot), "dose": available[-1], "dose_unit": unit}
                    parts = _reason_parts(floor, params, first[2], also)
                    discontinued[slot] = _change(Action.discontinue, slot, first, tox_cycle, parts)
                    changes.append(discontinued[slot])
                    continue
                levels[slot] = new_level
                reduced = (
                    N_(
                        "{term} grade {grade} in cycle {toxicity_cycle}: {slot} reduced to level {level} "
                        "({dose:g} {dose_unit}) (rule {rule})"
                    ),
                    N_(
                        "{term} grade {grade} in cycle {toxicity_cycle}: {slot} reduced to level {level} "
                        "({dose:g} {dose_unit})"
                    ),
                )
                params = {
                    **_cause_params(first, tox_cycle, slot),
                    "level": new_level,
                    "dose": available[new_level],
                    "dose_unit": unit,
                }
                changes.append(
                    _change(
                        Action.reduce,
                        slot,
                        first,
                        tox_cycle,
                        _reason_parts(reduced, params, first[2], also, one_level=True),
                        level=new_level,
                        dose=available[new_level],
                        dose_unit=unit,
                    )
                )
            if slot in holds:
                hold = holds[slot]
                template = N_(
                    "{term} grade {grade} in cycle {toxicity_cycle}: {slot} held in cycle {cycle} only (rule {rule})"
                )
                params = {**_cause_params(hold, tox_cycle, slot), "cycle": cycle}
                held[slot] = _change(
                    Action.hold, slot, hold, tox_cycle, _reason_parts((template, None), params, hold[2])
                )

    hold_changes = [held[s] for s in DoseSlot if s in held and s not in discontinued]
    delay = None
    if delay_causes:
        delay = CycleDelay(until_grade=dm.delay_until_grade, max_delay_days=dm.max_delay_days, causes=delay_causes)
    return DoseModificationPlan(
        cycle=cycle,
        levels=levels,
        discontinued=discontinued,
        held={c.slot: c for c in hold_changes if c.slot is not None},
        delay=delay,
        changes=changes + hold_changes + delay_causes,
    )
