"""Toxicity-driven dose modification (protocol ``settings.dose_modification``; CTCAE v5.0 terms and grades).

CHALLENGE-A1 defaults: oxaliplatin 130 -> 100 -> 85 mg/m2, fluorouracil bolus 400 -> 320 -> 240 and
infusion 2400 -> 1920 -> 1440 mg/m2, cetuximab 250 -> 200 -> 150 mg/m2; bevacizumab held or stopped,
never reduced. Delay and hold look at the previous cycle only; reductions and discontinuations persist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.ctcae_terms import CTCAE_SYSTEM_ORGAN_CLASSES, CTCAE_V5_TERMS
from haictrial.clinical.dose_modification import (
    Action,
    DoseSlot,
    ToxicityHistory,
    ToxicityInputError,
    canonical_term,
    plan_modifications,
)
from haictrial.clinical.dosing import plan_cycle
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.errors import InputError, ProtocolError
from haictrial.protocol import default_protocol_path, load_protocol
from haictrial.vocabulary.enums import Drug

EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
TOXICITY = Path(__file__).parent.parent / "data" / "toxicity"
FOLFOX = {Drug.oxaliplatin, Drug.leucovorin, Drug.fluorouracil}


@pytest.fixture(scope="module")
def protocol():
    return load_protocol()


def cetuximab_patient() -> Patient:
    # contracts example: left-sided, all wild type -> cetuximab; 162 cm, 58.5 kg (1.6225 m2).
    return Patient.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))


def bevacizumab_patient() -> Patient:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["primary_tumor"]["site"] = "ascending_colon"
    return Patient.model_validate(data)


def history(*cycles: list[tuple[str, int]], subject_id: str = "CHA-001-0001") -> ToxicityHistory:
    """``history([("Diarrhea", 3)], [])``: cycle 1 then cycle 2."""
    return ToxicityHistory.model_validate(
        {
            "subject_id": subject_id,
            "cycles": [
                {"cycle": i, "toxicities": [{"term": t, "grade": g} for t, g in tox]}
                for i, tox in enumerate(cycles, start=1)
            ],
        }
    )


def doses(plan) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for a in plan.administrations:
        key = a.drug.value + (f"_{a.component}" if a.component else "")
        out.setdefault(key, []).append(a.prescribed_dose)
    return out


def test_neuropathy_grade_2_reduces_oxaliplatin_to_100_and_it_stays_there(protocol):
    # Rule: Peripheral sensory neuropathy grade 2 -> reduce oxaliplatin (one level, persisting).
    tox = history([("Peripheral sensory neuropathy", 2)], [("Nausea", 1)], [])
    cycle2 = plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=tox)
    cycle4 = plan_cycle(cetuximab_patient(), protocol, cycle=4, toxicity_history=tox)
    for plan in (cycle2, cycle4):
        assert doses(plan)["oxaliplatin"] == [100]
        assert plan.administrations[0].dose_mg == 162.2  # 100 x 1.6225
        assert plan.administrations[0].dose_level == 1
        assert doses(plan)["fluorouracil_infusion"] == [2400]
        assert plan.modifications.delay is None
    change = cycle4.modifications.changes[0]
    assert (change.action, change.term, change.grade, change.toxicity_cycle) == (
        Action.reduce,
        "Peripheral sensory neuropathy",
        2,
        1,
    )
    assert "reduced to level 1 (100 mg/m2)" in change.reason
    assert "rule Peripheral sensory neuropathy grade 2: reduce oxaliplatin" in change.reason


def test_neuropathy_grade_3_stops_oxaliplatin_for_good(protocol):
    # Rule: Peripheral sensory neuropathy grade 3-4 -> discontinue oxaliplatin.
    tox = history([("Peripheral sensory neuropathy", 3)], [], [], [])
    for cycle in (2, 3, 5):
        plan = plan_cycle(cetuximab_patient(), protocol, cycle=cycle, toxicity_history=tox)
        assert "oxaliplatin" not in doses(plan)
        assert doses(plan)["leucovorin"] == [400]
        stop = plan.as_contract()["modifications"][0]
        assert stop["action"] == "discontinue" and stop["drug"] == "oxaliplatin"
        assert "Peripheral sensory neuropathy grade 3 in cycle 1" in stop["reason"]


def test_neutropenia_grade_3_delays_and_reduces(protocol):
    # Rule: Neutrophil count decreased grade 3-4 -> delay, reduce oxaliplatin and fluorouracil.
    tox = parse_model(ToxicityHistory, json.loads((TOXICITY / "neutropenia_g3.json").read_text()))
    plan = plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=tox)
    assert plan.delayed
    delay = plan.as_contract()["delay"]
    assert delay["until_grade"] == 1 and delay["max_delay_days"] == 21
    assert "Neutrophil count decreased grade 3 in cycle 1" in delay["reason"]
    assert doses(plan)["oxaliplatin"] == [100]
    assert doses(plan)["fluorouracil_bolus"] == [320]
    assert doses(plan)["fluorouracil_infusion"] == [1920]
    assert doses(plan)["leucovorin"] == [400]
    assert doses(plan)["cetuximab"] == [250, 250, 250]


def test_a_delay_looks_only_at_the_previous_cycle_while_the_reduction_persists(protocol):
    tox = history([("Neutrophil count decreased", 3)], [])
    plan = plan_cycle(cetuximab_patient(), protocol, cycle=3, toxicity_history=tox)
    assert not plan.delayed
    assert doses(plan)["oxaliplatin"] == [100]


def test_hypertension_grade_3_holds_bevacizumab_for_one_cycle_only(protocol):
    # Rule: Hypertension grade 3 -> hold bevacizumab (this cycle only).
    tox = history([("Hypertension", 3)], [])
    cycle2 = plan_cycle(bevacizumab_patient(), protocol, cycle=2, toxicity_history=tox)
    cycle3 = plan_cycle(bevacizumab_patient(), protocol, cycle=3, toxicity_history=tox)
    assert "bevacizumab" not in doses(cycle2)
    assert cycle2.modifications.changes[0].action == Action.hold
    assert "held in cycle 2 only" in cycle2.modifications.changes[0].reason
    assert doses(cycle3)["bevacizumab"] == [7.5]
    assert doses(cycle2)["oxaliplatin"] == [130]
    assert not cycle2.delayed


def test_hypertension_grade_4_stops_bevacizumab(protocol):
    tox = history([("Hypertension", 4)], [])
    plan = plan_cycle(bevacizumab_patient(), protocol, cycle=3, toxicity_history=tox)
    assert "bevacizumab" not in doses(plan)
    assert plan.targeted_agent == Drug.bevacizumab  # still the chosen agent, now stopped
    assert plan.modifications.changes[0].action == Action.discontinue


def test_a_reduction_below_the_last_level_discontinues_and_says_so(protocol):
    neuro = [("Peripheral sensory neuropathy", 2)]
    tox = history(neuro, neuro, neuro)
    assert doses(plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=tox))["oxaliplatin"] == [100]
    assert doses(plan_cycle(cetuximab_patient(), protocol, cycle=3, toxicity_history=tox))["oxaliplatin"] == [85]
    plan = plan_cycle(cetuximab_patient(), protocol, cycle=4, toxicity_history=tox)
    assert "oxaliplatin" not in doses(plan)
    last = plan.modifications.changes[-1]
    assert last.action == Action.discontinue and last.toxicity_cycle == 3
    assert "below the lowest dose level (85 mg/m2)" in last.reason


def test_several_toxicities_in_one_cycle_reduce_a_drug_by_one_level(protocol):
    tox = history([("Neutrophil count decreased", 3), ("Diarrhea", 3)])
    plan = plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=tox)
    assert doses(plan)["oxaliplatin"] == [100]
    oxali = next(c for c in plan.modifications.changes if c.slot == DoseSlot.oxaliplatin)
    assert "also" in oxali.reason and "one level per cycle" in oxali.reason


def test_rash_grade_3_holds_cetuximab_then_resumes_it_reduced(protocol):
    # Rule: Rash acneiform grade 3 -> hold and reduce cetuximab (250 -> 200 mg/m2, cetuximab label).
    tox = history([("Rash acneiform", 3)], [])
    assert "cetuximab" not in doses(plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=tox))
    assert doses(plan_cycle(cetuximab_patient(), protocol, cycle=3, toxicity_history=tox))["cetuximab"] == [200] * 3


def test_an_unlisted_term_falls_under_the_default_rule(protocol):
    # default_rule: any other term at grade 3-4 -> delay until grade <= 1.
    grade3 = plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=history([("Fatigue", 3)]))
    grade2 = plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=history([("Fatigue", 2)]))
    assert grade3.delayed and "default rule" in grade3.modifications.delay.causes[0].rule
    assert not grade2.delayed and grade2.modifications.changes == []


def test_a_named_term_at_an_unlisted_grade_changes_nothing(protocol):
    # Neuropathy has rules for grades 2-4; grade 1 is not "any other term" for the default rule.
    plan = plan_cycle(
        cetuximab_patient(), protocol, cycle=2, toxicity_history=history([("Peripheral sensory neuropathy", 1)])
    )
    assert plan.modifications.changes == []


def test_a_site_specific_hemorrhage_counts_as_hemorrhage_for_bevacizumab(protocol):
    # Bevacizumab label 5.3: the rule "Hemorrhage grade 3-5 -> discontinue" covers every bleeding site.
    plan = plan_cycle(bevacizumab_patient(), protocol, cycle=2, toxicity_history=history([("Rectal hemorrhage", 3)]))
    assert "bevacizumab" not in doses(plan)
    assert "counted as Hemorrhage" in plan.modifications.changes[0].reason


def test_rules_for_a_drug_the_patient_does_not_get_do_not_apply(protocol):
    plan = plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=history([("Hypertension", 4)]))
    assert plan.modifications.changes == []
    assert doses(plan)["cetuximab"] == [250, 250, 250]


def test_terms_are_matched_without_regard_to_case_or_spacing(protocol):
    plan = plan_cycle(
        cetuximab_patient(), protocol, cycle=2, toxicity_history=history([("peripheral  SENSORY neuropathy", 2)])
    )
    assert doses(plan)["oxaliplatin"] == [100]
    assert plan.modifications.changes[0].term == "Peripheral sensory neuropathy"


def test_other_specify_terms_of_a_system_organ_class_are_accepted(protocol):
    term = "Gastrointestinal disorders - Other, specify: bile reflux"
    assert canonical_term(term, protocol) == term
    plan = plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=history([(term, 3)]))
    assert plan.delayed


def test_an_unknown_term_is_an_input_error_naming_it(protocol):
    with pytest.raises(ToxicityInputError) as err:
        plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=history([("Nausea", 1), ("Tummy ache", 2)]))
    assert err.value.field == "cycles[0].toxicities[1].term"
    assert "'Tummy ache'" in err.value.message


@pytest.mark.parametrize("grade", [0, 6, -1])
def test_a_grade_outside_1_to_5_is_an_input_error_naming_it(grade):
    with pytest.raises(InputError) as err:
        parse_model(ToxicityHistory, {"cycles": [{"cycle": 1, "toxicities": [{"term": "Diarrhea", "grade": grade}]}]})
    assert err.value.field == "cycles[0].toxicities[0].grade"


def test_grade_5_in_an_earlier_cycle_means_no_later_cycle(protocol):
    with pytest.raises(InputError) as err:
        plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=history([("Sepsis", 5)]))
    assert err.value.field == "cycles[0].toxicities[0].grade"


def test_a_cycle_listed_twice_is_an_input_error():
    with pytest.raises(InputError) as err:
        parse_model(ToxicityHistory, {"cycles": [{"cycle": 1}, {"cycle": 1}]})
    assert err.value.field == "cycles[1].cycle"


def test_a_history_for_another_subject_is_refused(protocol):
    with pytest.raises(InputError) as err:
        plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=history([], subject_id="CHA-001-0099"))
    assert err.value.field == "subject_id"


def test_later_cycles_of_the_history_do_not_change_an_earlier_cycle(protocol):
    tox = history([], [("Peripheral sensory neuropathy", 3)])
    assert doses(plan_cycle(cetuximab_patient(), protocol, cycle=2, toxicity_history=tox))["oxaliplatin"] == [130]


def test_level_0_must_be_the_regimen_dose(protocol):
    data = protocol.model_dump(mode="json")
    data["settings"]["dose_modification"]["value"]["dose_levels"]["oxaliplatin"] = [120, 100, 85]
    broken = type(protocol).model_validate(data)
    with pytest.raises(ProtocolError) as err:
        plan_modifications(history([("Peripheral sensory neuropathy", 2)]), 2, broken, FOLFOX)
    assert err.value.field == "settings.dose_modification.value.dose_levels.oxaliplatin[0]"


def test_every_rule_term_of_the_protocol_is_a_known_term(protocol):
    for rule in protocol.settings.dose_modification.value.rules:
        assert canonical_term(rule.term, protocol) == rule.term
    assert len(CTCAE_SYSTEM_ORGAN_CLASSES) == 26
    assert len(set(CTCAE_V5_TERMS)) == len(CTCAE_V5_TERMS)


reports = st.lists(
    st.tuples(
        st.sampled_from(
            ["Peripheral sensory neuropathy", "Neutrophil count decreased", "Diarrhea", "Rash acneiform", "Fatigue"]
        ),
        st.integers(min_value=1, max_value=4),
    ),
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(reports, min_size=1, max_size=6))
def test_reductions_persist_and_discontinued_drugs_stay_off(cycles):
    protocol = load_protocol()
    tox = history(*cycles)
    drugs = FOLFOX | {Drug.cetuximab}
    previous = plan_modifications(tox, 1, protocol, drugs)
    assert previous.changes == []
    for cycle in range(2, len(cycles) + 2):
        current = plan_modifications(tox, cycle, protocol, drugs)
        for slot in DoseSlot:
            if slot in previous.discontinued:
                assert slot in current.discontinued
            elif slot not in current.discontinued:
                assert current.level(slot) >= previous.level(slot)
                assert current.level(slot) - previous.level(slot) <= 1
        previous = current
