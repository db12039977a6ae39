"""``cohort_precision`` reports the interval at the expected count round(p x n) rounded HALF UP: when p x n
ends in .5 the count is the next whole number (2.5 -> 3), not Python's round-half-to-even (2.5 -> 2).

The interval at that count is the exact Clopper-Pearson interval (Clopper CJ, Pearson ES, Biometrika
1934;26:404-13, doi:10.1093/biomet/26.4.404): lower = Beta(a/2; x, n-x+1), upper = Beta(1-a/2; x+1, n-x),
computed here with scipy.stats.beta independently of the module. Pins the rounding (a mutation to
round() or to floor must fail here).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from haictrial.stats.binomial import cohort_precision


def clopper_pearson(x: int, n: int, level: float = 0.95) -> tuple[float, float]:
    alpha = 1 - level
    lower = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    upper = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lower, upper


@pytest.mark.parametrize(
    ("p", "n", "x"),
    [
        (0.25, 10, 3),  # 2.5 -> 3 (half to even would give 2)
        (0.5, 5, 3),  # 2.5 -> 3
        (0.5, 9, 5),  # 4.5 -> 5 (half to even would give 4)
        (0.5, 7, 4),  # 3.5 -> 4 (both rules agree)
        (0.125, 4, 1),  # 0.5 -> 1 (half to even would give 0)
        (0.24, 10, 2),  # 2.4 -> 2
    ],
)
def test_the_expected_count_is_rounded_half_up(p, n, x):
    result = cohort_precision(p, n)
    assert result.x == x
    lower, upper = clopper_pearson(x, n)
    assert result.lower == pytest.approx(lower, abs=1e-12)
    assert result.upper == pytest.approx(upper, abs=1e-12)
    assert result.half_width == pytest.approx((upper - lower) / 2, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 400), k=st.integers(0, 399))
def test_property_a_half_way_count_always_rounds_up(n, k):
    # p = (k + 0.5) / n puts p x n on k + .5 (exactly representable when n is a power of two; otherwise
    # within float error of it); the count is k + 1 whenever p x n is not below k + .5 in floating point.
    if k >= n:
        return
    p = (k + 0.5) / n
    expected = math.floor(p * n + 0.5)
    assert cohort_precision(p, n).x == expected
    if p * n == k + 0.5:
        assert expected == k + 1
