"""Cross-checks of a generated cohort against the clinical engines, on samples.

The generator computes screening verdicts, planned doses and progression dates over arrays for scale;
these checks call the engines themselves on a sample and report every disagreement:

- :func:`haictrial.clinical.eligibility.screen` on the screening document: ``eligible`` and each of the
  sixteen criterion statuses must equal the ``screening`` table's;
- :func:`haictrial.clinical.dosing.plan_cycle` for every given cycle, with the toxicity history of the
  earlier cycles taken from ``adverse_events``: every planned dose (HAIC and targeted agent) must equal
  the plan's;
- :func:`haictrial.clinical.recist.evaluate_recist` on ``recist.jsonl``: the document is valid and its
  first PD time point is the ``progression_date`` of ``follow_up`` (when progression was seen on imaging).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from haictrial.clinical.dose_modification import ToxicityHistory
from haictrial.clinical.dosing import plan_cycle
from haictrial.clinical.eligibility import screen
from haictrial.clinical.patient import Patient
from haictrial.clinical.recist import evaluate_recist
from haictrial.clinical.recist_models import RecistInput, Response
from haictrial.documents import parse_model
from haictrial.protocol.schema import Protocol

if TYPE_CHECKING:
    from haictrial.synth.cohort import SyntheticCohort

CHEMO_KEYS = {
    ("oxaliplatin", None): "oxaliplatin",
    ("leucovorin", None): "leucovorin",
    ("fluorouracil", "bolus"): "fluorouracil_bolus",
    ("fluorouracil", "infusion"): "fluorouracil_infusion",
}


def sample_indices(n: int, k: int) -> list[int]:
    """``k`` indices spread evenly over ``range(n)`` (deterministic)."""
    if n <= 0 or k <= 0:
        return []
    return sorted({int(i) for i in np.linspace(0, n - 1, min(k, n))})


def screening_mismatches(cohort: SyntheticCohort, protocol: Protocol, indices: list[int]) -> list[str]:
    table = cohort.arrow_tables["screening"]
    ids = [c.id for c in protocol.eligibility.criteria]
    problems = []
    for i in indices:
        patient = parse_model(Patient, cohort.screening_document(i))
        result = screen(patient, protocol)
        row = {name: table[name][i].as_py() for name in ["subject_id", "eligible", *ids]}
        if result.eligible != row["eligible"]:
            problems.append(f"{row['subject_id']}: eligible {row['eligible']} but screen() says {result.eligible}")
        for crit in result.criteria:
            if crit.status.value != row[crit.id]:
                problems.append(f"{row['subject_id']} {crit.id}: table {row[crit.id]}, screen() {crit.status.value}")
    return problems


def toxicity_history(subject_id: str, events: list[dict[str, Any]], before_cycle: int) -> ToxicityHistory:
    """Worst grade of each term in each cycle before ``before_cycle`` (dose_modification input)."""
    worst: dict[int, dict[str, int]] = defaultdict(dict)
    for ev in events:
        if ev["cycle"] < before_cycle and ev["grade"] is not None:
            worst[ev["cycle"]][ev["term"]] = max(worst[ev["cycle"]].get(ev["term"], 0), int(ev["grade"]))
    cycles = [
        {"cycle": c, "toxicities": [{"term": t, "grade": g} for t, g in sorted(worst[c].items())]}
        for c in range(1, before_cycle)
    ]
    return ToxicityHistory.model_validate({"subject_id": subject_id, "cycles": cycles})


def planning_mismatches(cohort: SyntheticCohort, protocol: Protocol, subject_ids: list[str]) -> list[str]:
    problems = []
    courses = cohort.courses_of(subject_ids)
    for sid in subject_ids:
        course = courses[sid]
        patient = parse_model(Patient, course["screening"])
        for cyc in course["cycles"]:
            k = int(cyc["cycle"])
            history = toxicity_history(sid, course["adverse_events"], k)
            plan = plan_cycle(patient, protocol, k, toxicity_history=history)
            expected: dict[str, float | None] = dict.fromkeys(CHEMO_KEYS.values())
            targeted: dict[int, float] = {}
            for adm in plan.administrations:
                key = CHEMO_KEYS.get((adm.drug.value, adm.component))
                if key is not None:
                    expected[key] = adm.dose_mg
                else:
                    targeted[adm.day] = adm.dose_mg
            for key, dose in expected.items():
                got = cyc[f"planned_{key}_mg"]
                if got != dose:
                    problems.append(f"{sid} cycle {k} {key}: planned {got}, plan_cycle {dose}")
            given = {int(a["cycle_day"]): a["planned_dose_mg"] for a in course["administrations"] if a["cycle"] == k}
            death = course["follow_up"][0]["death_date"]
            for day in targeted:
                due = cyc["date"] + dt.timedelta(days=day - 1)
                if day in given or (death is not None and due >= death):
                    continue
                problems.append(f"{sid} cycle {k} targeted agent day {day}: planned by plan_cycle, not recorded")
            if any(targeted.get(day) != dose for day, dose in given.items()):
                problems.append(f"{sid} cycle {k} targeted agent: planned {given}, plan_cycle {targeted}")
            if not cyc["dose_modified"] and k > 1:
                plain = plan_cycle(patient, protocol, k)
                if [a.dose_mg for a in plain.administrations] != [a.dose_mg for a in plan.administrations]:
                    problems.append(f"{sid} cycle {k}: doses changed without a recorded modification")
    return problems


def recist_mismatches(cohort: SyntheticCohort, protocol: Protocol, indices: list[int]) -> list[str]:
    problems = []
    follow = cohort.arrow_tables["follow_up"]
    resected = cohort.arrow_tables["subjects"]["resected"]
    settings = protocol.settings
    for i in indices:
        doc = json.loads(cohort.recist_lines[i].as_py())
        data = parse_model(RecistInput, doc)
        result = evaluate_recist(data, settings.recist_confirmation_days.value, settings.recist_min_sd_days.value)
        first_pd = next((tp.date for tp in result.timepoints if tp.overall_response == Response.PD), None)
        recorded = follow["progression_date"][i].as_py()
        if resected[i].as_py():
            recorded = None if first_pd is None else recorded
        if first_pd != recorded:
            problems.append(f"{doc['subject_id']}: first RECIST PD {first_pd}, progression_date {recorded}")
    return problems


def check_against_engines(cohort: SyntheticCohort, protocol: Protocol, sample: int = 40) -> dict[str, int]:
    """Run the three checks on ``sample`` patients each; RuntimeError listing the first disagreements."""
    screened = sample_indices(cohort.subjects, sample)
    enrolled = sample_indices(cohort.enrolled, sample)
    ids = [str(cohort.arrow_tables["subjects"]["subject_id"][i]) for i in enrolled]
    problems = screening_mismatches(cohort, protocol, screened)
    problems += planning_mismatches(cohort, protocol, ids)
    problems += recist_mismatches(cohort, protocol, enrolled)
    if problems:
        raise RuntimeError("synthetic cohort disagrees with the clinical engines: " + "; ".join(problems[:5]))
    return {"screened_checked": len(screened), "courses_checked": len(ids)}
