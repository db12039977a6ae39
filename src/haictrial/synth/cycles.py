"""The HAIC course cycle by cycle, vectorised over the patients still on treatment.

Each cycle runs the same named steps, in this order (the order of the random draws is part of the
seeded, byte-identical output: keep it):

1. :func:`deaths_before_cycle`: patients who died before the cycle starts leave the course;
2. :func:`give_haic`: planned and given HAIC doses at the dose level in force (5-FU infusion stopped
   early in a share of cycles);
3. :func:`give_targeted_agents`: bevacizumab or cetuximab administrations (cetuximab loading dose on
   cycle 1 day 1);
4. :func:`draw_toxicity`: worst grade of each toxicity and the laboratory panel at the expected nadir;
5. :func:`record_adverse_events`: one adverse-event record per term and cycle, and what the protocol's
   dose-modification rules make of it (delay, reduce, hold, discontinue);
6. :func:`apply_dose_modification`: the rules applied to the next cycle;
7. :func:`image_and_review`: imaging every ``imaging_every_cycles`` cycles, with the MDT's decision;
8. :func:`end_of_course`: toxicity, withdrawal and the maximum number of cycles end the course; the
   next cycle's day.

References
----------
- NCT06988852 regimen and schedule (protocol file ``regimen``, ``settings.imaging_every_cycles``,
  ``settings.cetuximab_days``, ``settings.dose_modification``); docs/contracts/plan.md.
- What a toxicity does to the next cycle: :func:`haictrial.clinical.dose_modification.matching_rules`.
- Frequencies and delays: :mod:`haictrial.synth.distributions` and its sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from haictrial.clinical.dose_modification import DoseSlot
from haictrial.protocol.schema import Protocol
from haictrial.synth import distributions as D
from haictrial.synth.patients import SI_DECIMALS
from haictrial.synth.treatment import (
    ACTIONS,
    AE_COLUMNS,
    AGENTS,
    ASSESSMENT_COLUMNS,
    CHEMO_SLOTS,
    END_REASONS,
    LAB_TESTS,
    MDT_COLUMNS,
    SLOTS,
    WBC_GRADE_FOR_NEUTROPHIL_GRADE,
    CycleRecords,
    Plan,
    RuleEffect,
    Subjects,
    TreatmentResult,
    _dose_levels,
    _empty,
    _ranges,
    creatinine_grade,
    doses_mg,
    draw_grades,
    draw_on_grid,
    grade_band,
    grade_probabilities,
    modification_texts,
    per_kg_doses_mg,
    round_half_up_array,
    rule_effects,
)

#: Terms derived from others rather than drawn: the white cell count follows the neutrophils, febrile
#: neutropenia follows grade 3-4 neutropenia, creatinine follows the baseline.
DERIVED_TERMS = ["White blood cell decreased", "Febrile neutropenia", "Creatinine increased"]


@dataclass
class CourseSettings:
    """What the protocol and the cohort fix before the first cycle."""

    cycle_len: int
    every: int
    cet_days: list[int]
    bev: Any
    cet: Any
    levels_table: dict[DoseSlot, np.ndarray]
    regimen_slots: np.ndarray
    toxicities: list[D.Toxicity]
    terms: list[str]
    effects: dict[tuple[str, int], RuleEffect]
    probs: dict[str, np.ndarray]
    lab_of: dict[str, str]
    ranges: dict[str, tuple[np.ndarray, np.ndarray]]
    infusion_hours: float

    @classmethod
    def of(cls, subj: Subjects, protocol: Protocol) -> CourseSettings:
        n = subj.n
        regimen_slots = np.zeros((n, len(SLOTS)), dtype=bool)
        for s in CHEMO_SLOTS:
            regimen_slots[:, SLOTS.index(s)] = True
        regimen_slots[:, SLOTS.index(DoseSlot.bevacizumab)] = subj.agent == 1
        regimen_slots[:, SLOTS.index(DoseSlot.cetuximab)] = subj.agent == 2
        toxicities = list(D.TOXICITIES)
        terms = [t.term for t in toxicities] + DERIVED_TERMS
        return cls(
            cycle_len=protocol.regimen.cycle_length_days,
            every=protocol.settings.imaging_every_cycles.value,
            cet_days=sorted(protocol.settings.cetuximab_days.value),
            bev=protocol.regimen.bevacizumab,
            cet=protocol.regimen.cetuximab,
            levels_table=_dose_levels(protocol),
            regimen_slots=regimen_slots,
            toxicities=toxicities,
            terms=terms,
            effects=rule_effects(protocol, terms),
            probs={t.term: grade_probabilities(t) for t in toxicities},
            lab_of={t.term: t.lab for t in toxicities if t.lab},
            ranges={test: _ranges(protocol, test, subj.female) for test in LAB_TESTS},
            infusion_hours=next(
                c.end_h - c.start_h for c in protocol.regimen.chemotherapy if c.component == "infusion"
            ),
        )


@dataclass
class CourseState:
    """What each enrolled patient carries from one cycle to the next, and the records written so far."""

    level: np.ndarray
    stopped: np.ndarray
    held: np.ndarray
    delay_days: np.ndarray
    mod_code: np.ndarray
    day: np.ndarray
    on: np.ndarray
    end_day: np.ndarray
    end_reason: np.ndarray
    cycles_given: np.ndarray
    resect_day: np.ndarray
    assessment_no: np.ndarray
    mod_texts: list[str | None] = field(default_factory=lambda: [None])
    rec: CycleRecords = field(default_factory=CycleRecords)
    assess: dict[str, list[np.ndarray]] = field(default_factory=dict)
    mdt: dict[str, list[np.ndarray]] = field(default_factory=dict)

    @classmethod
    def start(cls, subj: Subjects) -> CourseState:
        n = subj.n
        return cls(
            level=np.zeros((n, len(SLOTS)), dtype=np.int8),
            stopped=np.zeros((n, len(SLOTS)), dtype=bool),
            held=np.zeros((n, len(SLOTS)), dtype=bool),
            delay_days=np.zeros(n, dtype=np.int64),
            mod_code=np.zeros(n, dtype=np.int32),
            day=subj.cycle1_day.copy(),
            on=np.ones(n, dtype=bool),
            end_day=np.full(n, -1, dtype=np.int64),
            end_reason=np.full(n, -1, dtype=np.int8),
            cycles_given=np.zeros(n, dtype=np.int8),
            resect_day=np.full(n, -1, dtype=np.int64),
            assessment_no=np.zeros(n, dtype=np.int8),
        )


@dataclass
class Toxicity:
    """One cycle's toxicity for the patients on treatment: grades per term and the nadir lab day."""

    grades: dict[str, np.ndarray]
    lab_day: np.ndarray
    lab_terms: dict[str, str]


