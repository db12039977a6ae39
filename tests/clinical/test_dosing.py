"""One dosed cycle (docs/contracts/plan.md; NCT06988852 registered regimen).

Oxaliplatin 130 mg/m2 0-2 h, leucovorin 400 mg/m2 2-3 h, fluorouracil 400 mg/m2 bolus at 3 h and
2400 mg/m2 over 46 h (3-49 h), every 21 days; bevacizumab 7.5 mg/kg day 1; cetuximab 400 mg/m2 first
dose then 250 mg/m2 on days 1, 8, 15.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.dosing import plan_cycle, round_half_up
from haictrial.clinical.patient import Patient
from haictrial.errors import InputError
from haictrial.protocol import default_protocol_path, load_protocol
from haictrial.vocabulary.enums import Drug

EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
VARIANT = Path(__file__).parent.parent / "data" / "protocols" / "variant.yaml"

#: The output example of docs/contracts/plan.md, verbatim.
CONTRACT_EXAMPLE = {
    "subject_id": "CHA-001-0001", "cycle": 1, "cycle_length_days": 21,
    "bsa_m2": 1.62, "bsa_formula": "mosteller",
    "targeted_agent": "cetuximab",
    "targeted_agent_reason": "left-sided primary (sigmoid colon); KRAS, NRAS, BRAF wild type",
    "administrations": [
        {"drug": "oxaliplatin", "route": "hepatic_arterial", "dose_mg": 210.9, "day": 1, "start_h": 0, "end_h": 2},
        {"drug": "leucovorin", "route": "hepatic_arterial", "dose_mg": 649.0, "day": 1, "start_h": 2, "end_h": 3},
        {"drug": "fluorouracil", "component": "bolus", "route": "hepatic_arterial", "dose_mg": 649.0, "day": 1,
         "start_h": 3, "end_h": 3},
        {"drug": "fluorouracil", "component": "infusion", "route": "hepatic_arterial", "dose_mg": 3894.0, "day": 1,
         "start_h": 3, "end_h": 49, "rate_mg_per_h": 84.65},
        {"drug": "cetuximab", "route": "intravenous", "dose_mg": 649.0, "day": 1},
        {"drug": "cetuximab", "route": "intravenous", "dose_mg": 405.6, "day": 8},
        {"drug": "cetuximab", "route": "intravenous", "dose_mg": 405.6, "day": 15},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def protocol():
    return load_protocol()


def example(**changes) -> Patient:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Patient.model_validate(data)


def assert_contract_fields(actual, expected):
    """Every field the contract names has the contract's value (extra fields are allowed)."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, f"missing {key}"
            assert_contract_fields(actual[key], value)
    elif isinstance(expected, list):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_contract_fields(a, e)
    else:
        assert actual == expected and type(actual) is type(expected), (actual, expected)


def test_it_reproduces_the_contract_example_exactly(protocol):
    document = plan_cycle(example(), protocol).as_contract()
    assert_contract_fields(document, CONTRACT_EXAMPLE)
    # No contract field is added where the contract leaves it out (no hours on the targeted agent).
    for admin in document["administrations"]:
        if admin["drug"] == "cetuximab":
            assert "start_h" not in admin and "component" not in admin
    assert json.loads(json.dumps(document)) == document


def test_doses_come_from_the_unrounded_bsa(protocol):
    # docs/contracts/plan.md: 130 mg/m2 x 1.6225 m2 = 210.92 -> 210.9 mg (1.62 m2 would give 210.6 mg).
    result = plan_cycle(example(), protocol)
    assert result.bsa_m2 == 1.62
    assert result.bsa_m2_unrounded == pytest.approx(1.622498, abs=1e-6)
    oxaliplatin = result.administrations[0]
    assert oxaliplatin.dose_mg == 210.9 and oxaliplatin.dose_basis == "130 mg/m2 x 1.6225 m2"


def test_the_pump_rate_is_the_dose_over_46_hours(protocol):
    infusion = next(a for a in plan_cycle(example(), protocol).administrations if a.component == "infusion")
    assert infusion.end_h - infusion.start_h == 46
    assert infusion.rate_mg_per_h == round_half_up(3894.0 / 46, 2) == 84.65
    assert infusion.rate_ml_per_h is None


def test_a_concentration_adds_the_rate_in_ml_per_hour(protocol):
    infusion = next(
        a
        for a in plan_cycle(example(), protocol, fu_concentration_mg_per_ml=25).administrations
        if a.component == "infusion"
    )
    # 3894 mg / 25 mg/mL = 155.76 mL over 46 h = 3.386 mL/h.
    assert infusion.volume_ml == 155.8
    assert infusion.rate_ml_per_h == 3.39
    assert infusion.as_contract()["rate_ml_per_h"] == 3.39


@pytest.mark.parametrize("concentration", [0, -5])
def test_it_rejects_a_concentration_that_is_not_positive(protocol, concentration):
    with pytest.raises(InputError) as err:
        plan_cycle(example(), protocol, fu_concentration_mg_per_ml=concentration)
    assert err.value.field == "fu_concentration_mg_per_ml"


def test_dubois_changes_the_bsa_and_the_doses(protocol):
    result = plan_cycle(example(), protocol, bsa_formula="dubois")
    assert result.as_contract()["bsa_formula"] == "dubois"
    assert result.bsa_m2 == 1.62  # 1.6192 m2
    assert result.administrations[0].dose_mg == 210.5  # 130 x 1.61922


