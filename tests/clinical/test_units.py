"""Unit conversions of docs/contracts/screen.md: bilirubin 17.1, creatinine 88.4, g/dL x10, 10^3/uL = 10^9/L."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haictrial.errors import UnitError
from haictrial.vocabulary.units import CONVERSIONS, Analyte, from_si, to_si


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        ("total_bilirubin", 1.0, "mg/dL", 17.1),  # docs/contracts/screen.md
        ("creatinine", 1.0, "mg/dL", 88.4),  # docs/contracts/screen.md
        ("albumin", 3.5, "g/dL", 35.0),
        ("hemoglobin", 12.0, "g/dL", 120.0),
        ("platelets", 182, "10^3/uL", 182.0),
        ("platelets", 182000, "/uL", 182.0),
        ("wbc", 5.6, "x10^9/L", 5.6),
        ("alt", 42, "IU/L", 42.0),
        ("inr", 1.1, "ratio", 1.1),
        ("total_bilirubin", 14.2, "µmol/L", 14.2),
    ],
)
def test_it_converts_to_si(analyte, value, unit, expected):
    assert to_si(analyte, value, unit) == pytest.approx(expected)


def test_unknown_unit_names_the_field():
    with pytest.raises(UnitError) as err:
        to_si("creatinine", 1.0, "mmol/L")
    assert err.value.field == "labs.creatinine.unit"
    assert "mmol/L" in str(err.value)


@given(
    analyte=st.sampled_from(list(Analyte)),
    value=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    data=st.data(),
)
def test_conversions_round_trip(analyte, value, data):
    unit = data.draw(st.sampled_from(list(CONVERSIONS[analyte][1])))
    assert from_si(analyte, to_si(analyte, value, unit), unit) == pytest.approx(value, rel=1e-12, abs=1e-12)
