"""Safety stops at entry: a cycle or drug given while the plan delays, holds or has stopped it, and a given
dose above the entry-error limit.

Sources: protocol ``settings.dose_modification`` rules (Diarrhea grade 3: delay until grade <= 1 and
reduce; Hypertension grade 3: hold bevacizumab this cycle; Hypertension grade 4: discontinue bevacizumab;
Peripheral sensory neuropathy grade 3: discontinue oxaliplatin), CTCAE v5.0 terms; protocol
``settings.dose_entry_error_percent`` (125 %, site setting) above ``settings.dose_deviation_reason_percent``
(10 %; HOPA, J Oncol Pract 2018, doi:10.1200/JOP.2017.025411).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haictrial.clinical.crf_treatment import HaicCycleForm, TargetedAgentAdministration
from haictrial.clinical.dose_modification import ToxicityHistory
from haictrial.clinical.dosing import plan_cycle
from haictrial.clinical.patient import Patient
from haictrial.clinical.safety_stops import (
    StopKind,
    check_safety,
    cycle_safety_stops,
    dose_entry_error_percent,
    dose_entry_errors,
    is_entry_error,
    targeted_agent_safety_stops,
)
from haictrial.errors import UnprocessableError
from haictrial.protocol import load_protocol

PROTOCOL = load_protocol()
EXAMPLE = Path(__file__).parents[2] / "src" / "haictrial" / "protocols" / "examples" / "patient.example.json"


def _patient(site: str = "sigmoid_colon") -> Patient:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["primary_tumor"]["site"] = site  # sigmoid: cetuximab; ascending colon: bevacizumab
    return Patient.model_validate(data)


def _plan(cycle: int, *tox: list[tuple[str, int]], site: str = "sigmoid_colon"):
    history = ToxicityHistory.model_validate(
        {
            "subject_id": "CHA-001-0001",
            "cycles": [
                {"cycle": i, "toxicities": [{"term": t, "grade": g} for t, g in cycle_tox]}
                for i, cycle_tox in enumerate(tox, start=1)
            ],
        }
    )
    return plan_cycle(_patient(site), PROTOCOL, cycle=cycle, toxicity_history=history)


def _cycle(cycle: int, given: dict[str, float | None], planned: float = 210.9, **extra) -> HaicCycleForm:
    infusions = [
        {"drug": "oxaliplatin", "planned_dose_mg": planned, "given_dose_mg": given.get("oxaliplatin")},
        {"drug": "leucovorin", "planned_dose_mg": 649.0, "given_dose_mg": given.get("leucovorin")},
    ]
    return HaicCycleForm.model_validate({"cycle": cycle, "infusions": infusions, **extra})


def test_the_entry_error_limit_is_a_site_setting_of_125_percent():
    setting = PROTOCOL.settings.dose_entry_error_percent
    assert dose_entry_error_percent(PROTOCOL) == 125.0 == setting.default and setting.site_setting is True
    assert PROTOCOL.settings.dose_deviation_reason_percent.value == 10  # the deviation threshold stays below


@pytest.mark.parametrize(
    ("planned", "given", "error"),
    [(200, 250, False), (200, 250.1, True), (210.9, 263.6, False), (210.9, 263.7, True), (200, 0, False), (649, 6490, True)],
)  # fmt: skip
def test_more_than_125_percent_of_the_plan_is_an_entry_error_exactly(planned, given, error):
    assert is_entry_error(planned, given, 125) is error


@given(
    planned=st.floats(min_value=0.1, max_value=10_000, allow_nan=False),
    given_dose=st.floats(min_value=0, max_value=100_000, allow_nan=False),
    more=st.floats(min_value=0, max_value=1_000, allow_nan=False),
)
def test_the_entry_error_is_monotone_and_never_at_or_below_the_planned_dose(planned, given_dose, more):
    if given_dose <= planned * 1.25:
        assert not is_entry_error(planned, min(given_dose, planned), 125)
    if is_entry_error(planned, given_dose, 125):
        assert given_dose > planned and is_entry_error(planned, given_dose + more, 125)


def test_a_cycle_given_while_the_plan_delays_it_is_a_stop_naming_the_first_given_dose():
    plan = _plan(2, [("Diarrhea", 3)])
    assert plan.delayed
    stops = cycle_safety_stops(_cycle(2, {"oxaliplatin": None, "leucovorin": 649.0}), plan)
    assert [(s.kind, s.field) for s in stops] == [(StopKind.cycle_given_while_delayed, "infusions[1].given_dose_mg")]
    with pytest.raises(UnprocessableError) as caught:
        check_safety(_cycle(2, {"oxaliplatin": 210.9}), plan, PROTOCOL)
    assert caught.value.field == "infusions[0].given_dose_mg" and "delays cycle 2" in caught.value.message


def test_a_delayed_cycle_with_nothing_given_or_with_the_override_passes():
    plan = _plan(2, [("Diarrhea", 3)])
    assert cycle_safety_stops(_cycle(2, {"oxaliplatin": 0, "leucovorin": None}), plan) == []
    overridden = _cycle(2, {"oxaliplatin": 210.9}, safety_override={"reason": "diarrhoea resolved on admission"})
    check_safety(overridden, plan, PROTOCOL)  # no error: the override is in the payload


def test_a_drug_given_after_it_was_discontinued_is_a_stop():
    plan = _plan(2, [("Peripheral sensory neuropathy", 3)])
    stops = cycle_safety_stops(_cycle(2, {"oxaliplatin": 210.9, "leucovorin": 649.0}), plan)
    assert [(s.kind, s.field) for s in stops] == [
        (StopKind.drug_given_while_discontinued, "infusions[0].given_dose_mg")
    ]


def test_bevacizumab_given_while_held_or_after_it_was_stopped_is_a_stop():
    held = _plan(2, [("Hypertension", 3)], site="ascending_colon")
    dose = TargetedAgentAdministration.model_validate(
        {"drug": "bevacizumab", "cycle": 2, "day": 1, "planned_dose_mg": 438.8, "given_dose_mg": 438.8}
    )
    assert [s.kind for s in targeted_agent_safety_stops(dose, held)] == [StopKind.cycle_given_while_held]
    stopped = _plan(2, [("Hypertension", 4)], site="ascending_colon")
    assert [s.kind for s in targeted_agent_safety_stops(dose, stopped)] == [StopKind.drug_given_while_discontinued]
    assert targeted_agent_safety_stops(dose, _plan(2, [], site="ascending_colon")) == []


def test_the_entry_error_comes_first_and_no_override_excuses_it():
    plan = _plan(1)
    form = _cycle(1, {"oxaliplatin": 2109.0}, safety_override={"reason": "intended"})
    assert [f for f, _m in dose_entry_errors(form, plan, PROTOCOL)] == ["infusions[0].given_dose_mg"]
    with pytest.raises(UnprocessableError) as caught:
        check_safety(form, plan, PROTOCOL)
    assert caught.value.field == "infusions[0].given_dose_mg" and "125 %" in caught.value.message


def test_without_a_planned_dose_on_the_form_the_plan_dose_is_the_reference():
    plan = _plan(1)
    oxaliplatin = next(a.dose_mg for a in plan.administrations if a.drug.value == "oxaliplatin")
    form = HaicCycleForm.model_validate(
        {"cycle": 1, "infusions": [{"drug": "oxaliplatin", "given_dose_mg": round(oxaliplatin * 1.3, 1)}]}
    )
    assert [f for f, _m in dose_entry_errors(form, plan, PROTOCOL)] == ["infusions[0].given_dose_mg"]
    assert dose_entry_errors(form, None, PROTOCOL) == []  # no plan, no planned dose: nothing to compare
