"""Imaging of the enrolled patients: target and non-target liver lesions measured at every assessment,
and one RECIST 1.1 input document (docs/contracts/recist.md) per patient.

The baseline is the screening imaging (the lesions of the screening document). Target lesions are the
two largest measurable liver lesions (RECIST 1.1: at most two per organ, each >= 10 mm); every other
liver lesion is non-target, recorded together as one item ``NT1`` ("multiple liver metastases",
as RECIST 1.1 section 4.2 allows). Each patient has a latent best change of the tumour burden: target
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

from collections.abc import Callable
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
#: The non-target liver lesions, recorded as one item (RECIST 1.1 section 4.2: "multiple liver metastases").
NT_GROUP_JSON = '[{"id": "NT1", "organ": "liver"}]'


@dataclass
class Imaging:
    assessments: dict[str, np.ndarray]
    lesions: dict[str, np.ndarray]
    build_documents: Callable[[], pa.ChunkedArray]


def liver_lesions_of(
    pop: Population, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def _target_members(lesion_number: np.ndarray, size_mm: np.ndarray) -> pa.Array:
    """``"L3": 42`` per (assessment, target lesion), from a table of every (lesion, diameter) text."""
    size = size_mm.astype(np.int64)
    sizes = int(size.max()) + 1 if len(size) else 1
    numbers = int(lesion_number.max()) + 1 if len(lesion_number) else 1
    texts = [f'"L{i + 1}": {d}' for i in range(numbers) for d in range(sizes)]
    return pc.take(pa.array(texts, pa.string()), pa.array(lesion_number.astype(np.int64) * sizes + size))


def _documents(
    ids: pa.Array,
    l_number: np.ndarray,
    l_owner: np.ndarray,
    l_off: np.ndarray,
    n: int,
    m_lesion: np.ndarray,
    m_assess: np.ndarray,
    size: np.ndarray,
    nt_assess: np.ndarray,
    state: np.ndarray,
    owner: np.ndarray,
    day: np.ndarray,
    new: np.ndarray,
    a_off: np.ndarray,
    has_nt: np.ndarray,
) -> pa.ChunkedArray:
    """One docs/contracts/recist.md input document per patient (JSON lines)."""
    lesion_id = pc.binary_join_element_wise("L", T.integers(l_number + 1), "")
    target_refs = T.obj([("id", T.quoted(lesion_id)), ("organ", T.literal('"liver"', len(l_owner)))], len(l_owner))
    target_lists = T.array_of(target_refs, l_off)
    non_target_lists = pc.if_else(pa.array(has_nt), pa.scalar(NT_GROUP_JSON), pa.scalar("[]"))
    t_members = _target_members(l_number[m_lesion], size)
    n_members = pc.binary_join_element_wise('"NT1": ', T.categories(NT_STATES, state), "")
    n_assess = len(owner)
    target_obj = T.object_of(t_members, T.offsets_of(m_assess, n_assess))
    non_target_obj = T.object_of(n_members, T.offsets_of(nt_assess, n_assess))
    assess_docs = T.obj(
        [
            ("date", T.quoted(T.iso_dates(day))),
            ("target_mm", target_obj),
            ("non_target", non_target_obj),
            ("new_lesions", T.booleans(new)),
        ],
        n_assess,
    )
    documents = T.json_lines(
        [
            ("subject_id", T.quoted(ids)),
            ("target_lesions", target_lists),
            ("non_target_lesions", non_target_lists),
            ("assessments", T.array_of(assess_docs, a_off)),
        ],
        n,
    )

    return documents


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
    has_nt = np.bincount(l_owner[~l_target], minlength=n) > 0
    keep = l_target
    l_owner, l_number, l_segment, l_mm = l_owner[keep], l_number[keep], l_segment[keep], l_mm[keep]
    l_off = T.offsets_of(l_owner, n)
    l_count = np.diff(l_off)
    hetero = rng.uniform(0.85, 1.15, len(l_owner))

    # every (assessment, target lesion) pair of the same patient
    reps = l_count[owner]
    m_assess = np.repeat(np.arange(len(owner)), reps)
    within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    m_lesion = np.repeat(l_off[owner], reps) + within
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

    # the other liver lesions: one grouped non-target item "NT1" (RECIST 1.1 section 4.2)
    nt_assess = np.flatnonzero(has_nt[owner])
    state = np.where(gone[nt_assess], NT_STATES.index("absent"), NT_STATES.index("present"))
    unequivocal = pd & (rng.random(len(owner)) < 0.2)
    state = np.where(unequivocal[nt_assess], NT_STATES.index("unequivocal_progression"), state)
    new = pd & (rng.random(len(owner)) < 0.5)

    def build_documents() -> pa.ChunkedArray:
        return _documents(
            ids, l_number, l_owner, l_off, n, m_lesion, m_assess, size, nt_assess, state, owner, day, new, a_off, has_nt
        )

    sums = np.bincount(m_assess, weights=size, minlength=len(owner))
    assessments = {
        "subject": owner,
        "assessment_no": number,
        "day": day,
        "phase": phase,
        "target_sum_mm": sums,
        "new_lesions": new,
        "planned_progression": pd,
    }
    # rows ordered by subject, assessment, then the targets and the non-target item (no sort needed)
    n_t, n_n = len(m_assess), len(nt_assess)
    per_assessment = reps + has_nt[owner]
    start = np.concatenate([[0], np.cumsum(per_assessment)[:-1]])
    dest_t = start[m_assess] + within
    dest_n = start[nt_assess] + reps[nt_assess]

    def placed(targets: np.ndarray, non_targets: np.ndarray) -> np.ndarray:
        out = np.empty(n_t + n_n, dtype=np.result_type(targets, non_targets))
        out[dest_t] = targets
        out[dest_n] = non_targets
        return out

    lesions = {
        "subject": placed(owner[m_assess], owner[nt_assess]),
        "assessment_no": placed(number[m_assess], number[nt_assess]),
        "day": placed(day[m_assess], day[nt_assess]),
        "lesion_no": placed(l_number[m_lesion] + 1, np.zeros(n_n, dtype=l_number.dtype)),
        "role": placed(np.zeros(n_t, dtype=np.int8), np.ones(n_n, dtype=np.int8)),
        "segment": placed(l_segment[m_lesion], np.full(n_n, -1, dtype=l_segment.dtype)),
        "diameter_mm": placed(size, np.full(n_n, np.nan)),
        "state": placed(np.full(n_t, -1, dtype=np.int8), state.astype(np.int8)),
    }
    return Imaging(assessments=assessments, lesions=lesions, build_documents=build_documents)
