"""Benchmark: Simon's two-stage search, vectorised (haictrial.stats.simon) against a plain triple loop.

The baseline is the textbook search (Simon 1989, section 3): a Python loop over every (n, n1, r1),
each computing the rejection probabilities for all final cut-offs r with numpy from precomputed
binomial tables, taking the largest r that meets the power and checking alpha. Both must return the
same designs. The script times the vectorised search on several cases (budget: 1 s each at nmax 150)
and, on the first case, the baseline: at the same nmax when its projected time is under 60 s,
otherwise at a smaller nmax with the extrapolation stated in the output.

Run: ``.venv/bin/python bench/bench_simon.py [--nmax 150]``.

References
----------
Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials 1989;10:1-10.
doi:10.1016/0197-2456(89)90015-9.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import stats

from haictrial.stats.simon import SLACK, simon_two_stage

CASES = [
    (0.2, 0.4, 0.05, 0.8),
    (0.05, 0.25, 0.05, 0.8),
    (0.3, 0.5, 0.05, 0.8),
    (0.1, 0.3, 0.05, 0.9),
    (0.7, 0.9, 0.05, 0.8),
]


def baseline(p0: float, p1: float, alpha: float, power: float, nmax: int) -> tuple[tuple, tuple]:
    """Plain triple loop over (n, n1, r1); returns ((r1, n1, r, n) optimal, (r1, n1, r, n) minimax)."""
    sizes = np.arange(nmax + 1)[:, None]
    counts = np.arange(nmax + 1)[None, :]
    pmf0, pmf1 = stats.binom.pmf(counts, sizes, p0), stats.binom.pmf(counts, sizes, p1)
    cdf0, cdf1 = stats.binom.cdf(counts, sizes, p0), stats.binom.cdf(counts, sizes, p1)
    best_opt: tuple = (math.inf,)
    best_mm: tuple = (math.inf,)
    for n in range(2, nmax + 1):
        for n1 in range(1, n):
            n2 = n - n1
            r = np.arange(n)  # candidate final cut-offs 0..n-1
            for r1 in range(n1):
                x1 = np.arange(r1 + 1, n1 + 1)
                k = r[None, :] - x1[:, None]  # r - x1
                tail0 = np.where(k < 0, 1.0, 1.0 - cdf0[n2, np.clip(k, 0, n2)])
                tail1 = np.where(k < 0, 1.0, 1.0 - cdf1[n2, np.clip(k, 0, n2)])
                active0 = pmf0[n1, x1] @ tail0
                active1 = pmf1[n1, x1] @ tail1
                ok = np.flatnonzero(active1[r1:] >= power - SLACK)
                if ok.size == 0:
                    continue
                r_star = r1 + int(ok[-1])
                if active0[r_star] > alpha + SLACK:
                    continue
                en = round(n1 + (1.0 - cdf0[n1, r1]) * n2, 9)
                best_opt = min(best_opt, (en, n, n1, r1, r_star))
                best_mm = min(best_mm, (n, en, n1, r1, r_star))
    if not math.isfinite(best_opt[0]):
        raise SystemExit(f"no design with n <= {nmax}")
    _, n, n1, r1, r = best_opt
    opt = (r1, n1, r, n)
    n, _, n1, r1, r = best_mm
    return opt, (r1, n1, r, n)


def _designs(p0: float, p1: float, alpha: float, power: float, nmax: int) -> tuple[tuple, tuple]:
    d = simon_two_stage(p0, p1, alpha, power, nmax=nmax)
    return tuple((x.r1, x.n1, x.r, x.n) for x in (d.optimal, d.minimax))  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description="Simon two-stage search: vectorised vs plain triple loop.")
    parser.add_argument("--nmax", type=int, default=150)
    args = parser.parse_args()
    nmax = args.nmax
    for index, case in enumerate(CASES):
        label = f"p0={case[0]} p1={case[1]} alpha={case[2]} power={case[3]}"
        start = time.perf_counter()
        fast_designs = _designs(*case, nmax)
        fast = time.perf_counter() - start
        print(
            f"{label}: vectorised search, nmax={nmax}: {fast * 1000:.1f} ms; optimal, minimax (r1, n1, r, n) = {fast_designs}"
        )
        assert fast < 1.0, f"the vectorised search took {fast:.2f} s at nmax={nmax} (budget: 1 s)"
        if index > 0:
            continue  # the (slow) baseline runs on the first case only
        # Probe the baseline on a small nmax to project its cost (its work grows about as nmax**4).
        probe_nmax = min(nmax, 50)
        start = time.perf_counter()
        baseline(*case, probe_nmax)
        projected = (time.perf_counter() - start) * (nmax / probe_nmax) ** 4
        base_nmax = nmax if projected < 60 else probe_nmax
        start = time.perf_counter()
        base_designs = baseline(*case, base_nmax)
        slow = time.perf_counter() - start
        if base_nmax == nmax:
            assert base_designs == fast_designs, (base_designs, fast_designs)
            print(f"  baseline triple loop, same nmax={nmax}: {slow:.2f} s, same designs; speed-up {slow / fast:.0f}x")
        else:
            small_designs = _designs(*case, base_nmax)
            assert base_designs == small_designs, (base_designs, small_designs)
            extrapolated = slow * (nmax / base_nmax) ** 4
            print(
                f"  baseline triple loop RUN AT nmax={base_nmax}, NOT {nmax}: {slow:.2f} s (same designs as the "
                f"vectorised search at nmax={base_nmax}); EXTRAPOLATED to nmax={nmax} by (nmax ratio)^4: "
                f"{extrapolated:.0f} s; speed-up {extrapolated / fast:.0f}x (extrapolated)"
            )


if __name__ == "__main__":
    main()
