"""Lab units as Chinese reports write them: "G/L" (giga per litre = 10^9/L) for cell counts, "T/L" (tera per
litre = 10^12/L) for red cells, full-width and case variants.

References: BIPM SI Brochure, 9th ed. (2019), Table 7 (SI prefixes: G = 10^9, T = 10^12; prefix symbols are
case-sensitive, "g" is the gram); WS/T 404 (Chinese clinical laboratory reference intervals, units 10^9/L, 10^12/L).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haictrial.errors import UnitError
from haictrial.vocabulary.units import Analyte, red_cell_count_to_si, to_si

COUNTS = (Analyte.wbc, Analyte.neutrophils, Analyte.platelets)


@pytest.mark.parametrize("unit", ["G/L", "Ｇ／Ｌ", "G/l", "Ｇ/L", " G / L ", "×10⁹/L", "x10^9/L", "10⁹/L"])
@pytest.mark.parametrize("analyte", COUNTS)
def test_giga_per_litre_is_10_9_per_litre_for_cell_counts(analyte, unit):
    assert to_si(analyte, 5.6, unit) == to_si(analyte, 5.6, "10^9/L") == 5.6


@pytest.mark.parametrize("unit", ["g/L", "g/l", "ｇ／Ｌ", "ｇ／ｌ"])
@pytest.mark.parametrize("analyte", COUNTS)
def test_grams_per_litre_is_never_a_cell_count(analyte, unit):
    with pytest.raises(UnitError) as exc:
        to_si(analyte, 5.6, unit)
    assert exc.value.field == f"labs.{analyte.value}.unit" and "grams per litre" in exc.value.message


@pytest.mark.parametrize("unit", ["g/l", "ｇ／Ｌ", "G/dL".lower()])
def test_lower_case_and_full_width_grams_stay_grams_for_haemoglobin(unit):
    assert to_si(Analyte.hemoglobin, 11.8 if "dl" in unit else 118, unit) == pytest.approx(118)


@pytest.mark.parametrize("analyte", [a for a in Analyte if a not in COUNTS])
def test_g_per_litre_is_not_guessed_for_other_analytes(analyte):
    with pytest.raises(UnitError):
        to_si(analyte, 1.0, "G/L")


@pytest.mark.parametrize("analyte", COUNTS)
def test_tera_per_litre_is_not_a_white_cell_or_platelet_unit(analyte):
    with pytest.raises(UnitError) as exc:
        to_si(analyte, 4.1, "T/L")
    assert "red cell" in exc.value.message


@pytest.mark.parametrize("unit", ["T/L", "Ｔ／Ｌ", "10^12/L", "×10¹²/L", "10^6/uL"])
def test_tera_per_litre_is_a_red_cell_count(unit):
    assert red_cell_count_to_si(4.1, unit) == pytest.approx(4.1)


def test_a_red_cell_count_in_giga_is_refused():
    with pytest.raises(UnitError):
        red_cell_count_to_si(4100, "G/L")


@given(st.floats(min_value=0, max_value=1e4, allow_nan=False), st.sampled_from(["G/L", "Ｇ／Ｌ", "×10⁹/L"]))
def test_every_spelling_of_giga_per_litre_converts_like_10_9_per_litre(value, unit):
    assert to_si(Analyte.platelets, value, unit) == to_si(Analyte.platelets, value, "10^9/L")