def test_bevacizumab_is_7_5_mg_per_kg_on_day_1(protocol):
    result = plan_cycle(example(primary_tumor={"site": "cecum"}, weight_kg=58.3), protocol)
    bev = [a for a in result.administrations if a.drug == Drug.bevacizumab]
    # 7.5 mg/kg x 58.3 kg = 437.25 mg -> 437.3 mg (half up, not banker's rounding to 437.2).
    assert [(a.day, a.dose_mg, a.route.value) for a in bev] == [(1, 437.3, "intravenous")]
    assert not any(a.drug == Drug.cetuximab for a in result.administrations)
    assert result.as_contract()["targeted_agent"] == "bevacizumab"


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=2, max_value=40))
def test_cetuximab_loading_dose_only_in_cycle_1(cycle):
    protocol = load_protocol()
    first = [a for a in plan_cycle(example(), protocol, cycle=1).administrations if a.drug == Drug.cetuximab]
    later = [a for a in plan_cycle(example(), protocol, cycle=cycle).administrations if a.drug == Drug.cetuximab]
    assert [(a.day, a.prescribed_dose) for a in first] == [(1, 400), (8, 250), (15, 250)]
    assert [(a.day, a.prescribed_dose) for a in later] == [(1, 250), (8, 250), (15, 250)]
    # The loading dose is a typed field of the plan (the order sheet reads it, never the dose_basis text).
    assert [a.loading_dose for a in first] == [True, False, False]
    assert not any(a.loading_dose for a in later)


def test_cetuximab_days_follow_the_site_setting():
    # variant.yaml: cetuximab_days = [1, 15].
    result = plan_cycle(example(), load_protocol(VARIANT))
    cet = [(a.day, a.prescribed_dose) for a in result.administrations if a.drug == Drug.cetuximab]
    assert cet == [(1, 400), (15, 250)]
    assert result.protocol_version == "1.0-variant"


def test_chemotherapy_is_planned_when_no_agent_can_be_chosen(protocol):
    result = plan_cycle(example(molecular={"braf": "unknown"}), protocol)
    assert result.targeted_agent is None
    assert [a.drug.value for a in result.administrations] == [
        "oxaliplatin",
        "leucovorin",
        "fluorouracil",
        "fluorouracil",
    ]
    assert result.as_contract()["targeted_agent"] is None
    assert "BRAF" in result.targeted_agent_reason


@settings(max_examples=150, deadline=None)
@given(
    st.floats(min_value=100, max_value=250, allow_nan=False),
    st.floats(min_value=25, max_value=250, allow_nan=False),
    st.sampled_from(["mosteller", "dubois"]),
)
def test_doses_are_proportional_to_bsa(height_cm, weight_kg, formula):
    result = plan_cycle(example(height_cm=height_cm, weight_kg=weight_kg), load_protocol(), bsa_formula=formula)
    bsa = result.bsa_m2_unrounded
    for a in result.administrations:
        if a.dose_unit == "mg/m2":
            # dose / BSA is the protocol dose per m2, up to the 0.05 mg rounding of the dose.
            assert abs(a.dose_mg / bsa - a.prescribed_dose) <= 0.05 / bsa + 1e-9
        else:
            assert abs(a.dose_mg / weight_kg - a.prescribed_dose) <= 0.05 / weight_kg + 1e-9


def test_every_dose_is_traceable_to_the_protocol(protocol):
    regimen = {(c.drug, c.component): c.dose for c in protocol.regimen.chemotherapy}
    for a in plan_cycle(example(), protocol).administrations:
        if a.drug == Drug.cetuximab:
            assert a.prescribed_dose in (
                protocol.regimen.cetuximab.loading_dose,
                protocol.regimen.cetuximab.maintenance_dose,
            )
        else:
            assert a.prescribed_dose == regimen[(a.drug, a.component)]


def test_a_protocol_with_other_doses_changes_the_plan(protocol):
    data = protocol.model_dump(mode="json")
    data["regimen"]["chemotherapy"][0]["dose"] = 85
    data["settings"]["dose_modification"]["value"]["dose_levels"]["oxaliplatin"] = [85, 65, 50]
    other = type(protocol).model_validate(data)
    assert plan_cycle(example(), other).administrations[0].dose_mg == round_half_up(85 * 1.622498073958795, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"height_cm": None}, "height_cm"),
        ({"weight_kg": None}, "weight_kg"),
        ({"height_cm": 251}, "height_cm"),
        ({"weight_kg": 20}, "weight_kg"),
    ],
)
def test_it_refuses_to_dose_without_plausible_height_and_weight(protocol, changes, field):
    with pytest.raises(InputError) as err:
        plan_cycle(example(**changes), protocol)
    assert err.value.field == field


def test_it_refuses_cycle_zero(protocol):
    with pytest.raises(InputError) as err:
        plan_cycle(example(), protocol, cycle=0)
    assert err.value.field == "cycle"


def test_the_plan_carries_the_protocol_and_engine_version(protocol):
    document = plan_cycle(example(), protocol).as_contract()
    assert document["protocol_id"] == "CHALLENGE-A1"
    assert document["protocol_version"] == "1.0"
    assert document["engine_version"]
    assert document["modifications"] == [] and document["delay"] is None


@pytest.mark.parametrize(
    ("value", "places", "expected"), [(437.25, 1, 437.3), (84.645, 2, 84.65), (210.9247, 1, 210.9)]
)
def test_round_half_up(value, places, expected):
    assert round_half_up(value, places) == expected
