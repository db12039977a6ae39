"""Simon's two-stage designs against Simon's own table and against an independent brute-force search.

Reference: Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
1989;10:1-10, doi:10.1016/0197-2456(89)90015-9, Table 1 (rows with alpha = 0.05, beta = 0.20, and
p0 0.10 / p1 0.30 with beta = 0.10): optimal and minimax r1/n1, r/n, EN(p0), PET(p0).
"""

from __future__ import annotations

import time
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from scipy import stats

from haictrial.errors import InputError
from haictrial.stats.simon import operating_characteristics, simon_two_stage

# (p0, p1, alpha, power): optimal (r1, n1, r, n, EN(p0), PET(p0)), minimax (...), Simon 1989 Table 1.
SIMON_TABLE_1 = [
    ((0.05, 0.25, 0.05, 0.80), (0, 9, 2, 17, 12.0, 0.63), (0, 12, 2, 16, 13.8, 0.54)),
    ((0.10, 0.30, 0.05, 0.80), (1, 10, 5, 29, 15.0, 0.74), (1, 15, 5, 25, 19.5, 0.55)),
    ((0.10, 0.30, 0.05, 0.90), (2, 18, 6, 35, 22.5, 0.73), (2, 22, 6, 33, 26.2, 0.62)),
    ((0.20, 0.40, 0.05, 0.80), (3, 13, 12, 43, 20.6, 0.75), (4, 18, 10, 33, 22.3, 0.72)),
    ((0.30, 0.50, 0.05, 0.80), (5, 15, 18, 46, 23.6, 0.72), (6, 19, 16, 39, 25.7, 0.67)),
    ((0.40, 0.60, 0.05, 0.80), (7, 16, 23, 46, 24.5, 0.72), (17, 34, 20, 39, 34.4, 0.91)),
    ((0.70, 0.90, 0.05, 0.80), (4, 6, 22, 27, 14.8, 0.58), (19, 23, 21, 26, 23.2, 0.95)),
]


@pytest.mark.parametrize(("args", "optimal", "minimax"), SIMON_TABLE_1)
def test_it_reproduces_simon_1989_table_1(args, optimal, minimax):
    designs = simon_two_stage(*args, nmax=100)
    for got, want in ((designs.optimal, optimal), (designs.minimax, minimax)):
        assert (got.r1, got.n1, got.r, got.n) == want[:4]
        assert round(got.en_p0, 1) == want[4]
        assert round(got.pet_p0, 2) == want[5]
        assert got.actual_alpha <= args[2]
        assert got.actual_power >= args[3]


def _exact_active(r1: int, n1: int, r: int, n: int, p: Fraction) -> Fraction:
    """P(X1 > r1, X1 + X2 > r) in rational arithmetic (Simon 1989, equation 1, complement)."""
    n2 = n - n1
    total = Fraction(0)
    for x1 in range(r1 + 1, n1 + 1):
        b1 = comb(n1, x1) * p**x1 * (1 - p) ** (n1 - x1)
        tail = sum(comb(n2, x2) * p**x2 * (1 - p) ** (n2 - x2) for x2 in range(max(0, r - x1 + 1), n2 + 1))
        total += b1 * tail
    return total


@pytest.mark.parametrize(("args", "optimal", "minimax"), SIMON_TABLE_1[:4])
def test_reported_alpha_and_power_are_exact(args, optimal, minimax):
    p0, p1 = (Fraction(str(p)) for p in args[:2])
    designs = simon_two_stage(*args)
    for d in (designs.optimal, designs.minimax):
        assert d.actual_alpha == pytest.approx(float(_exact_active(d.r1, d.n1, d.r, d.n, p0)), abs=1e-13)
        assert d.actual_power == pytest.approx(float(_exact_active(d.r1, d.n1, d.r, d.n, p1)), abs=1e-13)
        pet = sum(comb(d.n1, x) * p0**x * (1 - p0) ** (d.n1 - x) for x in range(d.r1 + 1))
        assert d.pet_p0 == pytest.approx(float(pet), abs=1e-13)
        assert d.en_p0 == pytest.approx(float(d.n1 + (1 - pet) * (d.n - d.n1)), abs=1e-11)


