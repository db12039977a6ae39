"""HAIC cycles of the enrolled patients, vectorised over patients: dates, planned and given doses,
dose modifications, per-cycle laboratory panels and adverse events.

The clinical engines decide; this module only applies their decisions to arrays:

- the targeted agent of each patient is :func:`haictrial.clinical.regimen.choose_targeted_agent`, called
  once per distinct (primary site, KRAS, NRAS, BRAF) combination;
- what a toxicity does to the next cycle is :func:`haictrial.clinical.dose_modification.matching_rules`
  on the protocol's rules, called once per (term, grade); the persistence of reductions, one level per
  cycle, discontinuation below the last level and holds for one cycle follow that module's docstring;
- planned doses are the protocol dose (at the level in force) x Mosteller BSA (or x weight for
  bevacizumab), rounded half up to 0.1 mg as :func:`haictrial.clinical.dosing.plan_cycle` does.

tests/synth/test_synth_treatment.py checks every planned dose of a sample against ``plan_cycle`` with the
toxicity history built from the generated adverse events, and every laboratory adverse-event grade
against :func:`haictrial.clinical.ctcae.grade_lab`.

References
----------
- NCT06988852 regimen; docs/contracts/plan.md; protocol ``settings.dose_modification``.
- CTCAE v5.0 grade bands (thresholds taken from :mod:`haictrial.clinical.ctcae`).
- Toxicity frequencies: :data:`haictrial.synth.distributions.TOXICITIES` and its sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from haictrial.clinical.ctcae import (
    ABNORMAL_BASELINE_MULTIPLES,
    DECREASE_THRESHOLDS,
    ULN_MULTIPLES,
)
from haictrial.clinical.dose_modification import DoseSlot, matching_rules, slots_of
from haictrial.clinical.dosing import dose_mg, round_half_up
from haictrial.clinical.patient import Patient
from haictrial.clinical.regimen import choose_targeted_agent
from haictrial.protocol.schema import Protocol
from haictrial.synth import distributions as D
from haictrial.synth.patients import MUTATION, SEXES, SITES, Population
from haictrial.vocabulary.enums import Drug
from haictrial.vocabulary.units import Analyte

AGENTS = [None, Drug.bevacizumab.value, Drug.cetuximab.value]
SLOTS = list(DoseSlot)
CHEMO_SLOTS = [DoseSlot.oxaliplatin, DoseSlot.leucovorin, DoseSlot.fluorouracil_bolus, DoseSlot.fluorouracil_infusion]
LAB_TESTS = [
    "wbc",
    "neutrophils",
    "platelets",
    "hemoglobin",
    "total_bilirubin",
    "albumin",
    "inr",
    "alt",
    "ast",
    "creatinine",
]
WBC_GRADE_FOR_NEUTROPHIL_GRADE = np.array([0, 0, 1, 2, 3])
COMPACT_INT32 = {"subject", "day", "onset_day"}


def round_half_up_array(values: np.ndarray, places: int) -> np.ndarray:
    """:func:`haictrial.clinical.dosing.round_half_up` over an array (exact: near-halves use it directly)."""
    scale = 10.0**places
    scaled = values * scale
    out = np.floor(scaled + 0.5) / scale
    risky = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    for i in risky:
        out[i] = round_half_up(float(values[i]), places)
    return out


def doses_mg(per_unit: np.ndarray | float, amount: np.ndarray) -> np.ndarray:
    """:func:`haictrial.clinical.dosing.dose_mg` over arrays: the float product rounded half up to 0.1 mg,
    and the engine's own decimal arithmetic wherever the product is within 1e-6 of a rounding half."""
    per = np.broadcast_to(np.asarray(per_unit, dtype=float), np.shape(amount))
    scaled = per * amount * 10.0
    out = np.floor(scaled + 0.5) / 10.0
    risky = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    for i in risky:
        out[i] = dose_mg(float(per[i]), float(amount[i]))
    return out