@dataclass
class RuleOutcome:
    """What this cycle's adverse events ask of the next cycle, per patient (rows) and dose slot (columns)."""

    delay: np.ndarray
    reduce: np.ndarray
    discontinue: np.ndarray
    hold: np.ndarray
    causes: np.ndarray


def deaths_before_cycle(state: CourseState, plan: Plan) -> None:
    dies = state.on & ~plan.converter & (plan.death_day <= state.day)
    state.end_day[dies], state.end_reason[dies] = plan.death_day[dies], END_REASONS.index("death")
    state.on &= ~dies


def give_haic(
    cfg: CourseSettings, state: CourseState, subj: Subjects, rng: np.random.Generator, k: int, a: np.ndarray
) -> None:
    m = len(a)
    bsa = subj.bsa_m2[a]
    planned: dict[DoseSlot, np.ndarray] = {}
    for s in CHEMO_SLOTS:
        j = SLOTS.index(s)
        per_m2 = cfg.levels_table[s][np.minimum(state.level[a, j], len(cfg.levels_table[s]) - 1)]
        dose = doses_mg(per_m2, bsa)
        planned[s] = np.where(state.stopped[a, j] | state.held[a, j], np.nan, dose)
    given = {s: v.copy() for s, v in planned.items()}
    early = rng.random(m) < D.INFUSION_STOPPED_EARLY_SHARE
    frac = rng.uniform(*D.INFUSION_STOPPED_EARLY_FRACTION, m)
    inf = DoseSlot.fluorouracil_infusion
    given[inf] = np.where(early & ~np.isnan(planned[inf]), np.round(planned[inf] * frac * 10) / 10, planned[inf])
    modified = (state.level[a] > 0) | state.stopped[a] | state.held[a]
    state.rec.add(
        state.rec.cycles,
        subject=a,
        cycle=np.full(m, k),
        day=state.day[a],
        delay_days=state.delay_days[a],
        modification=state.mod_code[a],
        dose_modified=(modified & cfg.regimen_slots[a]).any(axis=1),
        bsa_m2=round_half_up_array(bsa, 2),
        **{f"planned_{s.value}_mg": planned[s] for s in CHEMO_SLOTS},
        **{f"given_{s.value}_mg": given[s] for s in CHEMO_SLOTS},
        **{
            f"dose_level_{s.value}": np.where(np.isnan(planned[s]), -1, state.level[a, SLOTS.index(s)])
            for s in CHEMO_SLOTS
        },
        fluorouracil_infusion_rate_mg_per_h=round_half_up_array(np.nan_to_num(planned[inf]) / cfg.infusion_hours, 2),
        infusion_stopped_early=early & ~np.isnan(planned[inf]),
    )


