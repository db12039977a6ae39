"""Imaging of the enrolled patients: target and non-target liver lesions measured at every assessment,
and one RECIST 1.1 input document (contracts/recist.md) per patient.

The baseline is the screening imaging (the lesions of the screening document). Target lesions are the
two largest measurable liver lesions (RECIST 1.1: at most two per organ, each >= 10 mm); every other
liver lesion is a non-target lesion. Each patient has a latent best change of the tumour burden: target
diameters move monotonically towards it (so no assessment before the planned progression can meet the
PD rule), a complete responder's lesions disappear, and at the planned progression every target grows
by at least 30 % and 5 mm over the nadir (with new lesions or unequivocal non-target progression in
some). The responses themselves are NOT stored: :func:`haictrial.clinical.recist.evaluate_recist`
derives them from ``recist.jsonl`` (tests/synth/test_course.py checks that its first PD is the
generated progression date).

References
----------
- Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247. doi:10.1016/j.ejca.2008.10.026
  (sections 3.1.1 and 4.2: measurable size, at most 2 target lesions per organ; 4.3.1: PD >= 20 % and >= 5 mm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from haictrial.protocol.schema import Protocol
from haictrial.synth import text as T
from haictrial.synth.patients import Population

PHASES = ["baseline", "treatment", "follow_up"]
ROLES = ["target", "non_target", "new"]
NT_STATES = ["present", "absent", "unequivocal_progression"]
#: Smallest diameter recorded for a target still visible ("too small to measure": 5 mm, RECIST 1.1 3.1.2).
TOO_SMALL_MM = 5.0


@dataclass
class Imaging:
    assessments: dict[str, np.ndarray]
    lesions: dict[str, np.ndarray]
    documents: pa.Array


def liver_lesions_of(pop: Population, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(owner within idx, lesion number, segment code, baseline mm, is target) of the enrolled patients' lesions,
    sorted by owner and lesion number."""
    les = pop.lesions
    where = np.full(pop.n, -1, dtype=np.int64)
    where[idx] = np.arange(len(idx))
    keep = where[les.owner] >= 0
    owner = where[les.owner[keep]]
    number = les.codes[keep]
    mm = pop.lesion_mm[keep]
    segment = pop.lesion_segment[keep]
    order = np.lexsort((number, owner))
    owner, number, mm, segment = owner[order], number[order], mm[order], segment[order]
    # two largest measurable lesions per patient are the targets (ties: lower lesion number)
    by_size = np.lexsort((number, -mm, owner))
    first = np.searchsorted(owner[by_size], owner[by_size], side="left")
    rank = np.arange(len(by_size)) - first
    target_sorted = (rank < 2) & (mm[by_size] >= 10.0)
    target = np.zeros(len(owner), dtype=bool)
    target[by_size] = target_sorted
    return owner, number, segment, mm, target


