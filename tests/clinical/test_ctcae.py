"""CTCAE v5.0 laboratory grading (NCI, 27 Nov 2017), every grade boundary on both sides.

Each table row cites the term and the grade definition it checks. Reference values in SI units.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.ctcae import (
    DECREASE_THRESHOLDS,
    GRADED_TESTS,
    TERM_FOR_TEST,
    CtcaeInput,
    CtcaeTerm,
    Grade,
    grade_lab,
    grade_lab_detail,
    grade_labs,
)
from haictrial.documents import parse_model
from haictrial.errors import InputError, UnitError
from haictrial.protocol import load_protocol
from haictrial.vocabulary.units import Analyte

# (value_si, expected grade, the CTCAE v5.0 definition on the side of the boundary the value is on)
WBC = [  # White blood cell decreased, LLN 3.5 x10^9/L
    (3.5, 0, "= LLN: within normal range"),
    (3.49, 1, "G1 <LLN - 3.0"),
    (3.0, 1, "G1 <LLN - 3.0 (3.0 included)"),
    (2.99, 2, "G2 <3.0 - 2.0"),
    (2.0, 2, "G2 <3.0 - 2.0 (2.0 included)"),
    (1.99, 3, "G3 <2.0 - 1.0"),
    (1.0, 3, "G3 <2.0 - 1.0 (1.0 included)"),
    (0.99, 4, "G4 <1.0"),
    (0.0, 4, "G4 <1.0"),
]
NEUTROPHILS = [  # Neutrophil count decreased, LLN 1.8 x10^9/L
    (1.8, 0, "= LLN"),
    (1.79, 1, "G1 <LLN - 1.5"),
    (1.5, 1, "G1 <LLN - 1.5 (1.5 included)"),
    (1.49, 2, "G2 <1.5 - 1.0"),
    (1.0, 2, "G2 <1.5 - 1.0 (1.0 included)"),
    (0.99, 3, "G3 <1.0 - 0.5"),
    (0.5, 3, "G3 <1.0 - 0.5 (0.5 included)"),
    (0.49, 4, "G4 <0.5"),
]
PLATELETS = [  # Platelet count decreased, LLN 125 x10^9/L
    (125.0, 0, "= LLN"),
    (124.9, 1, "G1 <LLN - 75"),
    (75.0, 1, "G1 <LLN - 75 (75 included)"),
    (74.9, 2, "G2 <75 - 50"),
    (50.0, 2, "G2 <75 - 50 (50 included)"),
    (49.9, 3, "G3 <50 - 25"),
    (25.0, 3, "G3 <50 - 25 (25 included)"),
    (24.9, 4, "G4 <25"),
]
ANEMIA = [  # Anemia, LLN 115 g/L; grade 4 is clinical, a lab value supports at most 3
    (115.0, 0, "= LLN"),
    (114.9, 1, "G1 Hgb <LLN - 100 g/L"),
    (100.0, 1, "G1 <LLN - 100 (100 included)"),
    (99.9, 2, "G2 <100 - 80 g/L"),
    (80.0, 2, "G2 <100 - 80 (80 included)"),
    (79.9, 3, "G3 <80 g/L"),
    (10.0, 3, "G3 <80 g/L; G4 is life-threatening consequences, not a value"),
]


@pytest.mark.parametrize(
    ("test", "lln", "cases"),
    [
        (Analyte.wbc, 3.5, WBC),
        (Analyte.neutrophils, 1.8, NEUTROPHILS),
        (Analyte.platelets, 125.0, PLATELETS),
        (Analyte.hemoglobin, 115.0, ANEMIA),
    ],
    ids=["White blood cell decreased", "Neutrophil count decreased", "Platelet count decreased", "Anemia"],
)
def test_decreased_count_terms_at_every_boundary(test, lln, cases):
    for value, expected, definition in cases:
        assert grade_lab(test, value, lln=lln, uln=None) == expected, f"{TERM_FOR_TEST[test]} {value}: {definition}"


BILIRUBIN_BASELINE_NORMAL = [  # Blood bilirubin increased, ULN 20 umol/L, baseline normal or absent
    (20.0, 0, "= ULN"),
    (20.01, 1, "G1 >ULN - 1.5 x ULN"),
    (30.0, 1, "G1 >ULN - 1.5 x ULN (1.5 x ULN included)"),
    (30.01, 2, "G2 >1.5 - 3.0 x ULN"),
    (60.0, 2, "G2 >1.5 - 3.0 x ULN (3.0 x included)"),
    (60.01, 3, "G3 >3.0 - 10.0 x ULN"),
    (200.0, 3, "G3 >3.0 - 10.0 x ULN (10.0 x included)"),
    (200.01, 4, "G4 >10.0 x ULN"),
]
BILIRUBIN_BASELINE_ABNORMAL = [  # baseline 30 umol/L above ULN 20: grades relative to baseline
    (25.0, 0, "above ULN but below the abnormal baseline"),
    (30.0, 0, "= baseline: no increase"),
    (30.01, 1, "G1 >1.0 - 1.5 x baseline"),
    (45.0, 1, "G1 >1.0 - 1.5 x baseline (1.5 x included)"),
    (45.01, 2, "G2 >1.5 - 3.0 x baseline"),
    (90.0, 2, "G2 >1.5 - 3.0 x baseline (3.0 x included)"),
    (90.01, 3, "G3 >3.0 - 10.0 x baseline"),
    (300.0, 3, "G3 >3.0 - 10.0 x baseline (10.0 x included)"),
    (300.01, 4, "G4 >10.0 x baseline"),
]
TRANSAMINASE_BASELINE_NORMAL = [  # ALT / AST increased, ULN 40 U/L, baseline normal or absent
    (40.0, 0, "= ULN"),
    (40.01, 1, "G1 >ULN - 3.0 x ULN"),
    (120.0, 1, "G1 >ULN - 3.0 x ULN (3.0 x included)"),
    (120.01, 2, "G2 >3.0 - 5.0 x ULN"),
    (200.0, 2, "G2 >3.0 - 5.0 x ULN (5.0 x included)"),
    (200.01, 3, "G3 >5.0 - 20.0 x ULN"),
    (800.0, 3, "G3 >5.0 - 20.0 x ULN (20.0 x included)"),
    (800.01, 4, "G4 >20.0 x ULN"),
]
TRANSAMINASE_BASELINE_ABNORMAL = [  # baseline 60 U/L above ULN 40
    (89.99, 0, "below 1.5 x baseline: no grade 1 yet"),
    (90.0, 1, "G1 1.5 - 3.0 x baseline (1.5 x included: no '>')"),
    (180.0, 1, "G1 1.5 - 3.0 x baseline (3.0 x included)"),
    (180.01, 2, "G2 >3.0 - 5.0 x baseline"),
    (300.0, 2, "G2 >3.0 - 5.0 x baseline (5.0 x included)"),
    (300.01, 3, "G3 >5.0 - 20.0 x baseline"),
    (1200.0, 3, "G3 >5.0 - 20.0 x baseline (20.0 x included)"),
    (1200.01, 4, "G4 >20.0 x baseline"),
]


@pytest.mark.parametrize(
    ("test", "uln", "baseline", "cases"),
    [
        (Analyte.total_bilirubin, 20.0, None, BILIRUBIN_BASELINE_NORMAL),
        (Analyte.total_bilirubin, 20.0, 15.0, BILIRUBIN_BASELINE_NORMAL),
        (Analyte.total_bilirubin, 20.0, 20.0, BILIRUBIN_BASELINE_NORMAL),  # = ULN is normal
        (Analyte.total_bilirubin, 20.0, 30.0, BILIRUBIN_BASELINE_ABNORMAL),
        (Analyte.alt, 40.0, None, TRANSAMINASE_BASELINE_NORMAL),
        (Analyte.alt, 40.0, 35.0, TRANSAMINASE_BASELINE_NORMAL),
        (Analyte.alt, 40.0, 60.0, TRANSAMINASE_BASELINE_ABNORMAL),
        (Analyte.ast, 40.0, None, TRANSAMINASE_BASELINE_NORMAL),
        (Analyte.ast, 40.0, 60.0, TRANSAMINASE_BASELINE_ABNORMAL),
    ],
    ids=[
        "Blood bilirubin increased, no baseline",
        "Blood bilirubin increased, baseline normal",
        "Blood bilirubin increased, baseline at ULN",
        "Blood bilirubin increased, baseline abnormal",
        "Alanine aminotransferase increased, no baseline",
        "Alanine aminotransferase increased, baseline normal",
        "Alanine aminotransferase increased, baseline abnormal",
        "Aspartate aminotransferase increased, no baseline",
        "Aspartate aminotransferase increased, baseline abnormal",
    ],
)
def test_liver_terms_at_every_boundary(test, uln, baseline, cases):
    for value, expected, definition in cases:
        got = grade_lab(test, value, lln=0.0, uln=uln, baseline_si=baseline)
        assert got == expected, f"{TERM_FOR_TEST[test]} {value} (baseline {baseline}): {definition}"


CREATININE_ULN = [  # Creatinine increased, ULN 100 umol/L, no baseline
    (100.0, 0, "= ULN"),
    (100.01, 1, "G1 >ULN - 1.5 x ULN"),
    (150.0, 1, "G1 >ULN - 1.5 x ULN (1.5 x included)"),
    (150.01, 2, "G2 >1.5 - 3.0 x ULN"),
    (300.0, 2, "G2 >1.5 - 3.0 x ULN (3.0 x included)"),
    (300.01, 3, "G3 >3.0 - 6.0 x ULN"),
    (600.0, 3, "G3 >3.0 - 6.0 x ULN (6.0 x included)"),
    (600.01, 4, "G4 >6.0 x ULN"),
]
CREATININE_BASELINE_50 = [  # ULN 100, baseline 50: the higher of the two clauses
    (75.0, 0, "1.5 x baseline is not >1.5 x baseline; below ULN"),
    (75.01, 2, "G2 >1.5 - 3.0 x baseline, though within the normal range"),
    (150.0, 2, "G2 >1.5 - 3.0 x baseline (3.0 x included); ULN clause gives 1"),
    (150.01, 3, "G3 >3.0 x baseline; ULN clause gives 2"),
    (600.0, 3, "G3 (both clauses)"),
    (600.01, 4, "G4 >6.0 x ULN: only the ULN clause has a grade 4"),
]
CREATININE_BASELINE_100 = [  # ULN 100, baseline 100 (= ULN): clauses coincide
    (100.01, 1, "G1 >ULN - 1.5 x ULN; the baseline clause has no grade 1 in v5.0"),
    (150.0, 1, "G1 (1.5 x both included)"),
    (150.01, 2, "G2 by both clauses"),
    (300.01, 3, "G3 by both clauses"),
]


@pytest.mark.parametrize(
    ("baseline", "cases"),
    [(None, CREATININE_ULN), (50.0, CREATININE_BASELINE_50), (100.0, CREATININE_BASELINE_100)],
    ids=[
        "Creatinine increased, no baseline",
        "Creatinine increased, low baseline",
        "Creatinine increased, baseline=ULN",
    ],
)
def test_creatinine_at_every_boundary(baseline, cases):
    for value, expected, definition in cases:
        got = grade_lab(Analyte.creatinine, value, lln=50.0, uln=100.0, baseline_si=baseline)
        assert got == expected, f"Creatinine increased {value} (baseline {baseline}): {definition}"


def test_creatinine_says_which_clause_decided():
    assert grade_lab_detail("creatinine", 80.0, 50.0, 100.0, baseline_si=50.0).basis == "baseline"
    assert grade_lab_detail("creatinine", 160.0, 50.0, 100.0, baseline_si=150.0).basis == "uln"
    assert grade_lab_detail("creatinine", 90.0, 50.0, 100.0).basis == "normal"


def test_a_count_below_the_absolute_threshold_is_graded_even_above_a_low_lln():
    # Neutrophil count decreased G2 is "<1.5 - 1.0 x 10e9/L": absolute, whatever the laboratory's LLN.
    detail = grade_lab_detail(Analyte.neutrophils, 1.3, lln=1.2, uln=None)
    assert detail == (Grade.G2, "absolute")
    assert grade_lab(Analyte.neutrophils, 1.5, lln=1.2, uln=None) == 0


def test_the_grade_is_an_int_and_an_enum():
    grade = grade_lab("neutrophils", 0.8, 1.8, 6.3)
    assert grade == 3 and grade is Grade.G3 and isinstance(grade, int)


@pytest.mark.parametrize(
    ("test", "lln", "uln", "field"),
    [
        ("neutrophils", None, 6.3, "reference_ranges.neutrophils.lln"),
        ("alt", 0.0, None, "reference_ranges.alt.uln"),
        ("creatinine", 50.0, None, "reference_ranges.creatinine.uln"),
    ],
)
def test_a_missing_limit_the_term_needs_is_an_error(test, lln, uln, field):
    with pytest.raises(InputError) as err:
        grade_lab(test, 1.0, lln=lln, uln=uln)
    assert err.value.field == field


@pytest.mark.parametrize("test", ["albumin", "inr", "potassium"])
def test_a_test_without_a_ctcae_grade_here_is_named(test):
    with pytest.raises(InputError) as err:
        grade_lab(test, 1.0, 1.0, 2.0)
    assert test in str(err.value)


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_impossible_values_are_errors(value):
    with pytest.raises(InputError):
        grade_lab("platelets", value, 125.0, 350.0)


def test_a_boundary_survives_unit_conversion():
    # Blood bilirubin increased G1 ">ULN - 1.5 x ULN": 1.8 mg/dL with ULN 1.2 mg/dL is exactly 1.5 x ULN.
    from haictrial.vocabulary.units import to_si

    value, uln = to_si("total_bilirubin", 1.8, "mg/dL"), to_si("total_bilirubin", 1.2, "mg/dL")
    assert grade_lab("total_bilirubin", value, 0.0, uln) == 1
    # ALT G2 ">3.0 - 5.0 x ULN" at 3 x 0.1-step ULNs that are not exact in binary.
    assert grade_lab("alt", 3 * 40.1, 0.0, 40.1) == 1


# --- invariants ------------------------------------------------------------------------------------

_positive = st.floats(min_value=0.01, max_value=1000, allow_nan=False)
_value = st.floats(min_value=0, max_value=5000, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    test=st.sampled_from(GRADED_TESTS), lln=_positive, uln=_positive, baseline=st.none() | _positive, a=_value, b=_value
)
def test_grade_is_monotone_away_from_normal(test, lln, uln, baseline, a, b):
    """CTCAE v5.0: a value further from normal never gets a lower grade (each term's grades nest)."""
    low, high = sorted((a, b))
    g_low = grade_lab(test, low, lln, uln, baseline)
    g_high = grade_lab(test, high, lln, uln, baseline)
    if test in DECREASE_THRESHOLDS:
        assert g_low >= g_high
    else:
        assert g_low <= g_high
    assert 0 <= g_low <= 4 and 0 <= g_high <= 4


@settings(max_examples=200, deadline=None)
@given(lln=_positive, value=_value)
def test_anemia_is_never_above_grade_3_from_a_value(lln, value):
    """Anemia G4 is "life-threatening consequences; urgent intervention indicated": not a lab value."""
    assert grade_lab(Analyte.hemoglobin, value, lln, None) <= 3


@settings(max_examples=200, deadline=None)
@given(test=st.sampled_from(GRADED_TESTS), data=st.data())
def test_a_value_within_the_normal_range_is_grade_0(test, data):
    """Grade 0 means within the normal range (docs/contracts/ctcae.md); normal baseline or none."""
    lln = data.draw(st.floats(min_value=(DECREASE_THRESHOLDS.get(test, (0.0,))[0]), max_value=200))
    uln = data.draw(st.floats(min_value=lln + 0.01, max_value=400))
    value = data.draw(st.floats(min_value=lln, max_value=uln))
    assert grade_lab(test, value, lln, uln) == 0


# --- documents ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def protocol():
    return load_protocol()


def doc(**fields):
    data = {"subject_id": "CHA-001-0001", "sex": "female", "results": []}
    data.update(fields)
    return parse_model(CtcaeInput, data)


def test_the_contract_example_grades_neutrophils_3(protocol):
    result = grade_labs(
        doc(
            reference_ranges={"alt": {"lln": 0, "uln": 40, "unit": "U/L"}},
            baseline={"alt": {"value": 30, "unit": "U/L"}},
            results=[{"date": "2026-02-01", "test": "neutrophils", "value": 0.8, "unit": "10^9/L"}],
        ),
        protocol,
    )
    out = result.as_contract()
    assert out["subject_id"] == "CHA-001-0001"
    first = out["grades"][0]
    assert (first["date"], first["test"], first["term"], first["grade"]) == (
        "2026-02-01",
        "neutrophils",
        "Neutrophil count decreased",
        3,
    )
    assert out["worst"] == {"Neutrophil count decreased": 3}
    assert first["range"]["origin"] == "protocol"
    assert first["range"]["lln"] == 1.8


def test_ranges_come_from_the_input_or_else_the_protocol_by_sex(protocol):
    results = [{"date": "2026-02-01", "test": t, "value": 45, "unit": "U/L"} for t in ("alt", "ast")]
    female = grade_labs(doc(reference_ranges={"alt": {"uln": 50, "unit": "U/L"}}, results=results), protocol)
    alt, ast = female.grades
    assert (alt.range.origin, alt.range.uln, alt.grade) == ("input", 50.0, 0)
    # protocol default AST female ULN 35 U/L (WS/T 404.1-2012): 45 > 35 -> G1
    assert (ast.range.origin, ast.range.uln, ast.grade) == ("protocol", 35.0, 1)
    assert "WS/T 404.1-2012" in ast.range.source
    male = grade_labs(doc(sex="male", results=results), protocol)
    assert [g.range.uln for g in male.grades] == [50.0, 40.0]  # male ALT ULN 50, AST ULN 40
    assert [g.grade for g in male.grades] == [0, 1]


def test_ranges_follow_the_protocol_file_not_a_constant(protocol):
    ranges = dict(protocol.settings.reference_ranges.value)
    ranges[Analyte.neutrophils] = ranges[Analyte.neutrophils].model_copy(update={"lln": 2.0})
    setting = protocol.settings.reference_ranges.model_copy(update={"value": ranges})
    changed = protocol.model_copy(
        update={"settings": protocol.settings.model_copy(update={"reference_ranges": setting})}
    )
    results = [{"date": "2026-02-01", "test": "neutrophils", "value": 1.9, "unit": "10^9/L"}]
    assert grade_labs(doc(results=results), protocol).grades[0].grade == 0
    assert grade_labs(doc(results=results), changed).grades[0].grade == 1


def test_units_are_converted_and_the_baseline_is_used(protocol):
    result = grade_labs(
        doc(
            reference_ranges={"total_bilirubin": {"lln": 0, "uln": 1.2, "unit": "mg/dL"}},
            baseline={"total_bilirubin": {"value": 2.0, "unit": "mg/dL"}},
            results=[{"date": "2026-03-01", "test": "total_bilirubin", "value": 3.5, "unit": "mg/dL"}],
        ),
        protocol,
    )
    graded = result.grades[0]
    # baseline 2.0 > ULN 1.2 -> abnormal: 3.5 / 2.0 = 1.75 x baseline -> G2 (>1.5 - 3.0 x baseline).
    # Against the ULN it would be 2.9 x ULN -> also G2; check the basis says baseline.
    assert graded.grade == 2 and graded.basis == "baseline"
    assert graded.value_si == pytest.approx(59.85) and graded.unit_si == "umol/L"
    assert graded.baseline_si == pytest.approx(34.2)


def test_worst_is_the_highest_grade_per_term(protocol):
    results = [
        {"date": "2026-02-01", "test": "platelets", "value": 60, "unit": "10^9/L"},
        {"date": "2026-02-08", "test": "platelets", "value": 40, "unit": "10^9/L"},
        {"date": "2026-02-15", "test": "platelets", "value": 140, "unit": "10^9/L"},
        {"date": "2026-02-15", "test": "hemoglobin", "value": 12, "unit": "g/dL"},
    ]
    result = grade_labs(doc(results=results), protocol)
    assert [int(g.grade) for g in result.grades] == [2, 3, 0, 0]
    assert result.as_contract()["worst"] == {"Platelet count decreased": 3, "Anemia": 0}
    assert set(result.worst) <= set(CtcaeTerm)


def test_an_unknown_unit_names_the_result(protocol):
    results = [
        {"date": "2026-02-01", "test": "wbc", "value": 4.0, "unit": "10^9/L"},
        {"date": "2026-02-01", "test": "creatinine", "value": 1.0, "unit": "mmol/L"},
    ]
    with pytest.raises(UnitError) as err:
        grade_labs(doc(results=results), protocol)
    assert err.value.field == "results[1].unit"
    assert "mmol/L" in err.value.message


def test_an_unknown_test_names_the_test():
    with pytest.raises(InputError) as err:
        doc(results=[{"date": "2026-02-01", "test": "albumin", "value": 30, "unit": "g/L"}])
    assert err.value.field == "results[0].test"
    assert "albumin" in err.value.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reference_ranges": {"lactate": {"uln": 2, "unit": "mmol/L"}}}, "reference_ranges.lactate"),
        ({"baseline": {"ggt": {"value": 2, "unit": "U/L"}}}, "baseline.ggt"),
        ({"reference_ranges": {"alt": {"lln": 50, "uln": 40, "unit": "U/L"}}}, "reference_ranges.alt"),
        ({"results": [{"date": "2026-02-30", "test": "alt", "value": 1, "unit": "U/L"}]}, "results[0].date"),
        ({"results": [{"date": "2026-02-01", "test": "alt", "unit": "U/L"}]}, "results[0].value"),
        ({"sex": "unknown"}, "sex"),
    ],
)
def test_malformed_documents_name_the_field(fields, field):
    with pytest.raises(InputError) as err:
        doc(**fields)
    assert err.value.field == field