def give_targeted_agents(cfg: CourseSettings, state: CourseState, subj: Subjects, k: int, a: np.ndarray) -> None:
    jb, jc = SLOTS.index(DoseSlot.bevacizumab), SLOTS.index(DoseSlot.cetuximab)
    day = state.day
    give_bev = (subj.agent[a] == 1) & ~state.stopped[a, jb] & ~state.held[a, jb]
    b = a[give_bev]
    for d in cfg.bev.days:
        dose = per_kg_doses_mg(cfg.bev.dose, subj.weight_kg[b])
        state.rec.add(
            state.rec.admin,
            subject=b,
            cycle=np.full(len(b), k),
            day=day[b] + d - 1,
            cycle_day=np.full(len(b), d),
            drug=np.full(len(b), 1, dtype=np.int8),
            planned_dose_mg=dose,
            given_dose_mg=dose,
            dose_level=np.zeros(len(b), dtype=np.int8),
            prescribed_dose=np.full(len(b), cfg.bev.dose),
        )
    give_cet = (subj.agent[a] == 2) & ~state.stopped[a, jc] & ~state.held[a, jc]
    cc = a[give_cet]
    cet_levels = cfg.levels_table[DoseSlot.cetuximab]
    for i, d in enumerate(cfg.cet_days):
        loading = k == 1 and i == 0  # the loading dose: cycle 1, first cetuximab day (protocol regimen)
        lvl = np.zeros(len(cc), dtype=np.int8) if loading else state.level[cc, jc]
        per_m2 = np.full(len(cc), cfg.cet.loading_dose) if loading else cet_levels[np.minimum(lvl, len(cet_levels) - 1)]
        dose = doses_mg(per_m2, subj.bsa_m2[cc])
        state.rec.add(
            state.rec.admin,
            subject=cc,
            cycle=np.full(len(cc), k),
            day=day[cc] + d - 1,
            cycle_day=np.full(len(cc), d),
            drug=np.full(len(cc), 2, dtype=np.int8),
            planned_dose_mg=dose,
            given_dose_mg=dose,
            dose_level=lvl,
            prescribed_dose=per_m2,
        )


