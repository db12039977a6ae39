"""CTCAE v5.0 grading of the laboratory results the trial monitors (docs/contracts/ctcae.md).

Eight terms, graded from the SI value, the reference range in force and, where the term says so,
the baseline value:

==========  ====================================  =========================================================
test        CTCAE v5.0 term (SOC)                 grades (SI units)
==========  ====================================  =========================================================
wbc         White blood cell decreased (Inv.)     G1 <LLN-3.0; G2 <3.0-2.0; G3 <2.0-1.0; G4 <1.0 x10^9/L
neutrophils Neutrophil count decreased (Inv.)     G1 <LLN-1.5; G2 <1.5-1.0; G3 <1.0-0.5; G4 <0.5 x10^9/L
platelets   Platelet count decreased (Inv.)       G1 <LLN-75; G2 <75-50; G3 <50-25; G4 <25 x10^9/L
hemoglobin  Anemia (Blood and lymphatic system)   G1 <LLN-100; G2 <100-80; G3 <80 g/L (G4 is clinical)
total_bili. Blood bilirubin increased (Inv.)      baseline normal: G1 >ULN-1.5; G2 >1.5-3.0; G3 >3.0-10.0;
                                                  G4 >10.0 xULN. Baseline abnormal: G1 >1.0-1.5; G2 >1.5-3.0;
                                                  G3 >3.0-10.0; G4 >10.0 x baseline
alt, ast    Alanine / Aspartate aminotransferase  baseline normal: G1 >ULN-3.0; G2 >3.0-5.0; G3 >5.0-20.0;
            increased (Inv.)                      G4 >20.0 xULN. Baseline abnormal: G1 1.5-3.0; G2 >3.0-5.0;
                                                  G3 >5.0-20.0; G4 >20.0 x baseline
creatinine  Creatinine increased (Inv.)           G1 >ULN-1.5 xULN; G2 >1.5-3.0 x baseline or >1.5-3.0 xULN;
                                                  G3 >3.0 x baseline or >3.0-6.0 xULN; G4 >6.0 xULN
==========  ====================================  =========================================================

Boundary semantics follow the document's notation: "<LLN - 3.0" is ``3.0 <= value < LLN``;
">3.0 - 5.0 x ULN" is ``3.0 x ULN < value <= 5.0 x ULN``; "1.5 - 3.0 x baseline" includes 1.5.
Decisions the standard leaves to the implementer, made here once:

- The absolute thresholds of the decreased-count terms apply whatever the LLN (a neutrophil count of
  1.4 is grade 2 even where a laboratory's LLN is 1.2), so the grade never falls as a value falls.
- A baseline is "abnormal" for ALT, AST and bilirubin when it is above the ULN in force; then the
  baseline clauses replace the ULN clauses (a rise below 1.5 x an abnormal ALT baseline is grade 0).
- Creatinine increased has a ULN clause and a baseline clause (grades 2 and 3 only, as in v5.0);
  the grade is the highest either gives (docs/contracts/ctcae.md).
- A laboratory value supports at most grade 3 for anaemia: grade 4 is "life-threatening
  consequences; urgent intervention indicated", a clinical judgement.
- Values on a boundary stay on it after unit conversion: comparisons treat numbers equal to
  1e-9 relative as equal (1.5 mg/dL and 1.5 x a ULN given in mg/dL are the same after x 17.1).

References
----------
- National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) Version 5.0.
  U.S. Department of Health and Human Services, NIH; published 27 November 2017. SOC "Investigations":
  White blood cell decreased, Neutrophil count decreased, Platelet count decreased, Blood bilirubin
  increased, Alanine aminotransferase increased, Aspartate aminotransferase increased, Creatinine
  increased; SOC "Blood and lymphatic system disorders": Anemia.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import Field, field_validator, model_validator

from haictrial.clinical.messages import N_
from haictrial.errors import InputError
from haictrial.vocabulary.base import StrictModel
from haictrial.vocabulary.enums import Sex
from haictrial.vocabulary.units import Analyte, LabValue, at_least, at_most, canonical_unit, to_si

if TYPE_CHECKING:
    from haictrial.protocol.schema import Protocol

#: The standard every grade here comes from, carried on each result.
STANDARD = "NCI CTCAE v5.0 (27 November 2017)"


class Grade(IntEnum):
    """CTCAE grade; 0 means within the normal range (no adverse event)."""

    G0 = 0
    G1 = 1
    G2 = 2
    G3 = 3
    G4 = 4
    G5 = 5


class CtcaeTerm(StrEnum):
    """The CTCAE v5.0 terms of the laboratory tests graded here (names exactly as the standard)."""

    white_blood_cell_decreased = "White blood cell decreased"
    neutrophil_count_decreased = "Neutrophil count decreased"
    platelet_count_decreased = "Platelet count decreased"
    anemia = "Anemia"
    blood_bilirubin_increased = "Blood bilirubin increased"
    alanine_aminotransferase_increased = "Alanine aminotransferase increased"
    aspartate_aminotransferase_increased = "Aspartate aminotransferase increased"
    creatinine_increased = "Creatinine increased"


#: test -> CTCAE v5.0 term. Albumin and INR are screening tests, not graded here.
TERM_FOR_TEST: dict[Analyte, CtcaeTerm] = {
    Analyte.wbc: CtcaeTerm.white_blood_cell_decreased,
    Analyte.neutrophils: CtcaeTerm.neutrophil_count_decreased,
    Analyte.platelets: CtcaeTerm.platelet_count_decreased,
    Analyte.hemoglobin: CtcaeTerm.anemia,
    Analyte.total_bilirubin: CtcaeTerm.blood_bilirubin_increased,
    Analyte.alt: CtcaeTerm.alanine_aminotransferase_increased,
    Analyte.ast: CtcaeTerm.aspartate_aminotransferase_increased,
    Analyte.creatinine: CtcaeTerm.creatinine_increased,
}
GRADED_TESTS: tuple[Analyte, ...] = tuple(TERM_FOR_TEST)

#: Decreased-count terms: SI thresholds below which grades 2, 3, 4 begin (grade 1 is <LLN).
#: CTCAE v5.0, SOC Investigations (WBC, neutrophils, platelets) and Blood and lymphatic (Anemia).
DECREASE_THRESHOLDS: dict[Analyte, tuple[float, ...]] = {
    Analyte.wbc: (3.0, 2.0, 1.0),  # White blood cell decreased, x10^9/L
    Analyte.neutrophils: (1.5, 1.0, 0.5),  # Neutrophil count decreased, x10^9/L
    Analyte.platelets: (75.0, 50.0, 25.0),  # Platelet count decreased, x10^9/L
    Analyte.hemoglobin: (100.0, 80.0),  # Anemia, g/L; grade 4 is clinical, so no threshold
}

#: ULN multiples above which grades 1-4 begin when the baseline is normal (or absent).
ULN_MULTIPLES: dict[Analyte, tuple[float, ...]] = {
    Analyte.total_bilirubin: (1.0, 1.5, 3.0, 10.0),  # Blood bilirubin increased
    Analyte.alt: (1.0, 3.0, 5.0, 20.0),  # Alanine aminotransferase increased
    Analyte.ast: (1.0, 3.0, 5.0, 20.0),  # Aspartate aminotransferase increased
    Analyte.creatinine: (1.0, 1.5, 3.0, 6.0),  # Creatinine increased (ULN clause)
}

#: Baseline multiples for grades 1-4 when the baseline is above the ULN, and whether the
#: grade-1 lower bound is inclusive ("1.5 - 3.0 x baseline") or exclusive ("> 1.0 - 1.5 x baseline").
ABNORMAL_BASELINE_MULTIPLES: dict[Analyte, tuple[tuple[float, ...], bool]] = {
    Analyte.total_bilirubin: ((1.0, 1.5, 3.0, 10.0), False),
    Analyte.alt: ((1.5, 3.0, 5.0, 20.0), True),
    Analyte.ast: ((1.5, 3.0, 5.0, 20.0), True),
}

#: Creatinine increased, baseline clause: grade 2 >1.5-3.0 x baseline, grade 3 >3.0 x baseline.
CREATININE_BASELINE_MULTIPLES: tuple[float, ...] = (1.5, 3.0)

Basis = Literal["normal", "lln", "absolute", "uln", "baseline"]


# --- comparisons robust to unit-conversion rounding ------------------------------------------------


# The tolerance is units.same_value's: a value on a limit, entered in another unit, is on the limit.


def _above(value: float, limit: float) -> bool:
    return not at_most(value, limit)


def _below(value: float, limit: float) -> bool:
    return not at_least(value, limit)


# --- grading ---------------------------------------------------------------------------------------


class GradeDetail(NamedTuple):
    """A grade and which clause of the term decided it."""

    grade: Grade
    basis: Basis


def _in_result(index: int, exc: InputError) -> InputError:
    """``exc`` prefixed with the result it is about; its template kept as a nested ``*_parts`` parameter."""
    message = f"results[{index}]: {exc.message}"
    if not exc.template:
        return InputError(message, exc.field)
    nested = [{"template": exc.template, "params": exc.params}]
    return InputError(
        message,
        exc.field,
        template=N_("results[{index}]: {error_parts}"),
        params={"index": index, "error_parts": nested},
    )


def _needs(limit: float | None, name: str, test: Analyte) -> float:
    if limit is None:
        raise InputError.of(
            N_("{term} needs the {limit} of {test}; give a reference range"),
            f"reference_ranges.{test.value}.{name}",
            term=TERM_FOR_TEST[test].value,
            limit=name.upper(),
            test=test.value,
        )
    return limit


def _grade_decrease(test: Analyte, value: float, lln: float | None) -> GradeDetail:
    """White blood cell / Neutrophil count / Platelet count decreased, Anemia (CTCAE v5.0).

    Grade 1 is ``threshold_2 <= value < LLN``; grade k (k >= 2) is ``value < threshold_k``.
    """
    low = _needs(lln, "lln", test)
    grade = Grade.G0
    basis: Basis = "normal"
    if _below(value, low):
        grade, basis = Grade.G1, "lln"
    for index, threshold in enumerate(DECREASE_THRESHOLDS[test]):
        if _below(value, threshold):
            grade, basis = Grade(index + 2), "absolute"
    return GradeDetail(grade, basis)


def _grade_by_multiples(value: float, reference: float, multiples: tuple[float, ...], first_inclusive: bool) -> Grade:
    grade = Grade.G0
    for index, multiple in enumerate(multiples):
        limit = multiple * reference
        hit = at_least(value, limit) if index == 0 and first_inclusive else _above(value, limit)
        if hit:
            grade = Grade(index + 1)
    return grade


def _grade_increase(test: Analyte, value: float, uln: float | None, baseline: float | None) -> GradeDetail:
    """Blood bilirubin / ALT / AST increased (CTCAE v5.0): against the ULN, or the abnormal baseline."""
    high = _needs(uln, "uln", test)
    if baseline is not None and _above(baseline, high):
        multiples, inclusive = ABNORMAL_BASELINE_MULTIPLES[test]
        return GradeDetail(_grade_by_multiples(value, baseline, multiples, inclusive), "baseline")
    grade = _grade_by_multiples(value, high, ULN_MULTIPLES[test], first_inclusive=False)
    return GradeDetail(grade, "uln" if grade else "normal")


def _grade_creatinine(value: float, uln: float | None, baseline: float | None) -> GradeDetail:
    """Creatinine increased (CTCAE v5.0): the higher of the ULN clause and the baseline clause."""
    high = _needs(uln, "uln", Analyte.creatinine)
    by_uln = _grade_by_multiples(value, high, ULN_MULTIPLES[Analyte.creatinine], first_inclusive=False)
    by_baseline = Grade.G0
    if baseline is not None:
        found = _grade_by_multiples(value, baseline, CREATININE_BASELINE_MULTIPLES, first_inclusive=False)
        by_baseline = Grade(found + 1) if found else Grade.G0  # the clause starts at grade 2
    if by_baseline > by_uln:
        return GradeDetail(by_baseline, "baseline")
    return GradeDetail(by_uln, "uln" if by_uln else "normal")


def grade_lab_detail(
    test: Analyte | str,
    value_si: float,
    lln: float | None,
    uln: float | None,
    baseline_si: float | None = None,
) -> GradeDetail:
    """:func:`grade_lab` with the clause that decided the grade (``normal``, ``lln``, ``absolute``,
    ``uln`` or ``baseline``)."""
    name = _graded_test(test, field="test")
    _check_value(value_si, "value")
    if baseline_si is not None:
        _check_value(baseline_si, f"baseline.{name.value}.value")
        if name == Analyte.creatinine and baseline_si == 0:
            raise InputError.of(N_("a creatinine baseline of 0 cannot be graded against"), "baseline.creatinine.value")
    if name in DECREASE_THRESHOLDS:
        return _grade_decrease(name, value_si, lln)
    if name == Analyte.creatinine:
        return _grade_creatinine(value_si, uln, baseline_si)
    return _grade_increase(name, value_si, uln, baseline_si)


def grade_lab(
    test: Analyte | str,
    value_si: float,
    lln: float | None,
    uln: float | None,
    baseline_si: float | None = None,
) -> Grade:
    """The CTCAE v5.0 grade of one laboratory value (0 = within the normal range).

    ``value_si``, ``lln``, ``uln`` and ``baseline_si`` are in the test's SI unit
    (:func:`haictrial.vocabulary.units.canonical_unit`). Decreased-count terms need ``lln``; the
    increased terms need ``uln``; ``baseline_si`` is used by bilirubin, ALT and AST when it is above
    the ULN, and by creatinine always. A missing limit the term needs is an :class:`InputError`.

    References
    ----------
    NCI CTCAE v5.0 (27 Nov 2017): the term of each test is :data:`TERM_FOR_TEST`; thresholds in
    :data:`DECREASE_THRESHOLDS`, :data:`ULN_MULTIPLES`, :data:`ABNORMAL_BASELINE_MULTIPLES` and
    :data:`CREATININE_BASELINE_MULTIPLES`, as in the module docstring.
    """
    return grade_lab_detail(test, value_si, lln, uln, baseline_si).grade


def _graded_test(test: Analyte | str, field: str) -> Analyte:
    try:
        name = Analyte(test)
    except ValueError:
        name = None
    if name is None or name not in TERM_FOR_TEST:
        raise InputError.of(
            N_("unknown test {test!r}; CTCAE grading covers: {tests}"),
            field,
            test=str(test),
            tests=", ".join(t.value for t in GRADED_TESTS),
        )
    return name


def _check_value(value: float, field: str) -> None:
    if not math.isfinite(value):
        raise InputError.of(N_("a laboratory value must be a finite number"), field)
    if value < 0:
        raise InputError.of(N_("a laboratory value cannot be negative"), field)


# --- the input document (docs/contracts/ctcae.md) ---------------------------------------------------------


class ReferenceRangeInput(StrictModel):
    """A reference range sent with the results, in the stated unit."""

    lln: float | None = Field(None, ge=0, allow_inf_nan=False, description="Lower limit of normal.")
    uln: float | None = Field(None, gt=0, allow_inf_nan=False, description="Upper limit of normal.")
    unit: str

    @model_validator(mode="after")
    def _ordered(self) -> ReferenceRangeInput:
        if self.lln is None and self.uln is None:
            raise ValueError("a reference range needs lln or uln")
        if self.lln is not None and self.uln is not None and self.lln > self.uln:
            raise ValueError(f"lln {self.lln:g} is above uln {self.uln:g}")
        return self


class LabResultInput(StrictModel):
    """One dated laboratory result."""

    date: dt.date
    test: str = Field(description="wbc, neutrophils, platelets, hemoglobin, total_bilirubin, alt, ast, creatinine")
    value: float = Field(allow_inf_nan=False)
    unit: str

    @field_validator("test", mode="before")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class CtcaeInput(StrictModel):
    """The ``haictrial ctcae`` input document (docs/contracts/ctcae.md)."""

    subject_id: str | None = None
    sex: Sex | None = Field(None, description="Chooses the sex-specific default reference ranges.")
    reference_ranges: dict[str, ReferenceRangeInput] = Field(default_factory=dict)
    baseline: dict[str, LabValue] = Field(default_factory=dict)
    results: list[LabResultInput]

    @model_validator(mode="after")
    def _known_tests(self) -> CtcaeInput:
        for key in self.reference_ranges:
            _graded_test(key, field=f"reference_ranges.{key}")
        for key in self.baseline:
            _graded_test(key, field=f"baseline.{key}")
        for index, result in enumerate(self.results):
            _graded_test(result.test, field=f"results[{index}].test")
        return self


# --- the result ------------------------------------------------------------------------------------


class RangeUsed(StrictModel):
    """The reference range a test was graded against, in SI, and where it came from."""

    lln: float | None
    uln: float | None
    unit: str
    origin: Literal["input", "protocol"]
    source: str = Field(description="'laboratory (input document)' or the protocol default's source.")


class LabGrade(StrictModel):
    """One graded result."""

    date: dt.date
    test: Analyte
    term: CtcaeTerm
    grade: Grade
    value: float
    unit: str
    value_si: float
    unit_si: str
    baseline_si: float | None
    basis: Basis
    range: RangeUsed


class CtcaeResult(StrictModel):
    """All results of one document graded, with the worst grade per term."""

    subject_id: str | None
    grades: list[LabGrade]
    worst: dict[CtcaeTerm, Grade]
    reference_ranges: dict[Analyte, RangeUsed]
    standard: str = STANDARD
    protocol_id: str
    protocol_version: str

    def as_contract(self) -> dict[str, Any]:
        """The contract document (docs/contracts/ctcae.md) plus the ranges, SI values and provenance."""
        return {
            "subject_id": self.subject_id,
            "grades": [
                {
                    "date": g.date.isoformat(),
                    "test": g.test.value,
                    "term": g.term.value,
                    "grade": int(g.grade),
                    "value": g.value,
                    "unit": g.unit,
                    "value_si": g.value_si,
                    "unit_si": g.unit_si,
                    "baseline_si": g.baseline_si,
                    "basis": g.basis,
                    "range": g.range.model_dump(mode="json"),
                }
                for g in self.grades
            ],
            "worst": {term.value: int(grade) for term, grade in self.worst.items()},
            "reference_ranges": {test.value: r.model_dump(mode="json") for test, r in self.reference_ranges.items()},
            "standard": self.standard,
            "protocol": {"protocol_id": self.protocol_id, "version": self.protocol_version},
        }


def _range_for(test: Analyte, doc: CtcaeInput, protocol: Protocol) -> RangeUsed:
    given = doc.reference_ranges.get(test.value)
    unit = canonical_unit(test)
    if given is not None:
        field = f"reference_ranges.{test.value}.unit"
        return RangeUsed(
            lln=None if given.lln is None else to_si(test, given.lln, given.unit, field),
            uln=None if given.uln is None else to_si(test, given.uln, given.unit, field),
            unit=unit,
            origin="input",
            source="laboratory (input document)",
        )
    default = protocol.settings.reference_ranges.value.get(test)
    if default is None:
        raise InputError.of(
            N_("no reference range for {test} in the input and none among the protocol's defaults; give one"),
            f"reference_ranges.{test.value}",
            test=test.value,
        )
    chosen = default.for_sex(doc.sex)
    sex_note = (
        ""
        if default.male is None and default.female is None
        else f", {doc.sex.value if doc.sex else 'sex unknown: widest'}"
    )
    return RangeUsed(
        lln=None if chosen.lln is None else to_si(test, chosen.lln, default.unit),
        uln=None if chosen.uln is None else to_si(test, chosen.uln, default.unit),
        unit=unit,
        origin="protocol",
        source=f"protocol default ({default.source}{sex_note})",
    )


def _baseline_for(test: Analyte, doc: CtcaeInput) -> float | None:
    given = doc.baseline.get(test.value)
    if given is None:
        return None
    value = to_si(test, given.value, given.unit, field=f"baseline.{test.value}.unit")
    _check_value(value, f"baseline.{test.value}.value")
    return value


def grade_labs(doc: CtcaeInput, protocol: Protocol) -> CtcaeResult:
    """Grade every result of ``doc`` with CTCAE v5.0; the worst grade per term.

    Each test is graded against the range sent in ``doc.reference_ranges`` or, when none was sent,
    the protocol's default ``settings.reference_ranges`` for the subject's sex; the result says which.
    Unknown units raise :class:`~haictrial.errors.UnitError` naming ``results[i].unit``.

    References
    ----------
    NCI CTCAE v5.0 (27 Nov 2017), the terms of :data:`TERM_FOR_TEST` (see :func:`grade_lab`).
    """
    ranges: dict[Analyte, RangeUsed] = {}
    baselines: dict[Analyte, float | None] = {}
    grades: list[LabGrade] = []
    for index, result in enumerate(doc.results):
        test = _graded_test(result.test, field=f"results[{index}].test")
        value_si = to_si(test, result.value, result.unit, field=f"results[{index}].unit")
        _check_value(value_si, f"results[{index}].value")
        if test not in ranges:
            ranges[test] = _range_for(test, doc, protocol)
            baselines[test] = _baseline_for(test, doc)
        used = ranges[test]
        baseline = baselines[test] if test not in DECREASE_THRESHOLDS else None
        try:
            detail = grade_lab_detail(test, value_si, used.lln, used.uln, baseline)
        except InputError as exc:
            raise _in_result(index, exc) from None
        grades.append(
            LabGrade(
                date=result.date,
                test=test,
                term=TERM_FOR_TEST[test],
                grade=detail.grade,
                value=result.value,
                unit=result.unit,
                value_si=value_si,
                unit_si=canonical_unit(test),
                baseline_si=baseline,
                basis=detail.basis,
                range=used,
            )
        )
    worst: dict[CtcaeTerm, Grade] = {}
    for term in CtcaeTerm:
        found = [g.grade for g in grades if g.term == term]
        if found:
            worst[term] = max(found)
    return CtcaeResult(
        subject_id=doc.subject_id,
        grades=grades,
        worst=worst,
        reference_ranges=ranges,
        protocol_id=protocol.protocol_id,
        protocol_version=protocol.version,
    )


__all__ = [
    "STANDARD",
    "Grade",
    "CtcaeTerm",
    "TERM_FOR_TEST",
    "GRADED_TESTS",
    "GradeDetail",
    "grade_lab",
    "grade_lab_detail",
    "grade_labs",
    "CtcaeInput",
    "LabResultInput",
    "ReferenceRangeInput",
    "CtcaeResult",
    "LabGrade",
    "RangeUsed",
]
