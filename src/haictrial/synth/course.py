"""The course of every enrolled patient through CHALLENGE-A1, vectorised over patients.

Enrolment -> HAIC cycles (:mod:`haictrial.synth.treatment`) with imaging every ``imaging_every_cycles``
cycles and an MDT review after each -> liver resection for those the MDT finds resectable (margin status
and Clavien-Dindo grade) -> follow-up imaging of the unresected until progression -> recurrence,
death or censoring at the data cut-off. Dates are whole days. Nothing is dated after death, and
nothing after the subject's censoring date.

References
----------
- CHALLENGE-A1 (NCT06988852): regimen, schedule (follow-up every ``follow_up_every_months`` months for
  ``follow_up_years`` years), endpoints (conversion to R0 resection, ORR, OS, PFS, RFS).
- Response, conversion, surgery and survival models: :mod:`haictrial.synth.distributions` and its sources
  ([Kemeny2009], [Folprecht2005], [Pawlik2005], [Dindo2004], [Adam2004], [Saltz2008]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from haictrial.protocol.schema import Protocol
from haictrial.synth import distributions as D
from haictrial.synth.cycles import run_cycles
from haictrial.synth.imaging import Imaging, measure
from haictrial.synth.patients import Population
from haictrial.synth.treatment import END_REASONS, Plan, Subjects, TreatmentResult, enrol

R_STATUS = list(D.R_STATUS_SHARES)
CLAVIEN = list(D.CLAVIEN_DINDO_SHARES)
PROCEDURES = ["minor_hepatectomy", "major_hepatectomy", "two_stage_hepatectomy"]
VITAL = ["dead", "alive", "lost_to_follow_up"]


@dataclass
class Course:
    subjects: Subjects
    best_change: np.ndarray
    treatment: TreatmentResult
    imaging: Imaging
    resections: dict[str, np.ndarray]
    follow_up: dict[str, np.ndarray]


def _months(days: float) -> float:
    return days * D.DAYS_PER_MONTH


def _weibull_days(rng: np.random.Generator, n: int, median_months: float, shape: float) -> np.ndarray:
    scale = median_months / np.log(2.0) ** (1.0 / shape)
    return rng.weibull(shape, n) * scale * D.DAYS_PER_MONTH


def draw_plan(subj: Subjects, rng: np.random.Generator) -> tuple[Plan, np.ndarray, np.ndarray]:
    """Latent course per patient: best change, conversion, death and progression if unresected, withdrawal."""
    n = subj.n
    best = np.clip(rng.normal(D.BEST_CHANGE_MEAN, D.BEST_CHANGE_SD, n), -1.0, 0.12)
    best = np.where(best <= -0.95, -1.0, best)
    responder = best <= -0.30
    converter = rng.random(n) < np.where(responder, D.RESECTION_IF_RESPONDER, D.RESECTION_IF_NON_RESPONDER)
    resect_at = np.where(rng.random(n) < D.RESECT_AFTER_4_CYCLES, 2, 3).astype(np.int8)
    death = subj.enrol_day + np.ceil(
        _weibull_days(rng, n, D.OS_MEDIAN_MONTHS_UNRESECTED, D.OS_WEIBULL_SHAPE_UNRESECTED)
    ).astype(np.int64)
    frac = rng.uniform(*D.PROGRESSION_FRACTION_OF_OS, n)
    progression = subj.cycle1_day + np.floor((death - subj.cycle1_day) * frac).astype(np.int64)
    never = rng.random(n) < D.DEATH_WITHOUT_PROGRESSION
    progression = np.where(never, np.iinfo(np.int64).max // 4, progression)
    withdraw = rng.geometric(D.WITHDRAWAL_PER_CYCLE, n)
    nadir = rng.uniform(*D.DAYS_TO_NADIR, n)
    plan = Plan(
        converter=converter,
        resect_at_assessment=resect_at,
        death_day=death,
        progression_day=progression,
        withdraw_after_cycle=withdraw,
    )
    return plan, best, nadir


def simulate_course(
    pop: Population,
    eligible: np.ndarray,
    protocol: Protocol,
    rng: np.random.Generator,
    cutoff_day: int,
) -> Course:
    """The whole course of the patients the screening verdict made eligible (``eligible == 1``)."""
    subj = enrol(pop, eligible, protocol, rng)
    n = subj.n
    plan, best, nadir = draw_plan(subj, rng)
    tr = run_cycles(subj, plan, protocol, rng)

    # --- surgery ---------------------------------------------------------------------------
    resected = tr.resect_decision_day >= 0
    r_idx = np.flatnonzero(resected)
    nr = len(r_idx)
    res_day = tr.resect_decision_day[r_idx] + rng.integers(
        D.MDT_TO_RESECTION_DAYS[0], D.MDT_TO_RESECTION_DAYS[1] + 1, nr
    )
    r_status = rng.choice(len(R_STATUS), nr, p=list(D.R_STATUS_SHARES.values())).astype(np.int8)
    margin = np.where(
        r_status == 0,
        np.round(1.0 + D.R0_MARGIN_MEDIAN_MM * np.exp(rng.normal(0, D.R0_MARGIN_LOG_SD, nr)), 1),
        np.where(r_status == 1, np.round(rng.uniform(0.0, 0.9, nr), 1), np.nan),
    )
    clavien = rng.choice(len(CLAVIEN), nr, p=list(D.CLAVIEN_DINDO_SHARES.values())).astype(np.int8)
    lesion_count = np.bincount(pop.lesions.owner, minlength=pop.n)[subj.idx[r_idx]]
    procedure = np.where(lesion_count >= 8, 2, np.where(lesion_count >= 4, 1, (rng.random(nr) < 0.3).astype(int)))
    stay = rng.integers(6, 12, nr) + np.array([0, 0, 3, 8, 12, 20, 25, 0])[clavien]

    # --- death, progression, recurrence ----------------------------------------------------
    death = plan.death_day.copy()
    ended = np.maximum(tr.end_day, subj.cycle1_day)
    late = ~resected & plan.converter & (death <= ended)
    death = np.where(late, ended + rng.integers(30, 180, n), death)
    after = np.ceil(rng.exponential(D.OS_MEDIAN_MONTHS_RESECTED / np.log(2.0), nr) * D.DAYS_PER_MONTH).astype(np.int64)
    complete = r_status <= 1
    r_death = np.where(complete, res_day + 1 + after, np.maximum(death[r_idx], res_day + rng.integers(60, 240, nr)))
    r_death = np.where(CLAVIEN[-1] == np.array(CLAVIEN)[clavien], res_day + rng.integers(2, 60, nr), r_death)
    death[r_idx] = r_death
    recurrence = np.full(n, -1, dtype=np.int64)
    recurs = complete & (rng.random(nr) < D.RECURRENCE_SHARE) & (clavien != len(CLAVIEN) - 1)
    rec_day = res_day + np.maximum(
        14, np.floor((r_death - res_day) * rng.uniform(*D.RECURRENCE_FRACTION_OF_OS, nr)).astype(np.int64)
    )
    recurs &= rec_day < r_death
    recurrence[r_idx[recurs]] = rec_day[recurs]
    r2_prog = res_day + np.floor((r_death - res_day) * rng.uniform(0.2, 0.6, nr)).astype(np.int64)

    # --- censoring -------------------------------------------------------------------------
    cap = subj.enrol_day + int(round(protocol.schedule.follow_up_years * 365.25))
    censor = np.minimum(cutoff_day, cap)
    lost = rng.random(n) < D.LOST_TO_FOLLOW_UP_SHARE
    last_care = ended.copy()
    last_care[r_idx] = np.maximum(last_care[r_idx], res_day + stay)
    lost_day = last_care + 30 + np.floor(rng.random(n) * np.maximum(censor - last_care - 30, 0)).astype(np.int64)
    lost &= lost_day < censor
    censor = np.where(lost, lost_day, censor)

    # --- follow-up imaging of the unresected who have not progressed -----------------------
    tx = tr.assessments
    treatment_pd = np.zeros(n, dtype=bool)
    treatment_pd[tx["subject"][tx["progression"]]] = True
    last_img = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_img, tx["subject"], tx["day"])
    last_img = np.where(last_img < 0, ended, last_img)
    progression_day = plan.progression_day.copy()
    progression_day = np.where(plan.converter & ~resected, np.maximum(progression_day, last_img + 1), progression_day)
    follow = np.flatnonzero(~resected & ~treatment_pd)
    step = int(round(protocol.schedule.follow_up_every_months * D.DAYS_PER_MONTH))
    slots = int(np.ceil(protocol.schedule.follow_up_years * 12 / protocol.schedule.follow_up_every_months))
    grid = (
        last_img[follow][:, None] + step * np.arange(1, slots + 1)[None, :] + rng.integers(-7, 8, (len(follow), slots))
    )
    stop = np.minimum(death[follow], censor[follow])
    valid = grid < stop[:, None]
    at_pd = valid & (grid >= progression_day[follow][:, None])
    first_pd = np.where(at_pd.any(axis=1), at_pd.argmax(axis=1), slots)
    valid &= np.arange(slots)[None, :] <= first_pd[:, None]
    fo, fs = np.nonzero(valid)
    f_owner, f_day = follow[fo], grid[fo, fs]
    f_pd = fs == first_pd[fo]

    # --- nothing after death or censoring ---------------------------------------------------
    limit = np.minimum(death, censor + 1)
    keep = tx["day"] < limit[tx["subject"]]
    a_owner = np.concatenate([tx["subject"][keep], f_owner])
    a_day = np.concatenate([tx["day"][keep], f_day])
    a_pd = np.concatenate([tx["progression"][keep], f_pd])
    a_phase = np.concatenate([np.ones(keep.sum(), dtype=np.int8), np.full(len(f_owner), 2, dtype=np.int8)])
    imaging = measure(
        pop,
        subj.idx,
        protocol,
        rng,
        subj_ids_arrow(subj),
        best,
        nadir,
        subj.cycle1_day,
        subj.screening_day,
        a_owner,
        a_day,
        a_pd,
        a_phase,
    )
    pd_days = np.full(n, -1, dtype=np.int64)
    pd_rows = a_pd
    pd_days[a_owner[pd_rows]] = a_day[pd_rows]
    r2 = r_status == 2
    pd_days[r_idx[r2]] = r2_prog[r2]
    _trim(tr, limit)
    tr.cycles = by_subject_and_cycle(tr.cycles, n)
    labs = by_subject_and_cycle(tr.labs, n)
    values = labs.pop("values")
    tests = values.shape[1]
    tr.labs = {
        "subject": np.repeat(labs["subject"], tests),
        "cycle": np.repeat(labs["cycle"], tests),
        "day": np.repeat(labs["day"], tests),
        "test": np.tile(np.arange(tests, dtype=np.int8), len(labs["subject"])),
        "value": values.ravel(),
    }

    dead = death <= censor
    progression = np.where((pd_days >= 0) & (pd_days <= np.minimum(death, censor)), pd_days, -1)
    recurrence = np.where((recurrence >= 0) & (recurrence <= np.minimum(death, censor)), recurrence, -1)
    last_alive = np.where(dead, death, censor)
    events = np.stack(
        [
            np.where(progression >= 0, progression, np.iinfo(np.int64).max),
            np.where(recurrence >= 0, recurrence, np.iinfo(np.int64).max),
            np.where(dead, death, np.iinfo(np.int64).max),
        ]
    )
    pfs_day = events.min(axis=0)
    pfs_event = pfs_day < np.iinfo(np.int64).max
    pfs_day = np.where(pfs_event, pfs_day, last_alive)
    end_day = np.where(tr.end_day >= 0, np.minimum(tr.end_day, np.where(dead, death, tr.end_day)), ended)
    follow_up = {
        "subject": np.arange(n),
        "enrolment_day": subj.enrol_day,
        "end_of_treatment_day": end_day,
        "end_of_treatment_reason": np.where(dead & (death <= end_day), END_REASONS.index("death"), tr.end_reason),
        "progression_day": progression,
        "recurrence_day": recurrence,
        "death_day": np.where(dead, death, -1),
        "last_known_alive_day": last_alive,
        "vital_status": np.where(dead, 0, np.where(lost, 2, 1)).astype(np.int8),
        "os_months": (last_alive - subj.enrol_day) / D.DAYS_PER_MONTH,
        "os_event": dead,
        "pfs_months": (pfs_day - subj.enrol_day) / D.DAYS_PER_MONTH,
        "pfs_event": pfs_event,
    }
    resections = {
        "subject": r_idx,
        "mdt_day": tr.resect_decision_day[r_idx],
        "day": res_day,
        "procedure": procedure.astype(np.int8),
        "r_status": r_status,
        "margin_mm": margin,
        "clavien_dindo": clavien,
        "length_of_stay_days": stay,
    }
    return Course(
        subjects=subj, best_change=best, treatment=tr, imaging=imaging, resections=resections, follow_up=follow_up
    )


def subj_ids_arrow(subj: Subjects):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.array(subj.ids, pa.string())


def by_subject_and_cycle(table: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Rows of one-per-(subject, cycle) records, reordered by subject then cycle without sorting: each
    subject's cycles are 1..K (a suffix may have been trimmed), so the row goes to start[subject] + cycle - 1."""
    count = np.bincount(table["subject"], minlength=n)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    dest = start[table["subject"]] + table["cycle"].astype(np.int64) - 1
    out = {}
    for k, v in table.items():
        moved = np.empty_like(v)
        moved[dest] = v
        out[k] = moved
    return out


def _trim(tr: TreatmentResult, limit: np.ndarray) -> None:
    """Drop every record dated on or after the subject's death (or after censoring)."""
    for table, day_col in (
        (tr.cycles, "day"),
        (tr.administrations, "day"),
        (tr.labs, "day"),
        (tr.adverse_events, "onset_day"),
        (tr.mdt, "day"),
        (tr.assessments, "day"),
    ):
        if not table:
            continue
        keep = table[day_col] < limit[table["subject"]]
        for k in list(table):
            table[k] = table[k][keep]