def draw_toxicity(
    cfg: CourseSettings, state: CourseState, subj: Subjects, rng: np.random.Generator, k: int, a: np.ndarray
) -> Toxicity:
    """Worst grade per term this cycle, and the laboratory panel drawn inside each lab grade's CTCAE band."""
    m = len(a)
    date = state.day[a]
    grades: dict[str, np.ndarray] = {}
    lab_day = date + rng.integers(7, 14, m)
    agent = subj.agent[a]
    for t in cfg.toxicities:
        scale = None
        if t.term == "Peripheral sensory neuropathy":
            scale = np.full(m, min(2.0, k / 3.5))  # cumulative oxaliplatin neuropathy
        elif t.term == "Infusion related reaction":
            scale = np.full(m, 3.0 if k == 1 else 0.6)  # mostly at the first infusion
        g = draw_grades(rng, cfg.probs[t.term], m, scale)
        if t.agent is not None:
            g = np.where(agent == AGENTS.index(t.agent), g, 0).astype(np.int8)
        grades[t.term] = g
    grades["White blood cell decreased"] = WBC_GRADE_FOR_NEUTROPHIL_GRADE[grades["Neutrophil count decreased"]].astype(
        np.int8
    )
    fn = (grades["Neutrophil count decreased"] >= 3) & (rng.random(m) < D.FEBRILE_NEUTROPENIA_IF_G34)
    grades["Febrile neutropenia"] = np.where(fn, 3, 0).astype(np.int8)
    panel: dict[str, np.ndarray] = {}
    lab_terms = {**cfg.lab_of, "White blood cell decreased": "wbc"}
    for term, test in lab_terms.items():
        lln, uln = cfg.ranges[test]
        low, high = grade_band(test, grades[term], subj.baseline_si[test][a], lln[a], uln[a])
        panel[test] = draw_on_grid(rng, low, high, SI_DECIMALS[test])
    creat = np.round(subj.baseline_si["creatinine"][a] * rng.uniform(0.92, 1.08, m))
    panel["creatinine"] = creat
    grades["Creatinine increased"] = creatinine_grade(creat, cfg.ranges["creatinine"][1][a])
    panel["albumin"] = np.round(subj.baseline_si["albumin"][a] * rng.uniform(0.9, 1.05, m) * 10) / 10
    panel["inr"] = np.round(subj.baseline_si["inr"][a] * rng.uniform(0.95, 1.08, m) * 100) / 100
    state.rec.add(
        state.rec.labs,
        subject=a,
        cycle=np.full(m, k),
        day=lab_day,
        values=np.stack([panel[test] for test in LAB_TESTS], axis=1),
    )
    return Toxicity(grades=grades, lab_day=lab_day, lab_terms=lab_terms)


def record_adverse_events(
    cfg: CourseSettings, state: CourseState, rng: np.random.Generator, k: int, a: np.ndarray, tox: Toxicity
) -> RuleOutcome:
    """One record per term with grade >= 1 (its worst grade this cycle), its seriousness and the action taken;
    and what the protocol's rules for that term and grade ask of the next cycle."""
    m = len(a)
    date = state.day[a]
    out = RuleOutcome(
        delay=np.zeros(m, dtype=bool),
        reduce=np.zeros((m, len(SLOTS)), dtype=bool),
        discontinue=np.zeros((m, len(SLOTS)), dtype=bool),
        hold=np.zeros((m, len(SLOTS)), dtype=bool),
        causes=np.full(m, "", dtype=object),
    )
    for term in cfg.terms:
        g = tox.grades[term]
        hit = np.flatnonzero(g > 0)
        if len(hit) == 0:
            continue
        action = np.zeros(len(hit), dtype=np.int8)
        for grade in range(1, 5):
            e = cfg.effects[(term, grade)]
            rows = hit[g[hit] == grade]
            if len(rows) == 0:
                continue
            sel = g[hit] == grade
            if e.delay:
                out.delay[rows] = True
                action[sel] = np.maximum(action[sel], ACTIONS.index("dose_delayed"))
            for s in e.reduce:
                out.reduce[rows, SLOTS.index(s)] = True
            for s in e.discontinue:
                out.discontinue[rows, SLOTS.index(s)] = True
            for s in e.hold:
                out.hold[rows, SLOTS.index(s)] = True
            affects = [SLOTS.index(s) for s in e.reduce | e.discontinue | e.hold]
            if affects:
                in_reg = cfg.regimen_slots[a[rows]][:, affects].any(axis=1)
                kind = "drug_withdrawn" if e.discontinue else ("dose_reduced" if e.reduce else "drug_interrupted")
                idx_sel = np.flatnonzero(sel)[in_reg]
                action[idx_sel] = np.maximum(action[idx_sel], ACTIONS.index(kind))
            if e.delay or affects:
                out.causes[rows] = out.causes[rows] + f", {term} grade {grade}"
        is_lab = term in tox.lab_terms or term == "Creatinine increased"
        if is_lab:
            onset = tox.lab_day[hit]
        elif term in ("Abdominal pain", "Infusion related reaction"):
            onset = date[hit]  # during the HAIC procedure and infusion
        else:
            onset = date[hit] + rng.integers(1, 15, len(hit))
        admitted = (g[hit] == 3) & (rng.random(len(hit)) < D.HOSPITALISATION_IF_GRADE_3) & (not is_lab)
        if term == "Febrile neutropenia":
            admitted = g[hit] >= 3
        # seriousness code: 0 not serious, 1 life-threatening (grade 4), 2 hospitalisation
        serious_crit = np.where(g[hit] >= 4, 1, np.where(admitted, 2, 0))
        state.rec.add(
            state.rec.aes,
            subject=a[hit],
            cycle=np.full(len(hit), k),
            term=np.full(len(hit), cfg.terms.index(term), dtype=np.int16),
            grade=g[hit],
            onset_day=onset,
            duration_days=rng.integers(3, 21, len(hit)),
            seriousness=serious_crit.astype(np.int8),
            action=action,
            report_hours=rng.uniform(*D.SAE_REPORT_HOURS, len(hit)),
            late=rng.random(len(hit)) < D.SAE_LATE_SHARE,
            aware_hours=rng.uniform(1, 30, len(hit)),
        )
    return out


