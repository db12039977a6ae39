"""The plausibility limits of every measured value the core reads: ONE table, used by screening (the
patient document), every eCRF payload and ``plan``.

A value outside its limit is not a clinical finding: it is a typing or unit error (16 200 cm for 162 cm,
pounds for kilograms, haemoglobin 12.8 "g/L" meant as g/dL, platelets 1.82e8 for 182) and is refused at
entry with the field named, never screened, graded or dosed. Abnormal values inside the limits are graded
by CTCAE v5.0 and judged by the eligibility criteria, not refused.

The limits apply when a document is entered (pydantic validation context of
:func:`haictrial.vocabulary.base.entry_context`); a stored record is read back without them, so that a limit
tightened later never makes a saved record unreadable (the edit checks query such a record instead).
:func:`haictrial.clinical.bsa.body_surface_area` applies the height and weight limits whatever the context:
nothing outside them is ever dosed.

Public names
------------
- :class:`Limit` (``low``, ``high``, ``unit``, ``source``; :meth:`Limit.contains`, :meth:`Limit.describe`).
- :data:`LIMITS`: measure name -> :class:`Limit`; :data:`LAB_LIMITS_SI`: analyte -> :class:`Limit` in the
  analyte's canonical SI unit (:mod:`haictrial.vocabulary.units`); :data:`DOSE_MG_LIMITS`: drug -> :class:`Limit`.
- :func:`within(name)`: a pydantic ``AfterValidator`` applying ``LIMITS[name]`` at entry.
- :func:`lab_limit_problem(panel)`: the first lab of a panel outside its SI limit, as ``(field, message)``.
- :func:`dose_limit_problem(drug, dose_mg)`: the message for a dose outside the drug's limit, or None.

References
----------
- Height 100-250 cm, weight 25-250 kg: the dosing limits of ``haictrial plan`` (values outside them are
  taken as inches, metres or pounds and never dosed).
- Laboratory limits: haictrial's data-management limits (a SITE SETTING, set wide: values outside are
  incompatible with life or, far more often, a unit error); SI units and conversion factors as
  :mod:`haictrial.vocabulary.units` (Young DS, Ann Intern Med 1987;106:114-29, doi:10.7326/0003-4819-106-1-114).
- LVEF: normal 52-72 % (men) and 54-74 % (women): Lang RM et al., J Am Soc Echocardiogr 2015;28:1-39
  (doi:10.1016/j.echo.2014.10.003); the limit 5-95 % is a SITE SETTING (no living adult lies outside it).
- FEV1/FVC: the ratio cannot exceed 100 % (FEV1 is part of FVC; ATS/ERS standardisation, Graham BL et al.,
  Am J Respir Crit Care Med 2019;200:e70-e88, doi:10.1164/rccm.201908-1590ST); the lower limit 20 % and the
  volumes FEV1 0.2-8 L, FVC 0.3-10 L are a SITE SETTING wide around the GLI-2012 reference ranges
  (Quanjer PH et al., Eur Respir J 2012;40:1324-43, doi:10.1183/09031936.00080312).
- Lesion sizes: RECIST 1.1 (Eisenhauer EA et al., Eur J Cancer 2009;45:228-47, doi:10.1016/j.ejca.2008.10.026)
  section 3.1 records diameters in mm (0 mm: a target lesion that disappeared, section 4.3.1); the upper
  limit 400 mm (larger than any adult liver) is a SITE SETTING.
- Tumour markers CEA 0-100 000 ng/mL and CA 19-9 0-1 000 000 U/mL: SITE SETTING (data-management limits).
- Doses: the CHALLENGE-A1 registered regimen (NCT06988852: oxaliplatin 130 mg/m2, leucovorin 400 mg/m2,
  fluorouracil 2400 mg/m2 over 46 h, cetuximab 400 mg/m2 first dose, bevacizumab 7.5 mg/kg) at the largest
  body the height and weight limits admit (Mosteller BSA of 250 cm x 250 kg = 4.17 m2; 250 kg), times
  1.25 (a given dose above 125 % of the plan is an entry error): a larger dose is not a dose of this
  regimen for any patient.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from haictrial.clinical.crf_base import GOT_TEMPLATE
from haictrial.clinical.messages import N_
from haictrial.errors import UnitError
from haictrial.vocabulary.base import entry_today
from haictrial.vocabulary.units import Analyte, at_least, at_most, to_si

if TYPE_CHECKING:
    from haictrial.vocabulary.units import LabPanel

_PLAN = "haictrial plan dosing limits (a value outside is inches, metres or pounds)"
_DATA = "SITE SETTING: haictrial data-management plausibility limit"
_RECIST = "RECIST 1.1 section 3.1 (Eisenhauer 2009, doi:10.1016/j.ejca.2008.10.026); upper limit a SITE SETTING"
_LVEF = "Lang 2015 (doi:10.1016/j.echo.2014.10.003); limit a SITE SETTING"
_SPIRO = "Graham 2019 (doi:10.1164/rccm.201908-1590ST), Quanjer 2012 (doi:10.1183/09031936.00080312); SITE SETTING"
_REGIMEN = "CHALLENGE-A1 regimen (NCT06988852) at the largest BSA / weight admitted, x 1.25"


#: Why a value is refused at entry, language-neutral (:mod:`haictrial.clinical.messages`): a value, a lab (as
#: entered and in SI) and a dose outside their limits.
OUTSIDE = N_("outside the plausible range {low}-{high}{unit}; check the value and its unit")
LAB_OUTSIDE = N_("{shown} is outside the plausible range {low}-{high}{unit}; check the value and its unit")
DOSE_OUTSIDE = N_(
    "{dose} mg of {drug_term} is outside the plausible range {low}-{high}{unit}; check the value and its unit"
)


class LimitProblem(NamedTuple):
    """A value refused by a limit: where (relative to the model), the English message, and the same as an
    N_-marked template with its parameters (``message == template.format(**params)``)."""

    field: str
    message: str
    template: str
    params: dict[str, object]


class Limit(NamedTuple):
    """Inclusive plausibility limits of one measure, in ``unit``, with their source."""

    low: float
    high: float
    unit: str
    source: str

    def contains(self, value: float) -> bool:
        """``low <= value <= high`` (a value on a limit, after unit-conversion rounding, is inside)."""
        return math.isfinite(value) and at_least(value, self.low) and at_most(value, self.high)

    def range_params(self) -> dict[str, str]:
        """The parameters of :data:`OUTSIDE` (and the other templates) for this limit."""
        return {"low": f"{self.low:g}", "high": f"{self.high:g}", "unit": f" {self.unit}" if self.unit else ""}

    def describe(self) -> str:
        return OUTSIDE.format(**self.range_params())


#: Measure name -> limit. The names are the fields that carry them (``demographics.height_cm`` uses
#: ``height_cm``); lesion diameters of every form share ``lesion_mm``.
LIMITS: dict[str, Limit] = {
    "height_cm": Limit(100.0, 250.0, "cm", _PLAN),
    "weight_kg": Limit(25.0, 250.0, "kg", _PLAN),
    "lvef_percent": Limit(5.0, 95.0, "%", _LVEF),
    "fev1_fvc_percent": Limit(20.0, 100.0, "%", _SPIRO),
    "fev1_l": Limit(0.2, 8.0, "L", _SPIRO),
    "fvc_l": Limit(0.3, 10.0, "L", _SPIRO),
    "lesion_mm": Limit(0.0, 400.0, "mm", _RECIST),
    "cea_ng_per_ml": Limit(0.0, 100_000.0, "ng/mL", _DATA),
    "ca19_9_u_per_ml": Limit(0.0, 1_000_000.0, "U/mL", _DATA),
}

#: Laboratory limits in the canonical SI unit of each analyte (units.canonical_unit). A SITE SETTING.
LAB_LIMITS_SI: dict[Analyte, Limit] = {
    Analyte.wbc: Limit(0.1, 200.0, "10^9/L", _DATA),
    Analyte.neutrophils: Limit(0.0, 150.0, "10^9/L", _DATA),
    Analyte.platelets: Limit(1.0, 2000.0, "10^9/L", _DATA),
    Analyte.hemoglobin: Limit(30.0, 250.0, "g/L", _DATA),
    Analyte.total_bilirubin: Limit(1.0, 1000.0, "umol/L", _DATA),
    Analyte.albumin: Limit(10.0, 70.0, "g/L", _DATA),
    Analyte.inr: Limit(0.5, 15.0, "ratio", _DATA),
    Analyte.alt: Limit(1.0, 10_000.0, "U/L", _DATA),
    Analyte.ast: Limit(1.0, 10_000.0, "U/L", _DATA),
    Analyte.creatinine: Limit(10.0, 2500.0, "umol/L", _DATA),
}

#: Mosteller BSA (sqrt(cm x kg / 3600), N Engl J Med 1987;317:1098) of the largest body admitted.
_MAX_BSA_M2 = math.sqrt(LIMITS["height_cm"].high * LIMITS["weight_kg"].high / 3600.0)
_MAX_WEIGHT_KG = LIMITS["weight_kg"].high
#: A given dose above 125 % of the planned dose is an entry error.
_DOSE_MARGIN = 1.25

#: Drug (the regimen's drug names) -> dose limit in mg: (0, registered dose x largest body x 1.25].
DOSE_MG_LIMITS: dict[str, Limit] = {
    drug: Limit(0.0, round(per_unit * body * _DOSE_MARGIN), "mg", _REGIMEN)
    for drug, per_unit, body in (
        ("oxaliplatin", 130.0, _MAX_BSA_M2),
        ("leucovorin", 400.0, _MAX_BSA_M2),
        ("fluorouracil", 2400.0, _MAX_BSA_M2),
        ("cetuximab", 400.0, _MAX_BSA_M2),
        ("bevacizumab", 7.5, _MAX_WEIGHT_KG),
    )
}


def _limit_error(limit: Limit, value: float) -> PydanticCustomError:
    """The error of a value outside ``limit``; :func:`haictrial.documents.first_error` appends ``(got value)``,
    so the kept template does too (:data:`~haictrial.clinical.crf_base.GOT_TEMPLATE`)."""
    nested = [{"template": OUTSIDE, "params": limit.range_params()}]
    context = {
        "message": limit.describe(),
        "template": GOT_TEMPLATE,
        "params": {"error_parts": nested, "got": repr(value)},
    }
    return PydanticCustomError("plausibility_limit", "{message}", context)


def within(name: str) -> AfterValidator:
    """A pydantic ``AfterValidator`` refusing, at entry, a value outside ``LIMITS[name]``.

    Use inside ``Annotated``: ``height_cm: Annotated[JsonNumber, within("height_cm")] | None``.
    """
    limit = LIMITS[name]

    def check(value: float, info: ValidationInfo) -> float:
        if entry_today(info) is not None and not limit.contains(value):
            raise _limit_error(limit, value)
        return value

    check.__name__ = f"within_{name}"
    return AfterValidator(check)


def lab_limit_problem(panel: LabPanel) -> LimitProblem | None:
    """The first reported lab whose SI value is outside :data:`LAB_LIMITS_SI`, as
    ``(field relative to the panel, message)``; None when all are inside (or a unit is unknown: the
    panel reports that itself)."""
    for analyte, lab in panel.reported().items():
        limit = LAB_LIMITS_SI[analyte]
        try:
            value_si = to_si(analyte, lab.value, lab.unit)
        except UnitError:
            return None
        if not limit.contains(value_si):
            params: dict[str, object] = {
                "shown": f"{lab.value:g} {lab.unit} = {value_si:g} {limit.unit}",
                **limit.range_params(),
            }
            return LimitProblem(f"{analyte.value}.value", LAB_OUTSIDE.format(**params), LAB_OUTSIDE, params)
    return None


def dose_limit_problem(field: str, drug: str, dose_mg: float | None) -> LimitProblem | None:
    """The problem of a dose of ``drug`` (in ``field``) outside :data:`DOSE_MG_LIMITS`, or None."""
    limit = DOSE_MG_LIMITS.get(str(drug))
    if dose_mg is None or limit is None or limit.contains(dose_mg):
        return None
    params: dict[str, object] = {"dose": f"{dose_mg:g}", "drug_term": str(drug), **limit.range_params()}
    return LimitProblem(field, DOSE_OUTSIDE.format(**params), DOSE_OUTSIDE, params)


__all__ = [
    "DOSE_MG_LIMITS",
    "LAB_LIMITS_SI",
    "LIMITS",
    "Limit",
    "dose_limit_problem",
    "lab_limit_problem",
    "LimitProblem",
    "within",
]
