"""CTCAE v5.0, ALT and AST increased: a baseline exactly at the upper limit of normal is a NORMAL baseline.

CTCAE v5.0 (NCI, 27 November 2017), Investigations, "Alanine aminotransferase increased" and "Aspartate
aminotransferase increased": grade 1 ">ULN - 3.0 x ULN if baseline was normal; 1.5 - 3.0 x baseline if
baseline was abnormal". The baseline-relative grades apply only when the baseline was abnormal, i.e.
above the ULN; a baseline equal to the ULN is within the normal range (a value is abnormal only when it
is > ULN, the same strict ">" as every ULN clause of the term). Pins the boundary of
haictrial.clinical.ctcae._grade_increase (a mutation ">=" for ">" must fail here).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.ctcae import Grade, grade_lab, grade_lab_detail
from haictrial.vocabulary.units import Analyte

ULN = 40.0  # U/L: WS/T 404.1-2012, ALT female and AST male upper limit (protocol settings.normal_ranges)


@pytest.mark.parametrize("test", [Analyte.alt, Analyte.ast])
def test_a_baseline_at_the_uln_is_normal_so_the_uln_clauses_grade(test):
    # 50 U/L is > ULN (grade 1 by the ULN clause) but < 1.5 x baseline (grade 0 if the baseline were abnormal).
    detail = grade_lab_detail(test, 50.0, None, ULN, ULN)
    assert detail.grade == Grade.G1 and detail.basis == "uln"
    assert grade_lab(test, 50.0, None, ULN, ULN) == grade_lab(test, 50.0, None, ULN, None)


@pytest.mark.parametrize("test", [Analyte.alt, Analyte.ast])
def test_a_baseline_just_above_the_uln_is_abnormal_so_the_baseline_clauses_grade(test):
    # Baseline 41 U/L > ULN: grade 1 starts at 1.5 x 41 = 61.5 U/L; 50 U/L is grade 0.
    detail = grade_lab_detail(test, 50.0, None, ULN, 41.0)
    assert detail.grade == Grade.G0 and detail.basis == "baseline"
    assert grade_lab(test, 61.5, None, ULN, 41.0) == Grade.G1  # "1.5 - 3.0 x baseline" includes 1.5


@settings(max_examples=200, deadline=None)
@given(
    test=st.sampled_from([Analyte.alt, Analyte.ast]),
    uln=st.floats(10, 200, allow_nan=False),
    factor=st.floats(0.0, 30.0, allow_nan=False),
)
def test_property_a_baseline_at_or_below_the_uln_grades_as_no_baseline(test, uln, factor):
    # Invariant: a normal baseline (<= ULN) changes nothing; only an abnormal one switches to x baseline.
    value = uln * factor
    for baseline in (uln, uln * 0.5):
        assert grade_lab(test, value, None, uln, baseline) == grade_lab(test, value, None, uln, None)