def _brute_force(p0, p1, alpha, power, nmax):
    """Every (n, n1, r1, r) in plain loops; Simon's rule: largest r meeting power, then check alpha."""
    m = np.arange(nmax + 1)
    pmf = {p: stats.binom.pmf(m[None, :], m[:, None], p) for p in (p0, p1)}
    sf = {p: stats.binom.sf(m[None, :], m[:, None], p) for p in (p0, p1)}  # sf[size, k] = P(X > k)

    def active(p, r1, n1, r, n2):
        x1 = np.arange(r1 + 1, n1 + 1)
        k = r - x1
        tail = np.where(k < 0, 1.0, sf[p][n2, np.clip(k, 0, nmax)])
        return float(pmf[p][n1, x1] @ tail)

    best_opt = best_mm = None
    for n in range(2, nmax + 1):
        for n1 in range(1, n):
            n2 = n - n1
            for r1 in range(n1):
                chosen = next((r for r in range(n - 1, r1 - 1, -1) if active(p1, r1, n1, r, n2) >= power - 1e-12), None)
                if chosen is None or active(p0, r1, n1, chosen, n2) > alpha + 1e-12:
                    continue
                en = round(n1 + (1 - stats.binom.cdf(r1, n1, p0)) * n2, 9)
                opt = (en, n, n1, r1, chosen)
                mm = (n, en, n1, r1, chosen)
                best_opt = opt if best_opt is None or opt < best_opt else best_opt
                best_mm = mm if best_mm is None or mm < best_mm else best_mm
    return best_opt, best_mm


@pytest.mark.parametrize(
    "args",
    [
        (0.05, 0.25, 0.10, 0.80),
        (0.10, 0.35, 0.05, 0.80),
        (0.30, 0.60, 0.10, 0.90),
        (0.60, 0.85, 0.05, 0.80),
        (0.15, 0.40, 0.10, 0.80),
        (0.50, 0.80, 0.05, 0.90),
    ],
)
def test_the_vectorised_search_equals_brute_force(args):
    nmax = 30
    best_opt, best_mm = _brute_force(*args, nmax)
    designs = simon_two_stage(*args, nmax=nmax)
    _, n, n1, r1, r = best_opt
    assert (designs.optimal.r1, designs.optimal.n1, designs.optimal.r, designs.optimal.n) == (r1, n1, r, n)
    n, _, n1, r1, r = best_mm
    assert (designs.minimax.r1, designs.minimax.n1, designs.minimax.r, designs.minimax.n) == (r1, n1, r, n)


def test_nmax_150_runs_in_under_a_second():
    start = time.perf_counter()
    simon_two_stage(0.2, 0.4, 0.05, 0.8, nmax=150)
    simon_two_stage(0.1, 0.3, 0.05, 0.9, nmax=150)
    assert time.perf_counter() - start < 2.0  # two searches; each must take < 1 s


def test_operating_characteristics_of_a_given_design():
    active, pet, en = operating_characteristics(3, 13, 12, 43, 0.2)
    assert (round(en, 1), round(pet, 3)) == (20.6, 0.747)  # docs/contracts/stats.md example, Simon Table 1
    assert active <= 0.05


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"p0": 0.4, "p1": 0.2, "alpha": 0.05, "power": 0.8}, "p1"),
        ({"p0": 0.2, "p1": 0.2, "alpha": 0.05, "power": 0.8}, "p1"),
        ({"p0": -0.1, "p1": 0.2, "alpha": 0.05, "power": 0.8}, "p0"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 1.5, "power": 0.8}, "alpha"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 0.05, "power": 0.01}, "power"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 0.05, "power": 0.8, "nmax": 1}, "nmax"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 0.05, "power": 0.8, "nmax": 10_000}, "nmax"),
        ({"p0": 0.2, "p1": 0.4, "alpha": 0.05, "power": 0.8, "nmax": 30}, "nmax"),  # minimax needs 33
    ],
)
def test_it_rejects_bad_input(kwargs, field):
    with pytest.raises(InputError) as err:
        simon_two_stage(**kwargs)
    assert err.value.field == field
