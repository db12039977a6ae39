"""Body surface area (BSA) from height and weight, for doses prescribed in mg/m2.

The value is returned unrounded (m2); round it to 0.01 m2 only where it is shown. Doses are
computed from the unrounded value (docs/contracts/plan.md: 130 mg/m2 x 1.6225 m2 = 210.9 mg).

References
----------
- Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098
  (doi:10.1056/NEJM198710223171717): BSA = sqrt(height_cm x weight_kg / 3600).
- Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and weight be
  known. Arch Intern Med 1916;17:863-71 (doi:10.1001/archinte.1916.00080130010002):
  BSA = 0.007184 x height_cm^0.725 x weight_kg^0.425.
- Plausibility limits (100-250 cm, 25-250 kg): docs/contracts/plan.md; a value outside them is taken as a
  typing or unit error (inches, pounds), never dosed.
"""

from __future__ import annotations

import math
from enum import StrEnum

from haictrial.clinical.limits import LIMITS
from haictrial.clinical.messages import N_
from haictrial.errors import InputError


class BsaFormula(StrEnum):
    """The BSA formulas a site may choose (``haictrial plan --bsa-formula``)."""

    mosteller = "mosteller"
    dubois = "dubois"


#: Inclusive plausibility limits for dosing (docs/contracts/plan.md), from the one table of limits.
HEIGHT_CM_RANGE = (LIMITS["height_cm"].low, LIMITS["height_cm"].high)
WEIGHT_KG_RANGE = (LIMITS["weight_kg"].low, LIMITS["weight_kg"].high)

#: Mosteller 1987: the divisor of height (cm) x weight (kg).
MOSTELLER_DIVISOR = 3600.0
#: Du Bois and Du Bois 1916: coefficient and exponents (height in cm, weight in kg).
DUBOIS_COEFFICIENT = 0.007184
DUBOIS_HEIGHT_EXPONENT = 0.725
DUBOIS_WEIGHT_EXPONENT = 0.425


def checked_measure(value: float | None, field: str, limits: tuple[float, float], unit: str) -> float:
    """``value`` when present and within ``limits``, else an :class:`InputError` naming ``field``."""
    low, high = limits
    if value is None:
        raise InputError.of(N_("required for dosing (body surface area), in {unit}"), field, unit=unit)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError.of(N_("must be a number in {unit} (got {value})"), field, unit=unit, value=repr(value))
    if not low <= value <= high:
        raise InputError.of(
            N_("{value:g} {unit} is outside {low:g}-{high:g} {unit}; check the value and its unit"),
            field,
            value=value,
            unit=unit,
            low=low,
            high=high,
        )
    return float(value)


def body_surface_area(
    height_cm: float | None,
    weight_kg: float | None,
    formula: BsaFormula | str = BsaFormula.mosteller,
) -> float:
    """Body surface area in m2 (unrounded) by ``formula``.

    Raises :class:`InputError` naming ``height_cm`` or ``weight_kg`` when a value is missing or
    outside 100-250 cm / 25-250 kg, and naming ``bsa_formula`` for an unknown formula.

    References
    ----------
    Mosteller, N Engl J Med 1987;317:1098. Du Bois and Du Bois, Arch Intern Med 1916;17:863-71.
    """
    try:
        chosen = BsaFormula(formula)
    except ValueError:
        choices = ", ".join(f.value for f in BsaFormula)
        raise InputError.of(
            N_("unknown formula {formula}; use one of {choices}"), "bsa_formula", formula=repr(formula), choices=choices
        ) from None
    height = checked_measure(height_cm, "height_cm", HEIGHT_CM_RANGE, "cm")
    weight = checked_measure(weight_kg, "weight_kg", WEIGHT_KG_RANGE, "kg")
    if chosen is BsaFormula.mosteller:
        return math.sqrt(height * weight / MOSTELLER_DIVISOR)
    return DUBOIS_COEFFICIENT * height**DUBOIS_HEIGHT_EXPONENT * weight**DUBOIS_WEIGHT_EXPONENT