def test_a_range_missing_the_limit_a_term_needs_is_an_error(protocol):
    with pytest.raises(InputError) as err:
        grade_labs(
            doc(
                reference_ranges={"neutrophils": {"uln": 6.3, "unit": "10^9/L"}},
                results=[{"date": "2026-02-01", "test": "neutrophils", "value": 1.0, "unit": "10^9/L"}],
            ),
            protocol,
        )
    assert err.value.field == "reference_ranges.neutrophils.lln"
    assert "results[0]" in err.value.message


def test_a_negative_result_is_an_error(protocol):
    with pytest.raises(InputError) as err:
        grade_labs(doc(results=[{"date": "2026-02-01", "test": "alt", "value": -3, "unit": "U/L"}]), protocol)
    assert err.value.field == "results[0].value"


def test_a_baseline_in_an_unknown_unit_is_an_error(protocol):
    with pytest.raises(UnitError) as err:
        grade_labs(
            doc(
                baseline={"alt": {"value": 1, "unit": "ukat/L"}},
                results=[{"date": "2026-02-01", "test": "alt", "value": 30, "unit": "U/L"}],
            ),
            protocol,
        )
    assert err.value.field == "baseline.alt.unit"


def test_the_result_carries_the_standard_and_protocol_version(protocol):
    out = grade_labs(doc(results=[]), protocol).as_contract()
    assert out["standard"].startswith("NCI CTCAE v5.0")
    assert out["protocol"] == {"protocol_id": protocol.protocol_id, "version": protocol.version}
    assert out["grades"] == [] and out["worst"] == {}