def per_kg_doses_mg(per_kg: float, weight_kg: np.ndarray) -> np.ndarray:
    """``per_kg`` x weight (0.1 kg resolution) rounded half up to 0.1 mg in exact integer arithmetic, as
    the engine's decimal :func:`~haictrial.clinical.dosing.dose_mg` (7.5 x 58.3 = 437.25 -> 437.3)."""
    per_hundredths = round(per_kg * 100)
    if abs(per_hundredths - per_kg * 100) > 1e-9:
        return doses_mg(per_kg, weight_kg)
    tenths = np.round(weight_kg * 10).astype(np.int64)
    thousandths = per_hundredths * tenths  # mg x 1000
    return ((thousandths + 50) // 100) / 10.0


def targeted_agents(pop: Population, idx: np.ndarray, protocol: Protocol) -> tuple[np.ndarray, dict[int, str]]:
    """Agent code (0 none, 1 bevacizumab, 2 cetuximab) per patient, from the planning engine."""
    c = pop.cols
    key = ((c["site"][idx].astype(np.int64) * 3 + c["kras"][idx]) * 3 + c["nras"][idx]) * 3 + c["braf"][idx]
    codes = np.zeros(len(idx), dtype=np.int8)
    reasons: dict[int, str] = {}
    for k in np.unique(key):
        site, rest = divmod(int(k), 27)
        kras, rest = divmod(rest, 9)
        nras, braf = divmod(rest, 3)
        patient = Patient.model_validate(
            {
                "primary_tumor": {"site": SITES[site]},
                "molecular": {"kras": MUTATION[kras], "nras": MUTATION[nras], "braf": MUTATION[braf]},
            }
        )
        choice = choose_targeted_agent(patient, protocol)
        codes[key == k] = AGENTS.index(None if choice.agent is None else choice.agent.value)
        reasons[int(k)] = choice.reason
    return codes, reasons


@dataclass(frozen=True)
class RuleEffect:
    delay: bool
    hold: frozenset[DoseSlot]
    reduce: frozenset[DoseSlot]
    discontinue: frozenset[DoseSlot]


def rule_effects(protocol: Protocol, terms: list[str]) -> dict[tuple[str, int], RuleEffect]:
    """What each (term, grade 1-4) does to the next cycle under the protocol's rules (the engine's matching)."""
    dm = protocol.settings.dose_modification.value
    out = {}
    for term in terms:
        for grade in range(1, 5):
            delay, hold, reduce, stop = False, set(), set(), set()
            for rule, _ in matching_rules(term, grade, dm):
                delay |= rule.delay
                hold |= {s for d in rule.hold for s in slots_of(d)}
                reduce |= {s for d in rule.reduce for s in slots_of(d)}
                stop |= {s for d in rule.discontinue for s in slots_of(d)}
            out[(term, grade)] = RuleEffect(delay, frozenset(hold), frozenset(reduce), frozenset(stop))
    return out


def grade_probabilities(tox: D.Toxicity) -> np.ndarray:
    """Per-cycle probabilities of grades 0-4 from the per-course incidences (independent cycles)."""
    per = 1.0 / D.COURSE_CYCLES
    p_any = 1 - (1 - tox.any_grade) ** per
    p_34 = 1 - (1 - tox.grade_3_4) ** per
    p4 = p_34 * tox.grade_4_share
    p3 = p_34 - p4
    p2 = (p_any - p_34) * D.GRADE_2_SHARE_OF_1_2
    p1 = p_any - p_34 - p2
    return np.array([1 - p_any, p1, p2, p3, p4])


def draw_grades(rng: np.random.Generator, probs: np.ndarray, n: int, scale: np.ndarray | None = None) -> np.ndarray:
    """Grades 0-4 for ``n`` rows from grade probabilities; ``scale`` multiplies P(any grade) per row."""
    tail = np.cumsum(probs[::-1])[::-1][1:]  # P(grade >= 1), ..., P(grade >= 4)
    limits = tail[None, :] if scale is None else tail[None, :] * scale[:, None]
    return (rng.random(n)[:, None] < limits).sum(axis=1).astype(np.int8)


@dataclass
class Subjects:
    """The enrolled patients: population index, ids and the fixed values the course needs."""

    idx: np.ndarray
    ids: np.ndarray
    n: int
    screening_day: np.ndarray
    enrol_day: np.ndarray
    cycle1_day: np.ndarray
    height_cm: np.ndarray
    weight_kg: np.ndarray
    bsa_m2: np.ndarray
    female: np.ndarray
    agent: np.ndarray
    agent_reason: list[str]
    baseline_si: dict[str, np.ndarray]


@dataclass
class CycleRecords:
    """Flat per-cycle and per-event columns, appended cycle by cycle and concatenated at the end."""

    cycles: dict[str, list[np.ndarray]] = field(default_factory=dict)
    admin: dict[str, list[np.ndarray]] = field(default_factory=dict)
    labs: dict[str, list[np.ndarray]] = field(default_factory=dict)
    aes: dict[str, list[np.ndarray]] = field(default_factory=dict)

    @staticmethod
    def add(store: dict[str, list[np.ndarray]], **cols: Any) -> None:
        """Append columns; integer columns are stored compactly (subjects and days as int32, small codes
        as int8), which halves the memory the course needs at a million screened patients."""
        for k, v in cols.items():
            arr = np.asarray(v)
            if arr.dtype.kind in "iu":
                arr = arr.astype(np.int32 if k in COMPACT_INT32 or arr.dtype.itemsize > 4 else arr.dtype, copy=False)
            store.setdefault(k, []).append(arr)

    @staticmethod
    def done(store: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in store.items()}


def enrol(pop: Population, eligible: np.ndarray, protocol: Protocol, rng: np.random.Generator) -> Subjects:
    idx = np.flatnonzero(eligible == 1)
    n = len(idx)
    c = pop.cols
    screening = c["screening_day"][idx]
    enrol_day = screening + rng.integers(D.SCREEN_TO_ENROL_DAYS[0], D.SCREEN_TO_ENROL_DAYS[1] + 1, n)
    cycle1 = enrol_day + rng.integers(D.ENROL_TO_CYCLE1_DAYS[0], D.ENROL_TO_CYCLE1_DAYS[1] + 1, n)
    height, weight = c["height_cm"][idx], c["weight_kg"][idx]
    agent, reasons = targeted_agents(pop, idx, protocol)
    key = ((c["site"][idx].astype(np.int64) * 3 + c["kras"][idx]) * 3 + c["nras"][idx]) * 3 + c["braf"][idx]
    return Subjects(
        idx=idx,
        ids=np.asarray(pop.subject_ids.take(idx).to_numpy(zero_copy_only=False), dtype=object),
        n=n,
        screening_day=screening,
        enrol_day=enrol_day,
        cycle1_day=cycle1,
        height_cm=height,
        weight_kg=weight,
        bsa_m2=np.sqrt(height * weight / 3600.0),
        female=c["sex"][idx] == SEXES.index("female"),
        agent=agent,
        agent_reason=[reasons[int(k)] for k in key],
        baseline_si={a: pop.labs_si[a][idx] for a in LAB_TESTS},
    )


# --- laboratory values inside CTCAE grade bands ---------------------------------------------------


def _ranges(protocol: Protocol, test: str, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = protocol.settings.reference_ranges.value[Analyte(test)]
    lln = np.empty(len(female))
    uln = np.empty(len(female))
    for flag, sex in ((False, "male"), (True, "female")):
        r = ref.for_sex(sex)
        lln[female == flag] = np.nan if r.lln is None else r.lln
        uln[female == flag] = np.nan if r.uln is None else r.uln
    return lln, uln


def _between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return low + rng.random(len(low)) * np.maximum(high - low, 0.0)


def grade_band(
    test: str,
    grade: np.ndarray,
    baseline: np.ndarray,
    lln: np.ndarray,
    uln: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) SI bounds of values that CTCAE v5.0 grades as ``grade``, 2 % inside every band edge.

    Decreased counts: grade 1 is [grade-2 threshold, LLN), grade k the band below threshold k; grade 0
    lies between the LLN and the baseline. Increases: multiples of the ULN, or of the baseline when the
    baseline is above the ULN (ALT, AST, bilirubin); grade 0 lies around the baseline, below grade 1.
    Creatinine is not drawn by grade (see :func:`creatinine_grade`).
    References: CTCAE v5.0 via :mod:`haictrial.clinical.ctcae` (thresholds and multiples).
    """
    n = len(grade)
    if test in ("wbc", "neutrophils", "platelets", "hemoglobin"):
        t = DECREASE_THRESHOLDS[Analyte(test)]
        lows = [lln * 1.02, *(np.full(n, x * 1.02) for x in t), np.full(n, t[-1] * 0.6)]
        highs = [np.maximum(baseline, lln * 1.15), lln * 0.98, *(np.full(n, x * 0.98) for x in t)]
        g = np.minimum(grade, len(t) + 1)
        return np.choose(g, lows), np.choose(g, highs)
    abnormal = baseline > uln
    normal_m = np.array(ULN_MULTIPLES[Analyte(test)])
    abnormal_m = np.array(ABNORMAL_BASELINE_MULTIPLES[Analyte(test)][0])
    ref = np.where(abnormal, baseline, uln)
    m = np.where(abnormal[:, None], abnormal_m[None, :], normal_m[None, :])
    bounds = np.concatenate([np.zeros((n, 1)), m, m[:, -1:] * 1.5], axis=1) * ref[:, None]
    rows = np.arange(n)
    low = bounds[rows, grade] * 1.02
    high = bounds[rows, grade + 1] * 0.98
    g0_high = high
    g0_low = np.minimum(baseline * 0.8, g0_high * 0.9)
    return np.where(grade == 0, g0_low, low), np.where(grade == 0, g0_high, high)


def creatinine_grade(value: np.ndarray, uln: np.ndarray) -> np.ndarray:
    """Creatinine increased by its ULN clause, for values within 10 % of the baseline (the baseline
    clause starts at 1.5 x baseline, so it never applies). CTCAE v5.0 via :mod:`haictrial.clinical.ctcae`."""
    multiples = ULN_MULTIPLES[Analyte.creatinine]
    grade = np.zeros(len(value), dtype=np.int8)
    for m in multiples:
        limit = m * uln
        above = (value > limit) & ~(np.abs(value - limit) <= 1e-9 * np.maximum(np.abs(value), np.abs(limit)))
        grade += above.astype(np.int8)
    return grade


def draw_on_grid(rng: np.random.Generator, low: np.ndarray, high: np.ndarray, places: int) -> np.ndarray:
    """A value between ``low`` and ``high``, rounded to ``places`` decimals and kept inside the bounds."""
    scale = 10.0**places
    value = np.round(_between(rng, low, high) * scale)
    lo, hi = np.ceil(low * scale), np.floor(high * scale)
    return np.clip(value, lo, np.maximum(hi, lo)) / scale


# --- what the cycle loop (haictrial.synth.cycles) works with -------------------------------------


@dataclass
class Plan:
    """Per enrolled patient, what the course model decided before treatment starts."""

    converter: np.ndarray
    resect_at_assessment: np.ndarray
    death_day: np.ndarray
    progression_day: np.ndarray
    withdraw_after_cycle: np.ndarray


@dataclass
class TreatmentResult:
    cycles: dict[str, np.ndarray]
    administrations: dict[str, np.ndarray]
    labs: dict[str, np.ndarray]
    adverse_events: dict[str, np.ndarray]
    assessments: dict[str, np.ndarray]
    mdt: dict[str, np.ndarray]
    end_day: np.ndarray
    end_reason: np.ndarray
    cycles_given: np.ndarray
    resect_decision_day: np.ndarray
    terms: list[str]
    modification_texts: list[str | None]


END_REASONS = ["resection", "progression", "maximum_cycles", "toxicity", "withdrawal", "death"]
MDT_DECISIONS = ["continue_haic", "resect", "discontinue"]
ACTIONS = ["none", "dose_reduced", "dose_delayed", "drug_interrupted", "drug_withdrawn"]


def _dose_levels(protocol: Protocol) -> dict[DoseSlot, np.ndarray]:
    dm = protocol.settings.dose_modification.value
    regimen = protocol.regimen
    base = {
        DoseSlot.oxaliplatin: next(c.dose for c in regimen.chemotherapy if c.drug == Drug.oxaliplatin),
        DoseSlot.leucovorin: next(c.dose for c in regimen.chemotherapy if c.drug == Drug.leucovorin),
        DoseSlot.fluorouracil_bolus: next(
            c.dose for c in regimen.chemotherapy if c.drug == Drug.fluorouracil and c.component == "bolus"
        ),
        DoseSlot.fluorouracil_infusion: next(
            c.dose for c in regimen.chemotherapy if c.drug == Drug.fluorouracil and c.component == "infusion"
        ),
        DoseSlot.cetuximab: regimen.cetuximab.maintenance_dose,
    }
    return {slot: np.array(dm.dose_levels.get(slot.value) or [dose], dtype=float) for slot, dose in base.items()}


#: Columns (and types) of the records that may be empty in a tiny cohort.
AE_COLUMNS = {
    "subject": np.int32, "cycle": np.int32, "term": np.int16, "grade": np.int8, "onset_day": np.int32,
    "duration_days": np.int32, "seriousness": np.int8, "action": np.int8, "report_hours": np.float64,
    "late": np.bool_, "aware_hours": np.float64,
}  # fmt: skip
ASSESSMENT_COLUMNS = {"subject": np.int32, "day": np.int32, "progression": np.bool_, "phase": np.int8}
MDT_COLUMNS = {
    "subject": np.int32, "day": np.int32, "assessment_day": np.int32, "decision": np.int8, "reason": np.int8,
    "after_cycle": np.int32,
}  # fmt: skip


def _empty(columns: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {name: np.zeros(0, dtype=dtype) for name, dtype in columns.items()}


def modification_texts(
    cycle: int,
    stop: np.ndarray,
    reduce: np.ndarray,
    level: np.ndarray,
    hold: np.ndarray,
    delay: np.ndarray,
    causes: np.ndarray,
    texts_out: list[str | None],
) -> np.ndarray:
    """Codes into ``texts_out`` (appended to) of what changes for the next cycle and why, e.g.
    'oxaliplatin reduced to level 1 (after Neutrophil count decreased grade 3 in cycle 2)'; 0 (None)
    where nothing changes. Each distinct combination is written once."""
    out = np.zeros(len(delay), dtype=np.int32)
    rows = np.flatnonzero(stop.any(axis=1) | reduce.any(axis=1) | hold.any(axis=1) | (delay > 0))
    if len(rows) == 0:
        return out
    bits = np.zeros(len(rows), dtype=np.int64)
    for j in range(len(SLOTS)):
        bits = (
            bits * 64 + stop[rows, j] * 32 + reduce[rows, j] * 16 + hold[rows, j] * 8 + level[rows, j].astype(np.int64)
        )
    bits = bits * 32 + delay[rows]
    cause_codes, cause_values = pd.factorize(causes[rows])
    keys, first, inverse = np.unique(np.stack([bits, cause_codes]), axis=1, return_index=True, return_inverse=True)
    texts = np.empty(keys.shape[1], dtype=object)
    for u, r in enumerate(rows[first]):
        parts = [f"{s.value} discontinued" for j, s in enumerate(SLOTS) if stop[r, j]]
        parts += [f"{s.value} reduced to level {level[r, j]}" for j, s in enumerate(SLOTS) if reduce[r, j]]
        parts += [f"{s.value} held for one cycle" for j, s in enumerate(SLOTS) if hold[r, j]]
        if delay[r] > 0:
            parts.append(f"cycle delayed {delay[r]} days")
        texts[u] = f"{'; '.join(parts)} (after {str(causes[r]).removeprefix(', ')} in cycle {cycle})"
    base = len(texts_out)
    texts_out.extend(texts)
    out[rows] = base + np.asarray(inverse).reshape(-1)
    _ = cause_values
    return out
