"""Body surface area: Mosteller (N Engl J Med 1987;317:1098) and Du Bois (Arch Intern Med 1916;17:863-71)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.bsa import BsaFormula, body_surface_area
from haictrial.errors import InputError

heights = st.floats(min_value=100, max_value=250, allow_nan=False)
weights = st.floats(min_value=25, max_value=250, allow_nan=False)


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "expected_m2"),
    [
        # Mosteller 1987: BSA = sqrt(cm x kg / 3600); 180 cm x 80 kg = 14400 = 4 x 3600 -> exactly 2.
        (180, 80, 2.0),
        # The usual worked example of the Mosteller formula: 170 cm, 70 kg -> sqrt(11900/3600) = 1.82 m2.
        (170, 70, 1.82),
        # docs/contracts/plan.md example: 162 cm, 58.5 kg -> 1.62 m2.
        (162, 58.5, 1.62),
    ],
)
def test_it_computes_mosteller_worked_values(height_cm, weight_kg, expected_m2):
    assert round(body_surface_area(height_cm, weight_kg), 2) == expected_m2


def test_it_keeps_mosteller_unrounded_for_dosing():
    # docs/contracts/plan.md: doses are computed from 1.6225 m2, not from the rounded 1.62.
    assert body_surface_area(162, 58.5) == pytest.approx(math.sqrt(162 * 58.5 / 3600), rel=1e-15)
    assert round(body_surface_area(162, 58.5), 4) == 1.6225


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "expected_m2"),
    [
        # Du Bois and Du Bois 1916: 0.007184 x 170^0.725 x 70^0.425 = 1.8097 (the 1.81 m2 of a 70 kg, 170 cm adult).
        (170, 70, 1.8097),
        (180, 80, 1.9964),
        (162, 58.5, 1.6192),
    ],
)
def test_it_computes_dubois_values(height_cm, weight_kg, expected_m2):
    assert round(body_surface_area(height_cm, weight_kg, BsaFormula.dubois), 4) == expected_m2


@settings(max_examples=200, deadline=None)
@given(heights, weights)
def test_dubois_equals_its_metric_height_form(height_cm, weight_kg):
    # The same 1916 formula with height in metres: 0.20247 x m^0.725 x kg^0.425 (0.007184 x 100^0.725 = 0.20247).
    metric = 0.20247 * (height_cm / 100) ** 0.725 * weight_kg**0.425
    assert body_surface_area(height_cm, weight_kg, "dubois") == pytest.approx(metric, rel=1e-4)


@settings(max_examples=200, deadline=None)
@given(heights, weights, st.sampled_from(list(BsaFormula)))
def test_bsa_grows_with_height_and_weight(height_cm, weight_kg, formula):
    bsa = body_surface_area(height_cm, weight_kg, formula)
    assert 0.7 < bsa < 4.2  # 100 cm, 25 kg to 250 cm, 250 kg
    if height_cm + 1 <= 250:
        assert body_surface_area(height_cm + 1, weight_kg, formula) > bsa
    if weight_kg + 1 <= 250:
        assert body_surface_area(height_cm, weight_kg + 1, formula) > bsa


@settings(max_examples=200, deadline=None)
@given(heights, weights)
def test_mosteller_scales_as_the_square_root_of_height_times_weight(height_cm, weight_kg):
    assert body_surface_area(height_cm, weight_kg) ** 2 * 3600 == pytest.approx(height_cm * weight_kg, rel=1e-12)


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "field"),
    [
        (None, 60, "height_cm"),
        (99.9, 60, "height_cm"),
        (250.1, 60, "height_cm"),
        (65, 60, "height_cm"),  # inches typed as cm
        (170, None, "weight_kg"),
        (170, 24.9, "weight_kg"),
        (170, 250.5, "weight_kg"),
        (170, float("nan"), "weight_kg"),
    ],
)
def test_it_rejects_missing_or_implausible_measures_naming_the_field(height_cm, weight_kg, field):
    with pytest.raises(InputError) as err:
        body_surface_area(height_cm, weight_kg)
    assert err.value.field == field


def test_it_accepts_the_limits_themselves():
    # docs/contracts/plan.md: 100-250 cm and 25-250 kg are accepted.
    assert body_surface_area(100, 25) == pytest.approx(math.sqrt(2500 / 3600))
    assert body_surface_area(250, 250) == pytest.approx(math.sqrt(62500 / 3600))


def test_it_rejects_an_unknown_formula():
    with pytest.raises(InputError) as err:
        body_surface_area(170, 70, "haycock")
    assert err.value.field == "bsa_formula"
