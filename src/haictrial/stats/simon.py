"""Simon's two-stage phase II designs (optimal and minimax) by exact binomial enumeration.

Stage 1 treats ``n1`` patients and stops for futility if ``X1 <= r1`` responses; otherwise ``n - n1``
more are treated and the regimen is rejected if the total ``X <= r``. With ``S(k; m, p) = P(Bin(m, p) > k)``:

* PET(p) = P(X1 <= r1) (probability of early termination),
* P(declare active | p) = sum over x1 > r1 of b(x1; n1, p) * S(r - x1; n - n1, p),
* EN(p) = n1 + (1 - PET(p)) * (n - n1).

A design is admissible if P(declare active | p0) <= alpha and P(declare active | p1) >= power.
As Simon (1989), for each (n, n1, r1) the final cut-off ``r`` is the largest one meeting the power
constraint, and the design is kept if it also meets alpha. The *optimal* design minimises EN(p0);
the *minimax* design minimises n, then EN(p0). Remaining ties go to the smaller n, then n1, then r1.

The search is exact (no approximation) and vectorised with numpy: per stage-1 size, every (r1, n2, r)
at once from tables of binomial probabilities. Only combinations that cannot be admissible or cannot
win are skipped, each by a bound that is proven in ``_search`` (power bounds on r1 and r; an EN(p0)
and n bound from the best designs found so far), so the answer equals the full enumeration
(``bench/bench_simon.py`` and the tests check this against a plain loop).

References
----------
Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials 1989;10:1-10.
doi:10.1016/0197-2456(89)90015-9.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats

from haictrial.errors import InputError
from haictrial.stats.binomial import check_probability
from haictrial.stats.contract import rounded

#: Largest ``nmax`` accepted: the enumeration grows as nmax**4.
NMAX_LIMIT = 300
#: Slack on the alpha and power comparisons so that summation order never decides admissibility.
SLACK = 1e-12


class SimonDesign(BaseModel):
    """One two-stage design and its exact operating characteristics."""

    model_config = ConfigDict(frozen=True)

    r1: int
    n1: int
    r: int
    n: int
    en_p0: float
    pet_p0: float
    en_p1: float
    pet_p1: float
    actual_alpha: float
    actual_power: float

    def as_contract(self) -> dict[str, Any]:
        """One design of the ``design simon`` document: EN to 0.1 patient, PET to 3 and alpha/power to 4 decimals."""
        return {
            "r1": self.r1,
            "n1": self.n1,
            "r": self.r,
            "n": self.n,
            "en_p0": rounded(self.en_p0, 1),
            "pet_p0": rounded(self.pet_p0, 3),
            "en_p1": rounded(self.en_p1, 1),
            "pet_p1": rounded(self.pet_p1, 3),
            "actual_alpha": rounded(self.actual_alpha, 4),
            "actual_power": rounded(self.actual_power, 4),
        }


class SimonDesigns(BaseModel):
    """The optimal and minimax designs for (p0, p1, alpha, power), searched up to ``nmax`` patients."""

    model_config = ConfigDict(frozen=True)

    p0: float
    p1: float
    alpha: float
    power: float
    nmax: int
    optimal: SimonDesign
    minimax: SimonDesign

    def as_contract(self) -> dict[str, Any]:
        """The ``design simon`` document (docs/contracts/stats.md)."""
        return {
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "nmax": self.nmax,
            "optimal": self.optimal.as_contract(),
            "minimax": self.minimax.as_contract(),
        }


def operating_characteristics(r1: int, n1: int, r: int, n: int, p: float) -> tuple[float, float, float]:
    """``(P(declare active), PET, EN)`` of the design (r1/n1, r/n) at response rate ``p``, exactly.

    References
    ----------
    Simon R. Control Clin Trials 1989;10:1-10, equations (1)-(3). doi:10.1016/0197-2456(89)90015-9.
    """
    if not 1 <= n1 < n or not 0 <= r1 < n1 or not r1 <= r < n:
        raise InputError(f"not a two-stage design: r1={r1}, n1={n1}, r={r}, n={n}", field="design")
    x1 = np.arange(r1 + 1, n1 + 1)
    active = float(np.sum(stats.binom.pmf(x1, n1, p) * stats.binom.sf(r - x1, n - n1, p)))
    pet = float(stats.binom.cdf(r1, n1, p))
    return active, pet, n1 + (1.0 - pet) * (n - n1)


class _Tables:
    """Binomial probabilities for every size up to nmax at one response rate."""

    def __init__(self, p: float, nmax: int) -> None:
        sizes = np.arange(nmax + 1)[:, None]
        counts = np.arange(nmax + 1)[None, :]
        self.pmf = stats.binom.pmf(counts, sizes, p)  # pmf[m, x]
        self.cdf = stats.binom.cdf(counts, sizes, p)  # cdf[m, k] = P(Bin(m) <= k)
        self.offset = nmax
        k = np.arange(-nmax, nmax + 1)[None, :]
        # sf[m, k + offset] = P(Bin(m, p) > k) for k in [-nmax, nmax]: 1 below 0, 0 from m on.
        self.sf = np.where(k < 0, 1.0, stats.binom.sf(k, sizes, p))

    def tail(self, m: int, k: int) -> float:
        return float(self.sf[m, k + self.offset])


def _validate(p0: float, p1: float, alpha: float, power: float, nmax: int) -> None:
    check_probability(p0, "p0")
    check_probability(p1, "p1")
    if p0 >= p1:
        raise InputError(f"must be greater than p0 (got p0={p0}, p1={p1})", field="p1")
    check_probability(alpha, "alpha")
    check_probability(power, "power")
    if power <= alpha:
        raise InputError(f"must exceed alpha (got alpha={alpha}, power={power})", field="power")
    if isinstance(nmax, bool) or not isinstance(nmax, int | np.integer) or not 2 <= nmax <= NMAX_LIMIT:
        raise InputError(f"must be a whole number from 2 to {NMAX_LIMIT} (got {nmax!r})", field="nmax")


def _rejection(tab: _Tables, n1: int, n2_max: int, r1_max: int, r_cap: int) -> np.ndarray:
    """P(X1 > r1 and X1 + X2 > r) for r1 in [0, r1_max], n2 in [1, n2_max], r in [0, r_cap].

    Returns an array indexed [r1, n2 - 1, r]. Uses the reverse cumulative sum over x1 of
    b(x1; n1) * S(r - x1; n2): for x1 > r_cap every S is 1, so those x1 contribute P(X1 > x_cap).
    """
    x_cap = min(n1, r_cap)
    x1 = np.arange(1, x_cap + 1)
    r = np.arange(r_cap + 1)
    n2 = np.arange(1, n2_max + 1)
    shift = r[None, :] - x1[:, None] + tab.offset  # [x1, r]
    terms = tab.pmf[n1, x1][:, None, None] * tab.sf[n2[None, :, None], shift[:, None, :]]  # [x1, n2, r]
    cumulative = np.cumsum(terms[::-1], axis=0)[::-1]  # cumulative[j] = sum over x1 >= j + 1
    beyond = float(1.0 - tab.cdf[n1, x_cap])  # P(X1 > x_cap)
    padded = np.concatenate([cumulative, np.zeros((1, *cumulative.shape[1:]))], axis=0)
    # sum over x1 >= r1 + 1 is padded[r1] (index r1 holds x1 = r1 + 1; index x_cap holds nothing).
    return padded[: r1_max + 1] + beyond


def _search(
    p0: float, p1: float, alpha: float, power: float, nmax: int
) -> tuple[tuple[int, int, int, int] | None, tuple[int, int, int, int] | None]:
    """The optimal and the minimax design as (r1, n1, r, n), None when no design is admissible.

    Bounds used to skip work (each keeps every design that could be admissible and win):
    * P(active | p1) <= P(X1 > r1 | p1), so r1 must have P(X1 > r1 | p1) >= power;
    * P(active | p1) <= P(X > r | p1) with X ~ Bin(n, p1), so r <= r_hi(n), the largest r with
      P(X > r | p1) >= power (r_hi grows with n, so r_hi(n1 + n2_max) covers every n2);
    * EN(p0) >= n1 + (1 - PET_max) * n2 where PET_max = P(X1 <= r1_max | p0): once an admissible
      design with EN(p0) = E is known, larger n2 cannot be optimal; and once one with n = N is known,
      n > N cannot be minimax. A combination is skipped only when it fails both.
    """
    t0, t1 = _Tables(p0, nmax), _Tables(p1, nmax)
    target_power = power - SLACK
    target_alpha = alpha + SLACK
    # best[which] = (ordering key, (r1, n1, r, n)); keys: optimal (EN, n, n1, r1), minimax (n, EN, n1, r1).
    best: dict[str, tuple[tuple[float, ...], tuple[int, int, int, int] | None]] = {
        "optimal": ((math.inf,), None),
        "minimax": ((math.inf,), None),
    }
    # r_hi[n]: largest r with P(Bin(n, p1) > r) >= power (-1 if none).
    power_ok = t1.sf[:, t1.offset : t1.offset + nmax + 1] >= target_power
    r_hi = np.where(power_ok.any(axis=1), nmax - np.argmax(power_ok[:, ::-1], axis=1), -1)
    for n1 in range(1, nmax):
        r1_ok = np.flatnonzero(1.0 - t1.cdf[n1, :n1] >= target_power)  # P(X1 > r1 | p1) >= power
        if r1_ok.size == 0:
            continue
        r1_max = int(r1_ok[-1])
        pet_max = float(t0.cdf[n1, r1_max])
        best_en, best_n = best["optimal"][0][0], best["minimax"][0][0]
        if n1 > best_en and n1 + 1 > best_n:
            break  # every later n1 is at least as large: EN(p0) > n1 and n >= n1 + 1
        n2_max = nmax - n1
        if math.isfinite(best_en) and pet_max < 1.0:
            by_en = math.floor((best_en - n1) / (1.0 - pet_max) + 1e-9)
            by_n = best_n - n1 if math.isfinite(best_n) else -1
            n2_max = min(n2_max, max(by_en, int(by_n)))
        if n2_max < 1:
            continue
        r_cap = int(r_hi[n1 + n2_max])
        if r_cap < 0:
            continue
        active1 = _rejection(t1, n1, n2_max, r1_max, r_cap)  # [r1, n2, r]
        ok = active1 >= target_power
        has_r = ok.any(axis=2)
        r_star = r_cap - np.argmax(ok[:, :, ::-1], axis=2)  # largest r meeting power
        active0 = _rejection(t0, n1, n2_max, r1_max, r_cap)
        alpha_at = np.take_along_axis(active0, r_star[:, :, None], axis=2)[:, :, 0]
        feasible = has_r & (alpha_at <= target_alpha)
        if not feasible.any():
            continue
        r1_index, n2_index = np.nonzero(feasible)
        n2 = n2_index + 1
        pet0 = t0.cdf[n1, r1_index]
        en0 = n1 + (1.0 - pet0) * n2
        n = n1 + n2
        rounded = np.round(en0, 9)
        for which, order in (
            ("optimal", np.lexsort((r1_index, n, rounded))),
            ("minimax", np.lexsort((r1_index, rounded, n))),
        ):
            i = order[0]
            a, b = int(r1_index[i]), int(n2_index[i])
            first, second = (float(rounded[i]), float(n[i])) if which == "optimal" else (float(n[i]), float(rounded[i]))
            key = (first, second, float(n1), float(a))
            if key < best[which][0]:
                best[which] = (key, (a, n1, int(r_star[a, b]), int(n[i])))
    return best["optimal"][1], best["minimax"][1]


def _design(r1: int, n1: int, r: int, n: int, p0: float, p1: float) -> SimonDesign:
    alpha, pet0, en0 = operating_characteristics(r1, n1, r, n, p0)
    power, pet1, en1 = operating_characteristics(r1, n1, r, n, p1)
    return SimonDesign(
        r1=r1, n1=n1, r=r, n=n, en_p0=en0, pet_p0=pet0, en_p1=en1, pet_p1=pet1, actual_alpha=alpha, actual_power=power
    )


def simon_two_stage(p0: float, p1: float, alpha: float, power: float, nmax: int = 100) -> SimonDesigns:
    """Simon's optimal and minimax two-stage designs with at most ``nmax`` patients.

    ``p0``: response rate of no interest; ``p1``: rate worth pursuing (p0 < p1); ``alpha``: one-sided
    type I error at p0; ``power``: 1 - type II error at p1. The designs' error rates are exact.
    Raises :class:`InputError` when no design with n <= nmax meets alpha and power.

    References
    ----------
    Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials 1989;10:1-10.
    doi:10.1016/0197-2456(89)90015-9.
    """
    _validate(p0, p1, alpha, power, nmax)
    nmax = int(nmax)
    optimal, minimax = _search(float(p0), float(p1), float(alpha), float(power), nmax)
    if optimal is None or minimax is None:
        raise InputError(
            f"no two-stage design with at most {nmax} patients meets alpha and power; raise nmax", field="nmax"
        )
    return SimonDesigns(
        p0=p0,
        p1=p1,
        alpha=alpha,
        power=power,
        nmax=nmax,
        optimal=_design(*optimal, p0, p1),
        minimax=_design(*minimax, p0, p1),
    )