def apply_dose_modification(
    cfg: CourseSettings, state: CourseState, rng: np.random.Generator, k: int, a: np.ndarray, rules: RuleOutcome
) -> np.ndarray:
    """The next cycle's dose levels, discontinuations, holds and delay (see
    :mod:`haictrial.clinical.dose_modification`); returns which slots are now stopped, per patient."""
    m = len(a)
    red = rules.reduce & cfg.regimen_slots[a]
    stop = rules.discontinue & cfg.regimen_slots[a]
    hold = rules.hold & cfg.regimen_slots[a]
    lvl = state.level[a].astype(np.int16)
    was_stopped = state.stopped[a]
    new_stop = stop & ~was_stopped
    max_level = np.array([len(cfg.levels_table.get(s, [0])) - 1 if s in cfg.levels_table else 0 for s in SLOTS])
    do_reduce = red & ~was_stopped & ~new_stop
    too_low = do_reduce & (lvl + 1 > max_level[None, :])  # reduced past the last level: discontinued
    lvl = np.where(do_reduce & ~too_low, lvl + 1, lvl)
    now_stopped = was_stopped | new_stop | too_low
    state.level[a] = lvl.astype(np.int8)
    state.stopped[a] = now_stopped
    state.held[a] = hold & ~now_stopped
    delay = np.where(rules.delay, rng.choice(np.array(D.DELAY_DAYS), m, p=[0.75, 0.25]), 0)
    state.delay_days[a] = delay
    state.mod_code[a] = modification_texts(
        k, new_stop | too_low, do_reduce & ~too_low, lvl, state.held[a], delay, rules.causes, state.mod_texts
    )
    return now_stopped


def image_and_review(
    cfg: CourseSettings, state: CourseState, plan: Plan, rng: np.random.Generator, k: int, a: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Imaging after every ``every``-th cycle and the MDT's decision (resect, discontinue at progression or
    the last cycle, or continue); returns each patient's end reason (-1: goes on) and end day."""
    m = len(a)
    if k % cfg.every != 0:
        return np.zeros(m, dtype=np.int8) - 1, np.full(m, -1)
    date = state.day[a]
    state.assessment_no[a] += 1
    img = date + rng.integers(14, 18, m)
    pd = ~plan.converter[a] & (img >= plan.progression_day[a])
    resect = plan.converter[a] & (state.assessment_no[a] == plan.resect_at_assessment[a]) & ~pd
    last = k == D.MAX_CYCLES
    decision = np.where(resect, 1, np.where(pd | last, 2, 0)).astype(np.int8)
    reason = np.where(resect, 0, np.where(pd, 1, np.where(last, 2, 3))).astype(np.int8)
    mdt_day = img + rng.integers(1, 3, m)
    CycleRecords.add(state.assess, subject=a, day=img, progression=pd, phase=np.zeros(m, dtype=np.int8))
    CycleRecords.add(
        state.mdt,
        subject=a,
        day=mdt_day,
        assessment_day=img,
        decision=decision,
        reason=reason,
        after_cycle=np.full(m, k),
    )
    state.resect_day[a[resect]] = mdt_day[resect]
    ends = np.where(
        resect,
        END_REASONS.index("resection"),
        np.where(pd, END_REASONS.index("progression"), np.where(last, END_REASONS.index("maximum_cycles"), -1)),
    ).astype(np.int8)
    return ends, np.where(resect | pd | last, mdt_day, -1)


