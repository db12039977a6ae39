"""Laboratory units: every lab value enters the engine as ``{value, unit}`` and is converted to SI.

Canonical units (docs/architecture.md): cell counts 10^9/L, haemoglobin and albumin g/L, bilirubin and
creatinine umol/L, enzymes U/L, INR as a ratio. Any other unit is a :class:`UnitError` naming the field.

References
----------
- Conversion factors from the screening contract (docs/contracts/screen.md): bilirubin 1 mg/dL = 17.1 umol/L,
  creatinine 1 mg/dL = 88.4 umol/L; 1 g/dL = 10 g/L; 1 10^3/uL = 1 10^9/L; 1 /uL = 10^-3 10^9/L.
- SI conversion tables: Young DS, Ann Intern Med 1987;106:114-29 (doi:10.7326/0003-4819-106-1-114).
- SI prefixes: BIPM, The International System of Units (SI Brochure), 9th ed. (2019), Table 7: giga (G) = 10^9,
  tera (T) = 10^12; prefix symbols are case-sensitive (G giga, g is the gram; m milli, M mega).
- Chinese laboratory reports: WS/T 404 (Reference intervals for common clinical biochemistry/blood cell tests,
  National Health Commission of the PRC) and the national clinical laboratory procedures write blood cell counts as
  "x10^9/L" or "G/L" (white cells, neutrophils, platelets) and red cells as "x10^12/L" or "T/L"; reports printed
  from Chinese systems often use full-width characters ("Ｇ／Ｌ"), folded here by Unicode NFKC.
"""

from __future__ import annotations

import math
import re
import unicodedata
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from haictrial.errors import UnitError
from haictrial.vocabulary.base import JsonNumber, StrictModel


class Analyte(StrEnum):
    """The laboratory tests the protocol uses (screening contract, CTCAE contract)."""

    wbc = "wbc"
    neutrophils = "neutrophils"
    platelets = "platelets"
    hemoglobin = "hemoglobin"
    total_bilirubin = "total_bilirubin"
    albumin = "albumin"
    inr = "inr"
    alt = "alt"
    ast = "ast"
    creatinine = "creatinine"


# Unit spellings users send are normalised before lookup (see normalise_unit): case-insensitive,
# "µ"/"μ" -> "u", "x10^9/L" -> "10^9/L", "IU/L" -> "U/L".
_CELL_COUNT = {"10^9/L": 1.0, "G/L": 1.0, "10^3/uL": 1.0, "/uL": 1e-3, "cells/uL": 1e-3}
_GRAMS = {"g/L": 1.0, "g/dL": 10.0}
_ENZYME = {"U/L": 1.0}

#: analyte -> (canonical SI unit, {accepted normalised unit: factor to the canonical unit})
CONVERSIONS: dict[Analyte, tuple[str, dict[str, float]]] = {
    Analyte.wbc: ("10^9/L", _CELL_COUNT),
    Analyte.neutrophils: ("10^9/L", _CELL_COUNT),
    Analyte.platelets: ("10^9/L", _CELL_COUNT),
    Analyte.hemoglobin: ("g/L", _GRAMS),
    Analyte.albumin: ("g/L", _GRAMS),
    Analyte.total_bilirubin: ("umol/L", {"umol/L": 1.0, "mg/dL": 17.1}),
    Analyte.creatinine: ("umol/L", {"umol/L": 1.0, "mg/dL": 88.4}),
    Analyte.alt: ("U/L", _ENZYME),
    Analyte.ast: ("U/L", _ENZYME),
    Analyte.inr: ("ratio", {"ratio": 1.0}),
}


#: Superscript exponents as lab reports print them ("×10⁹/L"), written out before NFKC (which would make "109").
_SUPERSCRIPTS = {"¹²": "^12", "⁹": "^9", "⁶": "^6", "³": "^3"}
#: Prefix-only count units, matched case-sensitively BEFORE lower-casing (BIPM SI Brochure 9th ed., Table 7):
#: "G/L" is giga per litre (10^9/L), "T/L" tera per litre (10^12/L). "g/L" (grams) never matches here.
_PREFIXED_COUNTS = {"G/L": "10^9/l", "T/L": "10^12/l", "G/l": "10^9/l", "T/l": "10^12/l"}


#: Red cell count (not a screening analyte; FHIR import checks it when a bundle carries one): canonical 10^12/L.
#: 1 T/L = 10^12/L; 1 10^6/uL = 10^12/L (BIPM SI Brochure 9th ed., Table 7; WS/T 404 writes 10^12/L).
RED_CELL_COUNT: tuple[str, dict[str, float]] = ("10^12/L", {"10^12/L": 1.0, "T/L": 1.0, "10^6/uL": 1.0})


def normalise_unit(unit: str) -> str:
    """Fold a unit spelling to one lookup key: full-width and superscripts folded, then lower-cased.

    "G/L" and "T/L" (capital giga/tera, with or without full-width characters) become "10^9/l" and
    "10^12/l" before lower-casing, so that they are never mistaken for "g/L" (grams per litre).
    """
    text = unit.strip()
    for sup, plain in _SUPERSCRIPTS.items():
        text = text.replace(sup, plain)
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    text = _PREFIXED_COUNTS.get(re.sub(r"^[x×*]?", "", text), text)
    text = text.lower().replace("µ", "u").replace("μ", "u")
    text = text.replace("×", "x").replace("*", "")
    if text.startswith("x10"):
        text = text[1:]
    text = text.replace("10e9", "10^9").replace("10e3", "10^3")
    text = text.replace("iu/l", "u/l")
    return text


