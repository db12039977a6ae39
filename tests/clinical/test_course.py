"""The dose-modification input assembled from one subject's eCRFs (clinical/course.py).

For each completed cycle k the history holds the worst CTCAE v5.0 grade per term among the adverse
events with onset from cycle k's admission to the day before cycle k+1's, and the CTCAE grades of
cycle k+1's pre-cycle labs (protocol settings.dose_modification, decided on the previous cycle).
"""

from __future__ import annotations

from crf_examples import complete_subject, parse

from haictrial.clinical.course import planning_input, toxicity_history
from haictrial.clinical.crf_baseline import planning_patient
from haictrial.clinical.dosing import plan_cycle
from haictrial.protocol import load_protocol


def _worst(history, cycle):
    entry = next(c for c in history.cycles if c.cycle == cycle)
    return {t.term: t.grade for t in entry.toxicities}


def test_it_takes_the_adverse_events_of_each_cycle():
    # Nausea grade 1, onset 2026-01-16: cycle 1 (admitted 2026-01-15; cycle 2 admitted 2026-02-05).
    history, ignored = toxicity_history(parse(complete_subject()), load_protocol(), before_cycle=2)
    assert _worst(history, 1) == {"Nausea": 1}
    assert ignored == []


def test_a_neuropathy_grade_2_reduces_oxaliplatin_in_the_next_cycle():
    # CHALLENGE-A1 default rule: Peripheral sensory neuropathy grade 2 -> oxaliplatin one level down (130 -> 100 mg/m2).
    document = complete_subject()
    document["adverse_events"].append(
        {"term": "Peripheral sensory neuropathy", "grade": 2, "onset_date": "2026-01-25",
         "action_taken": "none", "outcome": "recovering", "attribution": {"oxaliplatin": "probable"}}
    )  # fmt: skip
    protocol = load_protocol()
    forms = parse(document)
    history, _ = toxicity_history(forms, protocol, before_cycle=2)
    assert _worst(history, 1)["Peripheral sensory neuropathy"] == 2
    patient = planning_input(forms, 2, planning_patient(forms.baseline, subject_id=forms.subject_id))
    plan = plan_cycle(patient, protocol, cycle=2, toxicity_history=history)
    oxaliplatin = next(a for a in plan.as_contract()["administrations"] if a["drug"] == "oxaliplatin")
    assert oxaliplatin["prescribed_dose"] == 100


def test_the_next_cycles_pre_cycle_labs_count_for_the_cycle_before():
    # Neutrophils 0.8 x10^9/L before cycle 2 is CTCAE v5.0 "Neutrophil count decreased" grade 3 (<1.0-0.5).
    document = complete_subject()
    document["haic_cycles"][1]["pre_cycle_labs"]["neutrophils"] = {"value": 0.8, "unit": "10^9/L"}
    history, _ = toxicity_history(parse(document), load_protocol(), before_cycle=2)
    assert _worst(history, 1)["Neutrophil count decreased"] == 3


def test_a_free_text_term_is_shown_as_ignored_never_used_silently():
    document = complete_subject()
    document["adverse_events"].append(
        {"term": "Felt odd", "grade": 3, "onset_date": "2026-01-20", "action_taken": "none",
         "outcome": "recovered", "resolution_date": "2026-01-21", "attribution": {}}
    )  # fmt: skip
    history, ignored = toxicity_history(parse(document), load_protocol(), before_cycle=2)
    assert ignored == ["Felt odd"]
    assert "Felt odd" not in _worst(history, 1)
