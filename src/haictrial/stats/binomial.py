"""Binomial proportions: exact (Clopper-Pearson) and Wilson intervals, the one-sided exact test, precision.

References
----------
Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of the binomial.
Biometrika 1934;26:404-413. doi:10.1093/biomet/26.4.404 (R: ``binom.test(x, n)$conf.int``).
Wilson EB. Probable inference, the law of succession, and statistical inference. J Am Stat Assoc
1927;22:209-212. doi:10.1080/01621459.1927.10502953 (R: ``prop.test(x, n, correct=FALSE)$conf.int``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats

from haictrial.errors import InputError
from haictrial.stats.contract import rounded
from haictrial.stats.options import IntervalMethod


class BinomialInterval(BaseModel):
    """A proportion ``x / n`` with its two-sided confidence interval at ``level``."""

    model_config = ConfigDict(frozen=True)

    x: int
    n: int
    estimate: float
    lower: float
    upper: float
    level: float
    method: IntervalMethod

    def as_contract(self, p0: float | None = None) -> dict[str, Any]:
        """The ``ci binomial`` document (docs/contracts/stats.md): bounds to 4 decimals; with ``p0``, also the
        one-sided exact p-value for H1: p > p0 (:func:`exact_test`)."""
        doc: dict[str, Any] = {
            "x": self.x,
            "n": self.n,
            "estimate": rounded(self.estimate, 4),
            "lower": rounded(self.lower, 4),
            "upper": rounded(self.upper, 4),
            "level": self.level,
            "method": self.method.value,
        }
        if p0 is not None:
            doc["p0"] = p0
            doc["p_value_one_sided"] = exact_test(self.x, self.n, p0)
        return doc


class CohortPrecision(BaseModel):
    """How precisely a cohort of ``n`` estimates a proportion near ``p``.

    ``x`` is the expected count ``round(p * n)``; ``half_width`` is half the width of the exact interval
    at that count; ``expected_half_width`` averages the half-width over Binomial(n, p) outcomes and
    ``max_half_width`` is the widest over all outcomes (reached at x = n / 2).
    """

    model_config = ConfigDict(frozen=True)

    p: float
    n: int
    level: float
    method: IntervalMethod
    x: int
    lower: float
    upper: float
    half_width: float
    expected_half_width: float
    max_half_width: float

    def as_contract(self) -> dict[str, Any]:
        """The ``design precision`` document (docs/contracts/stats.md)."""
        return self.model_dump(mode="json")


def check_level(level: float, field: str = "level") -> float:
    """A confidence level strictly between 0 and 1."""
    if not isinstance(level, int | float) or math.isnan(level) or not 0.0 < level < 1.0:
        raise InputError(f"must be a confidence level strictly between 0 and 1 (got {level!r})", field=field)
    return float(level)


def check_probability(p: float, field: str, *, open_interval: bool = True) -> float:
    """A probability in (0, 1) (or [0, 1] when ``open_interval`` is False)."""
    bad = not isinstance(p, int | float) or math.isnan(p)
    if not bad:
        bad = not (0.0 < p < 1.0) if open_interval else not (0.0 <= p <= 1.0)
    if bad:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise InputError(f"must be a probability {bounds} (got {p!r})", field=field)
    return float(p)


def check_count(x: int, n: int) -> None:
    """``0 <= x <= n`` and ``n >= 1``, naming the argument at fault."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"must be a whole number of patients >= 1 (got {n!r})", field="n")
    if isinstance(x, bool) or not isinstance(x, int | np.integer) or x < 0:
        raise InputError(f"must be a whole number of responses >= 0 (got {x!r})", field="x")
    if x > n:
        raise InputError(f"cannot exceed n (got x={x}, n={n})", field="x")


