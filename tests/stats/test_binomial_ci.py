"""Binomial intervals, the one-sided exact test and cohort precision against R 4.2.2.

Reference values: R 4.2.2, ``binom.test`` (Clopper-Pearson; Clopper and Pearson, Biometrika 1934;26:404-413,
doi:10.1093/biomet/26.4.404) and ``prop.test(correct=FALSE)`` (Wilson score interval; Wilson, JASA 1927;22:209-212).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.errors import InputError
from haictrial.stats.binomial import IntervalMethod, binomial_ci, cohort_precision, exact_test

# R: b <- binom.test(x, n); w <- prop.test(x, n, correct=FALSE); c(b$conf.int, w$conf.int)
R_INTERVALS = [
    (5, 20, 0.086571469101, 0.491045871708, 0.111861701408, 0.468700877619),
    (0, 10, 0.0, 0.308497107819, 0.0, 0.277532799863),
    (10, 10, 0.691502892181, 1.0, 0.722467200137, 1.0),
    (1, 300, 0.000084389132, 0.018431252048, 0.000588657722, 0.018636693695),
    (45, 300, 0.111562522430, 0.195516440684, 0.114032468712, 0.194817611145),
]


@pytest.mark.parametrize(("x", "n", "cp_lo", "cp_hi", "w_lo", "w_hi"), R_INTERVALS)
def test_it_matches_r_binom_test_and_prop_test(x, n, cp_lo, cp_hi, w_lo, w_hi):
    cp = binomial_ci(x, n)
    assert cp.method is IntervalMethod.clopper_pearson  # the default is the exact interval
    assert (cp.lower, cp.upper) == pytest.approx((cp_lo, cp_hi), abs=1e-11)
    wilson = binomial_ci(x, n, method="wilson")
    assert (wilson.lower, wilson.upper) == pytest.approx((w_lo, w_hi), abs=1e-11)
    assert cp.estimate == wilson.estimate == x / n


def test_it_gives_the_contract_example():
    # docs/contracts/stats.md: 5/20 -> 0.0866, 0.4910
    ci = binomial_ci(5, 20)
    assert (round(ci.lower, 4), round(ci.upper, 4)) == (0.0866, 0.4910)


def test_it_honours_the_level():
    # R: binom.test(5, 20, conf.level=0.9)$conf.int
    ci = binomial_ci(5, 20, level=0.9)
    assert (ci.lower, ci.upper) == pytest.approx((0.104080835910, 0.455582404002), abs=1e-11)


@pytest.mark.parametrize(
    ("x", "n", "p0", "expected"),
    [
        # R: binom.test(x, n, p0, alternative="greater")$p.value
        (5, 20, 0.1, 0.0431744952845),
        (12, 43, 0.2, 0.13554241361),
        (0, 10, 0.1, 1.0),
    ],
)
def test_exact_test_is_rs_one_sided_binom_test(x, n, p0, expected):
    assert exact_test(x, n, p0) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(
    ("x", "n", "field"),
    [(21, 20, "x"), (-1, 20, "x"), (0, 0, "n"), (3, -5, "n"), (1.5, 3, "x")],
)
def test_it_rejects_impossible_counts(x, n, field):
    with pytest.raises(InputError) as err:
        binomial_ci(x, n)
    assert err.value.field == field


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.2, float("nan")])
def test_it_rejects_a_bad_level(level):
    with pytest.raises(InputError) as err:
        binomial_ci(1, 2, level=level)
    assert err.value.field == "level"


def test_it_rejects_an_unknown_method():
    with pytest.raises(InputError) as err:
        binomial_ci(1, 2, method="wald")
    assert err.value.field == "method"


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 400),
    frac=st.floats(0, 1),
    levels=st.tuples(st.floats(0.5, 0.995), st.floats(0.5, 0.995)),
    method=st.sampled_from(["clopper-pearson", "wilson"]),
)
def test_intervals_contain_the_estimate_and_widen_with_the_level(n, frac, levels, method):
    x = round(frac * n)
    low_level, high_level = sorted(levels)
    narrow = binomial_ci(x, n, level=low_level, method=method)
    wide = binomial_ci(x, n, level=high_level, method=method)
    for ci in (narrow, wide):
        assert 0.0 <= ci.lower <= ci.estimate <= ci.upper <= 1.0
    assert wide.lower <= narrow.lower + 1e-12
    assert wide.upper >= narrow.upper - 1e-12


def test_cohort_precision_of_the_registered_300():
    # A rate near 15 % in 300 patients: the exact interval at 45/300 (R: binom.test(45, 300)$conf.int).
    result = cohort_precision(0.15, 300)
    assert result.x == 45
    assert (result.lower, result.upper) == pytest.approx((0.111562522430, 0.195516440684), abs=1e-11)
    assert result.half_width == pytest.approx((0.195516440684 - 0.111562522430) / 2, abs=1e-11)
    assert result.half_width <= result.max_half_width
    # the worst case (x = n / 2) of 300 patients is still within 6 percentage points
    assert result.max_half_width < 0.06


def test_precision_improves_with_the_cohort_size():
    widths = [cohort_precision(0.3, n).expected_half_width for n in (50, 100, 200, 300, 600)]
    assert widths == sorted(widths, reverse=True)


def test_precision_rejects_bad_input():
    with pytest.raises(InputError) as err:
        cohort_precision(1.2, 300)
    assert err.value.field == "p"
    with pytest.raises(InputError) as err:
        cohort_precision(0.2, 0)
    assert err.value.field == "n"