def _factors(analyte: Analyte) -> dict[str, float]:
    return _LOOKUP[analyte]


def canonical_unit(analyte: Analyte | str) -> str:
    """The SI unit the engine computes in for ``analyte``."""
    return CONVERSIONS[Analyte(analyte)][0]


def accepted_units(analyte: Analyte | str) -> list[str]:
    """The unit spellings accepted for ``analyte``, for error messages and forms."""
    return list(CONVERSIONS[Analyte(analyte)][1])


def to_si(analyte: Analyte | str, value: float, unit: str, field: str | None = None) -> float:
    """Convert ``value`` in ``unit`` to the canonical SI unit of ``analyte``.

    Raises :class:`UnitError` naming ``field`` (default: the analyte) for any unit not in the table.
    """
    name = Analyte(analyte)
    factors = _factors(name)
    key = normalise_unit(unit)
    if key not in factors:
        hint = ""
        if key == "10^12/l":
            hint = " (T/L, 10^12/L, is the unit of red cell counts)"
        elif key == "g/l" and "10^9/l" in factors:
            hint = ' (g/L is grams per litre; write "G/L" with a capital G for 10^9/L)'
        raise UnitError(
            f"unknown unit {unit!r} for {name.value}{hint}; use one of: {', '.join(accepted_units(name))}",
            field=field or f"labs.{name.value}.unit",
        )
    return value * factors[key]


def red_cell_count_to_si(value: float, unit: str, field: str = "red_cell_count.unit") -> float:
    """A red cell count in 10^12/L ("T/L" as Chinese reports write it); UnitError naming ``field`` otherwise."""
    factors = {normalise_unit(u): f for u, f in RED_CELL_COUNT[1].items()}
    key = normalise_unit(unit)
    if key not in factors:
        raise UnitError(
            f"unknown unit {unit!r} for a red cell count; use one of: {', '.join(RED_CELL_COUNT[1])}", field=field
        )
    return value * factors[key]


def same_value(a: float, b: float) -> bool:
    """True when two values differ only by float rounding, e.g. 30 umol/L and (30 / 17.1) mg/dL converted back.

    Limits compare with this so that a value exactly on a limit, entered in another unit, is on the limit.
    """
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def at_least(value: float, limit: float) -> bool:
    """``value >= limit``, with float rounding from unit conversion counted as equal."""
    return value >= limit or same_value(value, limit)


def at_most(value: float, limit: float) -> bool:
    """``value <= limit``, with float rounding from unit conversion counted as equal."""
    return value <= limit or same_value(value, limit)


def from_si(analyte: Analyte | str, value_si: float, unit: str, field: str | None = None) -> float:
    """Inverse of :func:`to_si`: express an SI value in ``unit``."""
    factor = to_si(analyte, 1.0, unit, field)
    return value_si / factor


class LabValue(BaseModel):
    """A laboratory value with its explicit unit, as entered (docs/contracts/screen.md)."""

    model_config = ConfigDict(extra="forbid")

    value: JsonNumber = Field(description="The number as reported by the laboratory (a JSON number).")
    unit: str = Field(min_length=0, description="The unit as reported, e.g. 'umol/L' or 'mg/dL'.")

    def si(self, analyte: Analyte | str, field: str | None = None) -> float:
        """This value in the analyte's canonical SI unit."""
        return to_si(analyte, self.value, self.unit, field)


class LabPanel(StrictModel):
    """The protocol's laboratory tests, each an optional ``{value, unit}``.

    One model for every panel (screening labs, pre-cycle labs), so that a lab value is checked and
    converted the same way wherever it is entered.
    """

    wbc: LabValue | None = None
    neutrophils: LabValue | None = None
    platelets: LabValue | None = None
    hemoglobin: LabValue | None = None
    total_bilirubin: LabValue | None = None
    albumin: LabValue | None = None
    inr: LabValue | None = None
    alt: LabValue | None = None
    ast: LabValue | None = None
    creatinine: LabValue | None = None

    def reported(self) -> dict[Analyte, LabValue]:
        """The values reported, by analyte."""
        found: dict[Analyte, LabValue] = {}
        for name in Analyte:
            lab = getattr(self, name.value)
            if lab is not None:
                found[name] = lab
        return found

    def si(self, name: Analyte | str, field_prefix: str = "") -> float | None:
        """The value of ``name`` in its SI unit, or None when it was not reported."""
        lab: LabValue | None = getattr(self, Analyte(name).value)
        return None if lab is None else lab.si(name, field=f"{field_prefix}{Analyte(name).value}.unit")

    def first_problem(self) -> tuple[str, str] | None:
        """The first value the engine cannot use, as ``(field relative to the panel, message)``.

        Unknown units and impossible values (not finite, negative) are input errors, never "unknown".
        """
        for name, lab in self.reported().items():
            try:
                to_si(name, lab.value, lab.unit)
            except UnitError as exc:
                return f"{name.value}.unit", exc.message
            if not math.isfinite(lab.value):
                return f"{name.value}.value", "a laboratory value must be a finite number"
            if lab.value < 0:
                return f"{name.value}.value", "a laboratory value cannot be negative"
        return None


#: analyte -> {normalised unit spelling: factor}, built once.
_LOOKUP: dict[Analyte, dict[str, float]] = {
    analyte: {normalise_unit(unit): factor for unit, factor in factors.items()}
    for analyte, (_, factors) in CONVERSIONS.items()
}