def _clopper_pearson(x: np.ndarray, n: int, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(x == 0, 0.0, stats.beta.ppf(tail, x, n - x + 1))
        upper = np.where(x == n, 1.0, stats.beta.ppf(1.0 - tail, x + 1, n - x))
    return lower, upper


def _wilson(x: np.ndarray, n: int, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(1.0 - (1.0 - level) / 2.0)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # At x = 0 and x = n the score bounds are exactly 0 and 1; say so rather than trust rounding.
    lower = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


def _bounds(x: np.ndarray, n: int, level: float, method: IntervalMethod) -> tuple[np.ndarray, np.ndarray]:
    if method is IntervalMethod.clopper_pearson:
        return _clopper_pearson(x, n, level)
    return _wilson(x, n, level)


def binomial_ci(
    x: int, n: int, level: float = 0.95, method: IntervalMethod | str = IntervalMethod.clopper_pearson
) -> BinomialInterval:
    """Two-sided confidence interval for a binomial proportion ``x / n``.

    ``method`` "clopper-pearson" (default) is the exact interval from Beta quantiles, identical to
    R's ``binom.test(x, n, conf.level=level)$conf.int``; "wilson" is the score interval without
    continuity correction, identical to R's ``prop.test(x, n, conf.level=level, correct=FALSE)$conf.int``.

    References
    ----------
    Clopper and Pearson, Biometrika 1934;26:404-413. doi:10.1093/biomet/26.4.404.
    Wilson, J Am Stat Assoc 1927;22:209-212. doi:10.1080/01621459.1927.10502953.
    """
    check_count(x, n)
    level = check_level(level)
    try:
        method = IntervalMethod(method)
    except ValueError:
        raise InputError(
            f"unknown interval method {method!r} (use clopper-pearson or wilson)", field="method"
        ) from None
    lower, upper = _bounds(np.array([x]), int(n), level, method)
    return BinomialInterval(
        x=int(x),
        n=int(n),
        estimate=x / n,
        lower=float(lower[0]),
        upper=float(upper[0]),
        level=level,
        method=method,
    )


def exact_test(x: int, n: int, p0: float) -> float:
    """One-sided exact binomial p-value ``P(X >= x | n, p0)`` for H1: p > p0.

    The test of a single-arm phase II response rate against the uninteresting rate p0; identical to
    R's ``binom.test(x, n, p0, alternative="greater")$p.value``.

    References
    ----------
    Clopper and Pearson, Biometrika 1934;26:404-413. doi:10.1093/biomet/26.4.404.
    """
    check_count(x, n)
    p0 = check_probability(p0, "p0")
    return float(stats.binom.sf(x - 1, n, p0))


def cohort_precision(
    p: float, n: int, level: float = 0.95, method: IntervalMethod | str = IntervalMethod.clopper_pearson
) -> CohortPrecision:
    """The confidence-interval half-width a cohort of ``n`` patients gives for a proportion near ``p``.

    Used to justify a registered sample size by the precision it buys (e.g. a response or adverse
    event rate estimated from 300 patients). The half-width is reported at the expected count
    ``round(p * n)``, as its exact expectation over Binomial(n, p), and at its worst case.

    References
    ----------
    Clopper and Pearson, Biometrika 1934;26:404-413. doi:10.1093/biomet/26.4.404.
    """
    p = check_probability(p, "p", open_interval=False)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"must be a whole number of patients >= 1 (got {n!r})", field="n")
    level = check_level(level)
    method = IntervalMethod(method)
    xs = np.arange(n + 1)
    lower, upper = _bounds(xs, int(n), level, method)
    half = (upper - lower) / 2.0
    x = int(math.floor(p * n + 0.5))
    return CohortPrecision(
        p=p,
        n=int(n),
        level=level,
        method=method,
        x=x,
        lower=float(lower[x]),
        upper=float(upper[x]),
        half_width=float(half[x]),
        expected_half_width=float(np.dot(stats.binom.pmf(xs, n, p), half)),
        max_half_width=float(half.max()),
    )
