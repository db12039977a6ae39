"""The protocol's sixteen criteria compiled to ibis column expressions over the flat layout.

One definition, two executions: every number comes from the protocol file
(``protocol.eligibility.thresholds``), every unit factor from :data:`haictrial.vocabulary.units.CONVERSIONS`,
the Child-Pugh bands and points from :mod:`haictrial.clinical.child_pugh`, the value domains (ranges, codes)
from the core's pydantic models, and the comparisons are the engine's rounding-robust ones
(:func:`~haictrial.vocabulary.units.same_value`, ``at_least``, ``at_most``). The logic of each criterion
mirrors the criterion object of :mod:`haictrial.clinical.eligibility` of the same id; the agreement tests
(tests/interop/prescreen) hold the two to identical statuses, verdicts and missing fields.

Statuses are small integers inside the query, ``PASS 0 < UNKNOWN 1 < FAIL 2``, so that "all parts must
pass" is the greatest of the parts; they leave the query as the contract's ``pass``/``unknown``/``fail``.
No expression is ever left null: SQL's null logic is not the engine's tri-state logic.

``suspect`` marks every row the engine might refuse (a value outside the core's domain: unknown unit or
code, impossible number, date order, an age disagreeing with the dates; at entry, a date after the site's
today or a value outside the plausibility limits, read from the one table of
:mod:`haictrial.clinical.limits`); such rows are decided by the per-patient engine itself
(:mod:`haictrial.interop.prescreen.run`), so their ``error`` is the engine's own one-line message.

The query is staged (:func:`barrier`): shared values, then statuses, then counts, then the output, each
computed once; ``missing`` is built only for rows with an unknown criterion.

References
----------
- NCT06988852 inclusion I1-I8, exclusion E1-E8; docs/contracts/screen.md; docs/contracts/prescreen.md.
- RECIST 1.1 section 3.1.1 (doi:10.1016/j.ejca.2008.10.026): measurable lesion >= 10 mm (I5).
- Child-Pugh: Pugh et al., Br J Surg 1973 (doi:10.1002/bjs.1800600817) (I7).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import annotated_types as at
import ibis
import ibis.expr.types as ir

from haictrial.clinical import child_pugh as cp
from haictrial.clinical.eligibility import CHILD_PUGH_FIELDS, CRITERIA, PriorSystemicTreatmentCriterion
from haictrial.clinical.limits import LAB_LIMITS_SI, LIMITS, Limit
from haictrial.clinical.patient import LiverLesion, Patient
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.base import EARLIEST_DATE
from haictrial.vocabulary.enums import (
    Ascites,
    Drug,
    HepaticEncephalopathy,
    HistoryCondition,
    Intolerance,
    LiverDirectedTreatment,
    MutationStatus,
    PrimarySite,
    PriorSystemicTreatment,
    Sex,
)
from haictrial.vocabulary.flat_layout import (
    CODE_LISTS,
    IBIS_TYPES,
    KEY_COLUMNS,
    ROW,
    Layout,
    count_column,
    item_column,
    layout_of,
)
from haictrial.vocabulary.units import _LOOKUP, CONVERSIONS, Analyte, normalise_unit

PASS, UNKNOWN, FAIL = 0, 1, 2
CRITERION_IDS = [c.id for c in CRITERIA]
STATUS_TEXT = {PASS: "pass", UNKNOWN: "unknown", FAIL: "fail"}

# units.same_value: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
REL_TOL, ABS_TOL = 1e-9, 1e-12


# --- schema ------------------------------------------------------------------------------------


def _kind_ok(dtype: Any, kind: str) -> bool:
    if dtype.is_null():
        return True
    if kind in ("int", "float"):
        return bool(dtype.is_numeric()) and not dtype.is_boolean()
    if kind == "bool":
        return bool(dtype.is_boolean())
    if kind == "date":
        return bool(dtype.is_date() or dtype.is_timestamp())
    return bool(dtype.is_string())


_KIND_WORDS = {"int": "whole numbers", "float": "numbers", "bool": "true/false", "date": "dates", "string": "text"}


def standardise(table: ir.Table) -> tuple[ir.Table, Layout]:
    """``table`` with every column of the flat layout, typed as the layout says (absent columns are nulls).

    A column of the wrong type (text in a number column) is an :class:`InputError` naming the column.
    """
    schema = table.schema()
    layout = layout_of(list(schema.names))
    wanted = layout.columns()
    cols: dict[str, ir.Value] = {}
    for name, kind in wanted.items():
        target = IBIS_TYPES[kind]
        if name in schema.names:
            dtype = schema[name]
            if not _kind_ok(dtype, kind):
                raise InputError(f"expected {_KIND_WORDS[kind]}, the column holds {dtype}", field=name)
            cols[name] = table[name].cast(target)
        else:
            cols[name] = ibis.null(target)
    key = next((k for k in KEY_COLUMNS if k in schema.names), None)
    cols["person_id"] = table[key].cast("string") if key else ibis.null("string")
    if ROW in schema.names:
        cols[ROW] = table[ROW].cast("int64")
    else:
        order = table[key] if key else ibis.literal(0)
        cols[ROW] = ibis.row_number().over(order_by=order).cast("int64")
    return table.select(**cols), layout


# --- comparisons -------------------------------------------------------------------------------


def _true(expr: ir.BooleanValue) -> ir.BooleanValue:
    """A condition with null read as false (SQL null is not the engine's unknown)."""
    return expr.fill_null(False)


def same_value(a: ir.FloatingValue, b: float) -> ir.BooleanValue:
    """:func:`haictrial.vocabulary.units.same_value` as a column expression."""
    return (a - b).abs() <= ibis.greatest(REL_TOL * ibis.greatest(a.abs(), abs(b)), ABS_TOL)


def _margin(limit: float) -> float:
    """A distance from ``limit`` beyond which :func:`same_value` is false whatever the value: four times its
    tolerance at the limit (``rel_tol < 1/2``, so the tolerance grows slower than the distance)."""
    return 4 * max(REL_TOL * abs(limit), ABS_TOL)


def at_least(a: ir.FloatingValue, limit: float) -> ir.BooleanValue:
    """:func:`haictrial.vocabulary.units.at_least`: ``a >= limit`` or the same value after rounding.

    The exact test (:func:`same_value`) is evaluated only for values within :func:`_margin` below the limit
    (a CASE evaluates a branch for its rows alone): two comparisons for every other value, same result.
    """
    exact = (a >= limit) | same_value(a, limit)
    return _true(ibis.cases((a >= limit, True), (a < limit - _margin(limit), False), else_=exact))


def at_most(a: ir.FloatingValue, limit: float) -> ir.BooleanValue:
    """:func:`haictrial.vocabulary.units.at_most`, evaluated as :func:`at_least`."""
    exact = (a <= limit) | same_value(a, limit)
    return _true(ibis.cases((a <= limit, True), (a > limit + _margin(limit), False), else_=exact))


def _below(a: ir.FloatingValue, limit: float) -> ir.BooleanValue:
    """``a < limit`` and not the same value after rounding (null for null), evaluated as :func:`at_least`."""
    exact = (a < limit) & ~same_value(a, limit)
    return ibis.cases((a >= limit, False), (a < limit - _margin(limit), True), else_=exact)


def _above(a: ir.FloatingValue, limit: float) -> ir.BooleanValue:
    """``a > limit`` and not the same value after rounding (null for null), evaluated as :func:`at_least`."""
    exact = (a > limit) & ~same_value(a, limit)
    return ibis.cases((a <= limit, False), (a > limit + _margin(limit), True), else_=exact)


def status(fail: ir.BooleanValue, unknown: ir.BooleanValue) -> ir.IntegerValue:
    """FAIL when ``fail``, else UNKNOWN when ``unknown``, else PASS."""
    return ibis.cases((_true(fail), FAIL), (_true(unknown), UNKNOWN), else_=PASS).cast("int8")


def combine(parts: Sequence[ir.IntegerValue]) -> ir.IntegerValue:
    """All parts must pass: any failure fails, else any unknown is unknown (the engine's ``combine``)."""
    return parts[0] if len(parts) == 1 else ibis.greatest(*parts)


def unit_factors(table: ir.Table) -> dict[Analyte, dict[str, float]]:
    """Each analyte's unit spellings found in ``table`` -> factor to SI, normalised by the engine's own
    :func:`~haictrial.vocabulary.units.normalise_unit` (a spelling it does not know is left out: suspect).

    A population holds a handful of spellings; looking them up once keeps the string folding out of the
    per-row query and makes it exactly the engine's.
    """
    columns = {a.value: table[f"labs_{a.value}_unit"].collect(distinct=True) for a in Analyte}
    found = table.aggregate(**columns).to_pyarrow().to_pylist()[0]
    out: dict[Analyte, dict[str, float]] = {}
    for analyte in Analyte:
        factors = _LOOKUP[analyte]
        spellings = [u for u in (found[analyte.value] or []) if u is not None]
        out[analyte] = {u: factors[normalise_unit(u)] for u in spellings if normalise_unit(u) in factors}
    return out


def known_unit_factors() -> dict[Analyte, dict[str, float]]:
    """Each analyte's accepted spellings, as :data:`~haictrial.vocabulary.units.CONVERSIONS` writes them and as
    :func:`~haictrial.vocabulary.units.normalise_unit` folds them -> factor to SI.

    The data-independent choice of :func:`unit_factors`: the query needs no look at the data first, so its
    SQL can be compiled once (:func:`prescreen_sql`). A row with any other spelling is ``suspect`` and decided
    by the engine, which folds spellings itself; a run finding many such rows recompiles with the spellings
    found (:mod:`haictrial.interop.prescreen.run`).
    """
    out: dict[Analyte, dict[str, float]] = {}
    for analyte, (_, factors) in CONVERSIONS.items():
        spellings = {unit: _LOOKUP[analyte][normalise_unit(unit)] for unit in factors}
        spellings.update({normalise_unit(unit): factor for unit, factor in spellings.items()})
        out[analyte] = spellings
    return out


def lab_si(t: ir.Table, analyte: Analyte, factors: dict[str, float]) -> ir.FloatingValue:
    """The value in the analyte's SI unit (:func:`~haictrial.vocabulary.units.to_si`); null for an unknown unit."""
    unit = t[f"labs_{analyte.value}_unit"]
    value = t[f"labs_{analyte.value}_value"]
    if not factors:
        return ibis.null("float64")
    return ibis.cases(*((unit == spelling, value * factor) for spelling, factor in factors.items()), else_=None)


# --- the value domain: rows the engine may refuse ----------------------------------------------


def _bounds(metadata: list[Any]) -> list[tuple[str, float]]:
    out = []
    for item in metadata:
        for attr in ("gt", "ge", "lt", "le"):
            if isinstance(item, getattr(at, attr.capitalize())):
                out.append((attr, float(getattr(item, attr))))
    return out


def _not_code(x: ir.StringValue, enum: type[StrEnum]) -> ir.BooleanValue:
    return x.notnull() & ~x.isin([e.value for e in enum])


def _not_finite(x: ir.FloatingValue) -> ir.BooleanValue:
    return x.isnan() | x.isinf()


def _not_whole(x: ir.FloatingValue) -> ir.BooleanValue:
    return _not_finite(x) | (x.floor() != x)


_SCALAR_CODES: dict[str, type[StrEnum]] = {
    "sex": Sex,
    "prior_systemic_treatment": PriorSystemicTreatment,
    "primary_tumor_site": PrimarySite,
    "molecular_kras": MutationStatus,
    "molecular_nras": MutationStatus,
    "molecular_braf": MutationStatus,
    "ascites": Ascites,
    "hepatic_encephalopathy": HepaticEncephalopathy,
}
_LIST_CODES: dict[str, type[StrEnum]] = {
    "allergies": Drug,
    "unable_to_tolerate": Intolerance,
    "prior_liver_directed_treatment": LiverDirectedTreatment,
}


def _limit_name(field: Any) -> str | None:
    """The :data:`~haictrial.clinical.limits.LIMITS` name of a pydantic field annotated ``within(name)``
    (``Annotated[JsonNumber, within(name)] | None``)."""
    pending, found = [field.annotation, *field.metadata], []
    while pending:
        item = pending.pop()
        pending.extend(getattr(item, "__metadata__", ()))
        pending.extend(a for a in typing.get_args(item) if not isinstance(a, str | int | float))
        found.append(getattr(getattr(item, "func", None), "__name__", ""))
    names = [n.removeprefix("within_") for n in found if n.startswith("within_")]
    return names[0] if names else None


def _inside(x: ir.FloatingValue, bounds: list[tuple[str, float]]) -> ir.BooleanValue:
    """True when ``x`` lies inside every one of ``bounds`` and is finite: one range test (the tightest lower and
    upper bound of the list), false for NaN and the infinities (``x <= MAX`` fails for them), null for null."""
    lower: tuple[str, float] = ("ge", -_MAX_FLOAT)
    upper: tuple[str, float] = ("le", _MAX_FLOAT)
    for op, limit in bounds:
        if op in ("gt", "ge") and (limit > lower[1] or (limit == lower[1] and op == "gt")):
            lower = (op, limit)
        if op in ("lt", "le") and (limit < upper[1] or (limit == upper[1] and op == "lt")):
            upper = (op, limit)
    low = x > lower[1] if lower[0] == "gt" else x >= lower[1]
    high = x < upper[1] if upper[0] == "lt" else x <= upper[1]
    return low & high


#: The largest finite double: a bound that NaN and the infinities fail.
_MAX_FLOAT = 1.7976931348623157e308


def _strictly_inside(limit: Limit) -> list[tuple[str, float]]:
    """A plausibility limit as bounds, strictly: a value on a limit (equal after rounding, decided by
    :meth:`~haictrial.clinical.limits.Limit.contains`) is left to the engine - a superset of its refusals."""
    return [("gt", limit.low), ("lt", limit.high)]


def _any(exprs: Sequence[ir.BooleanValue]) -> ir.BooleanValue:
    """True when any of ``exprs`` is true; a null part counts as false (one COALESCE over the OR chain:
    ``true OR null`` is true, ``false OR null`` is null)."""
    out = exprs[0]
    for expr in exprs[1:]:
        out = out | expr
    return _true(out)


def _when(listed: ir.BooleanValue, bad: ir.BooleanValue) -> ir.BooleanValue:
    """``bad`` for the rows where ``listed`` holds, else false: evaluated for those rows alone."""
    return ibis.cases((_true(listed), bad), else_=False)


def suspect(
    t: ir.Table, layout: Layout, factors: dict[Analyte, dict[str, float]], today: dt.date | None = None
) -> ir.BooleanValue:
    """True for a row the engine might refuse; such rows are decided by the engine itself.

    A superset of the engine's refusals is enough (a flagged row the engine accepts gets its verdict from
    the engine). ``today``: the site's date of an entry (``haictrial screen``): dates after it and values
    outside the plausibility limits of :mod:`haictrial.clinical.limits` are refused too.

    One range test per value (the core's domain and the plausibility limit intersected; a lab's after its
    conversion to SI, computed once in :func:`derived`), and one null-safe OR over all the tests.
    """
    bad: list[ir.BooleanValue] = []
    for name in ("age_years", "ecog"):
        bad.append(_not_whole(t[name]))
    for name, field in Patient.model_fields.items():
        if name not in t.columns:
            continue
        bounds = _bounds(field.metadata)
        limit_name = _limit_name(field)
        if today is not None and limit_name is not None:
            bounds += _strictly_inside(LIMITS[limit_name])
        if bounds:
            bad.append(~_inside(t[name], bounds))
    for name, enum in _SCALAR_CODES.items():
        bad.append(_not_code(t[name], enum))
    for analyte in Analyte:
        value, unit = t[f"labs_{analyte.value}_value"], t[f"labs_{analyte.value}_unit"]
        si = f"_si_{analyte.value}"
        value_si = t[si] if si in t.columns else lab_si(t, analyte, factors[analyte])
        # Null for an unknown unit or a value without a unit (lab_si); a lab is either absent (no value and no
        # unit) or a known unit with a finite value >= 0 (units.to_si), at entry inside LAB_LIMITS_SI.
        bounds = [("ge", 0.0)] + (_strictly_inside(LAB_LIMITS_SI[analyte]) if today is not None else [])
        absent = value.isnull() & unit.isnull()
        bad.append(~(absent | _true(_inside(value_si, bounds))))
    bad.append(t.birth_date > t.screening_date)
    # Patient: age_years must agree with the two dates (within a year).
    bad.append((t.age_years - t._age).abs() >= 1)
    dates = [t.birth_date, t.screening_date]
    dates += [t[item_column("medical_history", i, "date")] for i in range(layout.entries.get("medical_history", 0))]
    for date in dates:
        bad.append(~((date >= EARLIEST_DATE) & (date <= today)) if today is not None else date < EARLIEST_DATE)
    for name in (*CODE_LISTS, "liver_lesions", "medical_history"):
        count = t[count_column(name)]
        bad.append(~((count >= 0) & (count <= layout.entries.get(name, 0)) & (count.floor() == count)))
    lesion_field = LiverLesion.model_fields["longest_diameter_mm"]
    size_bounds = _bounds(lesion_field.metadata)
    size_limit = _limit_name(lesion_field)
    if today is not None and size_limit is not None:
        size_bounds += _strictly_inside(LIMITS[size_limit])
    for i in range(layout.entries.get("liver_lesions", 0)):
        size = t[item_column("liver_lesions", i, "longest_diameter_mm")]
        lesion_id = t[item_column("liver_lesions", i, "id")]
        # An unsized lesion is valid (I5 unknown); a sized one must lie inside the domain. Checked only for the
        # listed lesions (a CASE evaluates its branch for those rows alone).
        bad.append(_when(t.liver_lesions_count > i, lesion_id.isnull() | ~(size.isnull() | _inside(size, size_bounds))))
    for i in range(layout.entries.get("medical_history", 0)):
        condition = t[item_column("medical_history", i, "condition")]
        wrong = condition.isnull() | _not_code(condition, HistoryCondition)
        bad.append(
            _when(
                t.medical_history_count > i, wrong | (t[item_column("medical_history", i, "date")] > t.screening_date)
            )
        )
    for name, enum in _LIST_CODES.items():
        for i in range(layout.entries.get(name, 0)):
            code = t[item_column(name, i)]
            bad.append(_when(t[count_column(name)] > i, code.isnull() | _not_code(code, enum)))
    return _any(bad)


# --- the criteria ------------------------------------------------------------------------------


@dataclass
class Compiled:
    """One criterion: its status expression and the fields it reports missing, in the engine's order."""

    status: ir.IntegerValue
    missing: list[tuple[str, ir.BooleanValue]]


def _yes_no(t: ir.Table, name: str, path: str, pass_when: bool) -> Compiled:
    value = t[name]
    return Compiled(status(value == (not pass_when), value.isnull()), [(path, value.isnull())])


def _none_listed(t: ir.Table, name: str) -> Compiled:
    count = t[count_column(name)]
    return Compiled(status(count > 0, count.isnull()), [(name, count.isnull())])


def _part(fail: ir.BooleanValue, unknown: ir.BooleanValue, path: str) -> tuple[ir.IntegerValue, str, ir.BooleanValue]:
    return status(fail, unknown), path, _true(unknown)


def _combined(parts: list[tuple[ir.IntegerValue, str, ir.BooleanValue]]) -> Compiled:
    # Gating by the criterion's UNKNOWN status (missing_expression) already excludes a failed part.
    return Compiled(combine([p[0] for p in parts]), [(path, unknown) for _, path, unknown in parts])


def _age(t: ir.Table) -> ir.FloatingValue:
    """Age in whole years at screening from the two dates (the engine's ``Patient.age_at_screening``),
    else the reported ``age_years``; computed once, in :func:`derived`."""
    b, s = t.birth_date, t.screening_date
    both = b.notnull() & s.notnull()
    before_birthday = (s.month() < b.month()) | ((s.month() == b.month()) & (s.day() < b.day()))
    computed = s.year() - b.year() - ibis.ifelse(before_birthday, 1, 0)
    return ibis.ifelse(both, computed.cast("float64"), t.age_years)


def _i1(t: ir.Table, p: Protocol) -> Compiled:
    limits = p.eligibility.thresholds.I1_age
    b, s = t.birth_date, t.screening_date
    age = t._age
    unknown = (b.isnull() | s.isnull()) & t.age_years.isnull()
    fail = ~unknown & ((age < limits.min_years) | (age > limits.max_years))
    missing = [
        ("screening_date or age_years", unknown & b.notnull()),
        ("birth_date or age_years", unknown & b.isnull()),
    ]
    return Compiled(status(fail, unknown), missing)


def _i3(t: ir.Table, p: Protocol) -> Compiled:
    value = t.prior_systemic_treatment
    passing = [v.value for v in PriorSystemicTreatmentCriterion._PASSING]
    return Compiled(
        status(value.notnull() & ~value.isin(passing), value.isnull()),
        [("prior_systemic_treatment", value.isnull())],
    )


def _i5_parts(t: ir.Table, p: Protocol) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """Whether a listed lesion is measurable, and whether a listed lesion is unsized (computed once, in
    :func:`derived`).

    Measurable: the largest listed size is at least the minimum (``at_least`` is monotone in the size, so
    the largest decides); an unlisted or unsized lesion counts as -1 mm (sizes of accepted rows are > 0).
    """
    min_mm = p.eligibility.thresholds.I5_measurable_min_mm
    count = t.liver_lesions_count
    n = layout_entries(t, "liver_lesions")
    if n == 0:
        return ibis.literal(False), ibis.literal(False)
    sizes = [t[item_column("liver_lesions", i, "longest_diameter_mm")] for i in range(n)]
    listed = [ibis.ifelse(_true(count > i), sizes[i], None).fill_null(-1.0) for i in range(n)]
    largest = listed[0] if n == 1 else ibis.greatest(*listed)
    measurable = at_least(largest, min_mm)
    any_unsized = _any([(count > i) & sizes[i].isnull() for i in range(n)])
    return measurable, any_unsized


def _i5(t: ir.Table, p: Protocol) -> Compiled:
    count = t.liver_lesions_count
    measurable, any_unsized = t._i5_measurable, t._i5_any_unsized
    unsized = [
        (
            f"liver_lesions[{i}].longest_diameter_mm",
            _true(count > i) & t[item_column("liver_lesions", i, "longest_diameter_mm")].isnull(),
        )
        for i in range(layout_entries(t, "liver_lesions"))
    ]
    listed = count.notnull()
    unknown = ~listed | (~measurable & any_unsized)
    fail = listed & ~measurable & ~any_unsized
    # Under an UNKNOWN status a listed patient has no measurable lesion: each unsized one is missing.
    missing = [("liver_lesions", ~listed), *unsized]
    return Compiled(status(fail, unknown), missing)


def layout_entries(t: ir.Table, name: str) -> int:
    """Entries of list ``name`` the standardised table has columns for."""
    i = 0
    while item_column(name, i, "id" if name == "liver_lesions" else "condition") in t.columns:
        i += 1
    return i


def _i6(t: ir.Table, p: Protocol) -> Compiled:
    org = p.eligibility.thresholds.I6_organ_function
    lvef, fev, ecog = t.lvef_percent, t.fev1_fvc_percent, t.ecog
    return _combined(
        [
            _part(lvef.notnull() & ~at_least(lvef, org.lvef_min_percent), lvef.isnull(), "lvef_percent"),
            _part(fev.notnull() & ~at_least(fev, org.fev1_fvc_min_percent), fev.isnull(), "fev1_fvc_percent"),
            _part(ecog > org.ecog_max, ecog.isnull(), "ecog"),
        ]
    )


def _band(value: ir.FloatingValue, low: float, high: float, *, higher_is_worse: bool) -> ir.IntegerValue:
    """:func:`haictrial.clinical.child_pugh._band`: 1-3 points, the 2-point band ``[low, high]`` inclusive."""
    below = _below(value, low)
    above = _above(value, high)
    low_points, high_points = (1, 3) if higher_is_worse else (3, 1)
    return ibis.cases((_true(below), low_points), (_true(above), high_points), else_=2)


def _i7(t: ir.Table, p: Protocol, si: dict[Analyte, ir.FloatingValue]) -> Compiled:
    allowed = p.eligibility.thresholds.I7_child_pugh_classes
    allowed_scores = [s for s in range(5, 16) if cp.child_pugh_class(s) in allowed]
    bili, alb, inr = si[Analyte.total_bilirubin], si[Analyte.albumin], si[Analyte.inr]
    ascites = ibis.cases(*((t.ascites == k.value, v) for k, v in cp._ASCITES_POINTS.items()), else_=0)
    he = ibis.cases(*((t.hepatic_encephalopathy == k.value, v) for k, v in cp._ENCEPHALOPATHY_POINTS.items()), else_=0)
    score = (
        _band(bili, *cp.BILIRUBIN_UMOL_L, higher_is_worse=True)
        + _band(alb, *cp.ALBUMIN_G_L, higher_is_worse=False)
        + _band(inr, *cp.INR, higher_is_worse=True)
        + ascites
        + he
    )
    components = {
        "labs.total_bilirubin": t.labs_total_bilirubin_value.isnull(),
        "labs.albumin": t.labs_albumin_value.isnull(),
        "labs.inr": t.labs_inr_value.isnull(),
        "ascites": t.ascites.isnull(),
        "hepatic_encephalopathy": t.hepatic_encephalopathy.isnull(),
    }
    unknown = ibis.literal(False)
    for path in CHILD_PUGH_FIELDS:
        unknown = unknown | components[path]
    fail = ~unknown & ~score.isin(allowed_scores)
    return Compiled(status(fail, unknown), [(path, components[path]) for path in CHILD_PUGH_FIELDS])


def _i8(t: ir.Table, p: Protocol, si: dict[Analyte, ir.FloatingValue]) -> Compiled:
    parts = []
    for limit in p.eligibility.thresholds.I8_labs:
        value = si[limit.test]
        gone = t[f"labs_{limit.test.value}_value"].isnull()
        bad = ibis.literal(False)
        low, high = limit.min_si(), limit.max_si()
        if low is not None:
            bad = bad | ~at_least(value, low)
        if high is not None:
            bad = bad | ~at_most(value, high)
        parts.append(_part(~gone & bad, gone, f"labs.{limit.test.value}"))
    return _combined(parts)


def _e5(t: ir.Table, p: Protocol) -> Compiled:
    th = p.eligibility.thresholds
    count = t.medical_history_count
    screening = t.screening_date
    cutoff = t._e5_cutoff
    parts: list[tuple[ir.IntegerValue, str, ir.BooleanValue]] = []
    entry_missing: list[tuple[str, ir.BooleanValue]] = []
    for i in range(layout_entries(t, "medical_history")):
        inside = _true(count > i)
        condition = t[item_column("medical_history", i, "condition")]
        date = t[item_column("medical_history", i, "date")]
        any_time = _true(condition.isin(th.E5_any_time_conditions))
        recent = ~any_time & _true(condition.isin(th.E5_recent_conditions))
        undated = recent & date.isnull()
        no_screening = recent & date.notnull() & screening.isnull()
        fail = inside & (any_time | (recent & _true(date >= cutoff)))
        parts.append((status(fail, inside & (undated | no_screening)), "", ibis.literal(False)))
        entry_missing.append((f"medical_history[{i}].date", inside & undated))
        entry_missing.append(("screening_date", inside & no_screening))
    listed = count.notnull()
    result = combine([ibis.ifelse(listed, PASS, UNKNOWN).cast("int8"), *[q[0] for q in parts]])
    missing = [("medical_history", ~listed), *entry_missing]
    return Compiled(result, missing)


def barrier(t: ir.Table, stage: int) -> ir.Table:
    """``t`` kept as its own projection in the SQL.

    ibis merges a projection into the next one by inlining each column's expression into every use
    (``merge_select_select``), so a shared value (an SI conversion, a status) would be recomputed at each
    use: the query grows with every reference. A per-row impure value (``random()``) is what that rewrite
    never merges across; the column is dropped by the final selection and by the engines' planners.
    """
    return t.mutate(**{f"_stage{stage}": ibis.random()})


def derived(t: ir.Table, protocol: Protocol, factors: dict[Analyte, dict[str, float]]) -> ir.Table:
    """A standardised table with the values the criteria share, each computed once: SI values, the age,
    the E5 cut-off, the I5 lesion flags."""
    months = protocol.eligibility.thresholds.E5_recent_event_months
    measurable, any_unsized = _i5_parts(t, protocol)
    return barrier(
        t.mutate(
            **{f"_si_{a.value}": lab_si(t, a, factors[a]) for a in CONVERSIONS},
            _e5_cutoff=t.screening_date - ibis.interval(months=months),
            _age=_age(t),
            _i5_measurable=measurable,
            _i5_any_unsized=any_unsized,
        ),
        1,
    )


def criteria_expressions(t: ir.Table, protocol: Protocol) -> dict[str, Compiled]:
    """The sixteen criteria of ``protocol`` over a :func:`derived` table, by id in registered order."""
    si = {a: t[f"_si_{a.value}"] for a in CONVERSIONS}
    out = {
        "I1": _i1(t, protocol),
        "I2": _yes_no(t, "other_malignancy_history", "other_malignancy_history", False),
        "I3": _i3(t, protocol),
        "I4": _yes_no(t, "pathology_confirmed_crlm", "pathology_confirmed_crlm", True),
        "I5": _i5(t, protocol),
        "I6": _i6(t, protocol),
        "I7": _i7(t, protocol, si),
        "I8": _i8(t, protocol, si),
        "E1": _yes_no(t, "extrahepatic_metastasis", "extrahepatic_metastasis", False),
        "E2": _none_listed(t, "unable_to_tolerate"),
        "E3": _none_listed(t, "allergies"),
        "E4": _yes_no(t, "peritoneal_spread", "peritoneal_spread", False),
        "E5": _e5(t, protocol),
        "E6": _yes_no(t, "primary_tumor_completely_resectable", "primary_tumor.completely_resectable", True),
        "E7": _none_listed(t, "prior_liver_directed_treatment"),
        "E8": _yes_no(t, "data_complete", "data_complete", True),
    }
    assert list(out) == CRITERION_IDS
    return out


def missing_expression(compiled: dict[str, Compiled]) -> ir.ArrayValue:
    """The fields whose absence leaves a criterion unknown, in criterion order, each once (as ``screen``)."""
    seen: dict[str, ir.BooleanValue] = {}
    items: list[ir.StringValue] = []
    for c in compiled.values():
        unknown = c.status == UNKNOWN
        for path, cond in c.missing:
            here = unknown & _true(cond)
            earlier = seen.get(path)
            emit = here if earlier is None else here & ~earlier
            seen[path] = here if earlier is None else earlier | here
            items.append(ibis.ifelse(emit, ibis.literal(path), ibis.null("string")))
    return ibis.array(items).filter(lambda x: x.notnull())


def compile_prescreen(
    table: ir.Table,
    protocol: Protocol,
    factors: dict[Analyte, dict[str, float]] | None = None,
    today: dt.date | None = None,
) -> ir.Table:
    """The compiled pre-screen of a flat table: one row per patient with ``_row``, ``person_id``,
    ``suspect``, the sixteen statuses (``pass``/``fail``/``unknown``), ``eligible``, ``missing``,
    ``n_unknown`` and ``n_fail``.

    Four projections, each value computed once: the shared values (:func:`derived`), the statuses, their
    counts, the output. ``missing`` is built only for a row with an unknown criterion (a CASE evaluates
    its branch for those rows alone).
    """
    std, layout = standardise(table)
    factors = unit_factors(std) if factors is None else factors
    t = derived(std, protocol, factors)
    compiled = criteria_expressions(t, protocol)
    t = barrier(
        t.mutate(suspect=suspect(t, layout, factors, today), **{cid: c.status for cid, c in compiled.items()}), 2
    )
    # The missing fields read the status columns (not their expressions again).
    for cid, c in compiled.items():
        c.status = t[cid]
    n_fail = sum(ibis.ifelse(t[cid] == FAIL, 1, 0) for cid in CRITERION_IDS)
    n_unknown = sum(ibis.ifelse(t[cid] == UNKNOWN, 1, 0) for cid in CRITERION_IDS)
    t = barrier(t.mutate(n_fail=n_fail.cast("int32"), n_unknown=n_unknown.cast("int32")), 3)
    for cid, c in compiled.items():
        c.status = t[cid]
    # An empty list typed through its (filtered-out) element: PostgreSQL refuses an untyped ARRAY[].
    none: ir.ArrayValue = ibis.array([ibis.null("string")]).filter(lambda x: x.notnull())
    texts = {
        cid: ibis.cases((t[cid] == PASS, "pass"), (t[cid] == FAIL, "fail"), else_="unknown") for cid in CRITERION_IDS
    }
    return t.select(
        ROW,
        "person_id",
        "suspect",
        eligible=ibis.cases((t.n_fail > 0, False), (t.n_unknown > 0, ibis.null("boolean")), else_=True),
        **texts,
        missing=ibis.ifelse(t.n_unknown > 0, missing_expression(compiled), none),
        n_unknown=t.n_unknown,
        n_fail=t.n_fail,
    )


# --- the compiled SQL, once per protocol and source schema --------------------------------------

#: The table name the cached SQL reads; :func:`bind_sql` puts the real source in its place.
SOURCE_NAME = "haictrial_prescreen_source_3f9c"
_SQL_CACHE: dict[str, tuple[str, str]] = {}


def _cache_key(
    schema: ibis.Schema,
    protocol: Protocol,
    factors: dict[Analyte, dict[str, float]],
    today: dt.date | None,
    dialect: str,
) -> str:
    parts = [
        protocol.model_dump_json(),
        [(name, str(dtype)) for name, dtype in schema.items()],
        {a.value: sorted(f.items()) for a, f in factors.items()},
        today.isoformat() if today else None,
        dialect,
    ]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def prescreen_sql(
    schema: ibis.Schema,
    protocol: Protocol,
    factors: dict[Analyte, dict[str, float]] | None = None,
    today: dt.date | None = None,
    dialect: str = "duckdb",
) -> tuple[str, str]:
    """The SQL of :func:`compile_prescreen` over a source of ``schema`` (named :data:`SOURCE_NAME`), and the SQL of
    its standardised rows (the engine's input for the ``suspect`` rows), compiled once and cached, keyed by
    the protocol, the source schema, the unit spellings, the entry date and the dialect.

    Building the ibis expression and rendering its SQL cost seconds; running the SQL on a million rows costs
    less. ``factors`` defaults to :func:`known_unit_factors`.
    """
    factors = known_unit_factors() if factors is None else factors
    key = _cache_key(schema, protocol, factors, today, dialect)
    cached = _SQL_CACHE.get(key)
    if cached is None:
        source = ibis.table(schema, name=SOURCE_NAME)
        std, _ = standardise(source)
        cached = (
            str(ibis.to_sql(compile_prescreen(source, protocol, factors, today), dialect=dialect)),
            str(ibis.to_sql(std, dialect=dialect)),
        )
        _SQL_CACHE[key] = cached
    return cached


def bind_sql(sql: str, source: str) -> str:
    """``sql`` of :func:`prescreen_sql` reading the table or view ``source`` (an SQL identifier, quoted)."""
    return sql.replace(f'"{SOURCE_NAME}"', source)


__all__ = [
    "CRITERION_IDS",
    "bind_sql",
    "compile_prescreen",
    "criteria_expressions",
    "known_unit_factors",
    "prescreen_sql",
    "standardise",
    "suspect",
]