def measure(
    pop: Population,
    idx: np.ndarray,
    protocol: Protocol,
    rng: np.random.Generator,
    ids: pa.Array,
    best_change: np.ndarray,
    nadir_days: np.ndarray,
    cycle1_day: np.ndarray,
    screening_day: np.ndarray,
    a_owner: np.ndarray,
    a_day: np.ndarray,
    a_pd: np.ndarray,
    a_phase: np.ndarray,
) -> Imaging:
    """Measurements at the baseline and at each assessment (owner, day, progression flag, phase)."""
    n = len(idx)
    owner = np.concatenate([np.arange(n), a_owner])
    day = np.concatenate([screening_day, a_day])
    pd = np.concatenate([np.zeros(n, dtype=bool), a_pd])
    phase = np.concatenate([np.zeros(n, dtype=np.int8), a_phase])
    order = np.lexsort((day, owner))
    owner, day, pd, phase = owner[order], day[order], pd[order], phase[order]
    a_off = T.offsets_of(owner, n)
    number = np.arange(len(owner)) - a_off[owner]
    t = np.maximum(day - cycle1_day[owner], 0).astype(float)
    complete = best_change <= -0.95
    f = 1.0 + best_change[owner] * np.minimum(1.0, t / nadir_days[owner])
    f = np.where(number == 0, 1.0, f)
    gone = complete[owner] & (t >= nadir_days[owner]) & (number > 0)

    l_owner, l_number, l_segment, l_mm, l_target = liver_lesions_of(pop, idx)
    l_off = T.offsets_of(l_owner, n)
    l_count = np.diff(l_off)
    hetero = rng.uniform(0.85, 1.15, len(l_owner))

    # every (assessment, lesion) pair of the same patient
    reps = l_count[owner]
    m_assess = np.repeat(np.arange(len(owner)), reps)
    m_lesion = np.repeat(l_off[owner], reps) + (np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps))
    is_target = l_target[m_lesion]
    base = l_mm[m_lesion]
    size = np.maximum(np.round(base * f[m_assess] ** hetero[m_lesion]), TOO_SMALL_MM)
    size = np.where(gone[m_assess], 0.0, size)
    size = np.where(number[m_assess] == 0, base, size)
    # at progression: grow over the previous (nadir) assessment's size
    prev_f = np.where(number > 0, np.roll(f, 1), 1.0)
    prev_gone = np.where(number > 0, np.roll(gone, 1), False)
    prev = np.maximum(np.round(base * prev_f[m_assess] ** hetero[m_lesion]), TOO_SMALL_MM)
    prev = np.where(prev_gone[m_assess], 0.0, prev)
    grown = np.ceil(np.maximum(prev * 1.3, prev + 5.0))
    size = np.where(pd[m_assess], grown, size)

    state = np.where(gone[m_assess], NT_STATES.index("absent"), NT_STATES.index("present"))
    unequivocal = pd & (rng.random(len(owner)) < 0.2)
    state = np.where(unequivocal[m_assess], NT_STATES.index("unequivocal_progression"), state)
    new = pd & (rng.random(len(owner)) < 0.5)

    # documents
    lesion_id = pc.binary_join_element_wise("L", T.integers(l_number + 1), "")
    lesion_ref = T.obj([("id", T.quoted(lesion_id)), ("organ", T.literal('"liver"', len(l_owner)))], len(l_owner))
    tgt = np.flatnonzero(l_target)
    ntg = np.flatnonzero(~l_target)
    target_lists = T.array_of(lesion_ref.take(pa.array(tgt)), T.offsets_of(l_owner[tgt], n))
    non_target_lists = T.array_of(lesion_ref.take(pa.array(ntg)), T.offsets_of(l_owner[ntg], n))
    m_id = lesion_id.take(pa.array(m_lesion))
    mt = np.flatnonzero(is_target)
    mn = np.flatnonzero(~is_target)
    t_members = pc.binary_join_element_wise(T.quoted(m_id.take(pa.array(mt))), T.decimals(size[mt], 0), ": ")
    n_members = pc.binary_join_element_wise(
        T.quoted(m_id.take(pa.array(mn))), T.categories(NT_STATES, state[mn]), ": "
    )
    n_assess = len(owner)
    target_obj = T.object_of(t_members, T.offsets_of(m_assess[mt], n_assess))
    non_target_obj = T.object_of(n_members, T.offsets_of(m_assess[mn], n_assess))
    assess_docs = T.obj(
        [
            ("date", T.quoted(T.iso_dates(day))),
            ("target_mm", target_obj),
            ("non_target", non_target_obj),
            ("new_lesions", T.booleans(new)),
        ],
        n_assess,
    )
    documents = T.obj(
        [
            ("subject_id", T.quoted(ids)),
            ("target_lesions", target_lists),
            ("non_target_lesions", non_target_lists),
            ("assessments", T.array_of(assess_docs, a_off)),
        ],
        n,
    )

    sums = np.bincount(m_assess[mt], weights=size[mt], minlength=n_assess)
    assessments = {
        "subject": owner,
        "assessment_no": number,
        "day": day,
        "phase": phase,
        "target_sum_mm": sums,
        "new_lesions": new,
        "planned_progression": pd,
    }
    lesions = {
        "subject": owner[m_assess],
        "assessment_no": number[m_assess],
        "day": day[m_assess],
        "lesion_no": l_number[m_lesion] + 1,
        "role": np.where(is_target, 0, 1).astype(np.int8),
        "segment": l_segment[m_lesion],
        "diameter_mm": np.where(is_target, size, np.nan),
        "state": np.where(is_target, -1, state).astype(np.int8),
    }
    return Imaging(assessments=assessments, lesions=lesions, documents=documents)