def end_of_course(
    cfg: CourseSettings,
    state: CourseState,
    plan: Plan,
    rng: np.random.Generator,
    k: int,
    a: np.ndarray,
    now_stopped: np.ndarray,
    lab_day: np.ndarray,
    ends: np.ndarray,
    end_when: np.ndarray,
) -> None:
    """HAIC discontinued for toxicity, withdrawal after this cycle, or the maximum number of cycles end the
    course; everyone else gets the next cycle's day (cycle length, jitter, delay)."""
    m = len(a)
    date = state.day[a]
    haic_off = (
        now_stopped[:, SLOTS.index(DoseSlot.oxaliplatin)] & now_stopped[:, SLOTS.index(DoseSlot.fluorouracil_infusion)]
    )
    tox_stop = (ends < 0) & haic_off
    ends = np.where(tox_stop, END_REASONS.index("toxicity"), ends)
    end_when = np.where(tox_stop, lab_day + 7, end_when)
    withdraw = (ends < 0) & (plan.withdraw_after_cycle[a] == k)
    ends = np.where(withdraw, END_REASONS.index("withdrawal"), ends)
    end_when = np.where(withdraw, date + rng.integers(14, 28, m), end_when)
    if k == D.MAX_CYCLES:
        last_stop = ends < 0
        ends = np.where(last_stop, END_REASONS.index("maximum_cycles"), ends)
        end_when = np.where(last_stop, date + cfg.cycle_len, end_when)
    finished = ends >= 0
    state.end_day[a[finished]] = end_when[finished]
    state.end_reason[a[finished]] = ends[finished]
    state.on[a[finished]] = False
    jitter = rng.integers(D.CYCLE_JITTER_DAYS[0], D.CYCLE_JITTER_DAYS[1] + 1, m)
    state.day[a] = date + cfg.cycle_len + jitter + state.delay_days[a]


def run_cycles(subj: Subjects, plan: Plan, protocol: Protocol, rng: np.random.Generator) -> TreatmentResult:
    """Give cycles 1..MAX_CYCLES to every enrolled patient until resection, progression, toxicity,
    withdrawal, death or the maximum; image every ``imaging_every_cycles`` cycles with an MDT review."""
    cfg = CourseSettings.of(subj, protocol)
    state = CourseState.start(subj)
    for k in range(1, D.MAX_CYCLES + 1):
        deaths_before_cycle(state, plan)
        a = np.flatnonzero(state.on)
        if len(a) == 0 and k > 1:
            break
        state.cycles_given[a] = k
        give_haic(cfg, state, subj, rng, k, a)
        give_targeted_agents(cfg, state, subj, k, a)
        tox = draw_toxicity(cfg, state, subj, rng, k, a)
        rules = record_adverse_events(cfg, state, rng, k, a, tox)
        now_stopped = apply_dose_modification(cfg, state, rng, k, a, rules)
        ends, end_when = image_and_review(cfg, state, plan, rng, k, a)
        end_of_course(cfg, state, plan, rng, k, a, now_stopped, tox.lab_day, ends, end_when)

    rec = state.rec
    return TreatmentResult(
        cycles=CycleRecords.done(rec.cycles),
        administrations=CycleRecords.done(rec.admin),
        labs=CycleRecords.done(rec.labs),
        adverse_events=CycleRecords.done(rec.aes) if rec.aes else _empty(AE_COLUMNS),
        assessments=CycleRecords.done(state.assess) if state.assess else _empty(ASSESSMENT_COLUMNS),
        mdt=CycleRecords.done(state.mdt) if state.mdt else _empty(MDT_COLUMNS),
        end_day=state.end_day,
        end_reason=state.end_reason,
        cycles_given=state.cycles_given,
        resect_decision_day=state.resect_day,
        terms=cfg.terms,
        modification_texts=state.mod_texts,
    )
