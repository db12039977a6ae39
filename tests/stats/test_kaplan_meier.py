"""Kaplan-Meier, R's median confidence intervals and the log-rank test, against R 4.2.2 / survival 3.5-3.

Data: ``lung`` (NCCTG advanced lung cancer; shipped with lifelines as ``load_lung``, status 0/1; identical to
R's ``survival::lung`` with status - 1) and ``waltons`` (lifelines ``load_waltons``), plus synthetic files in
tests/data/stats/. Each expected number is pinned with the R call that produced it. The tests never need R.

References: Kaplan and Meier, JASA 1958;53:457-481 (doi:10.1080/01621459.1958.10501452); Brookmeyer and
Crowley, Biometrics 1982;38:29-41 (doi:10.2307/2530286); Therneau, survival 3.5 (survfit, quantile.survfit).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines.datasets import load_lung, load_waltons

from haictrial.errors import InputError
from haictrial.stats.survival import kaplan_meier, kaplan_meier_by_group, logrank

DATA = Path(__file__).parent.parent / "data" / "stats"


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    return load_lung()


def _triple(curve):
    return (curve.median, *curve.median_ci)


# R: lung <- lifelines' lung.csv; quantile(survfit(Surv(time, status) ~ 1, data=lung, conf.type=ct), 0.5)
@pytest.mark.parametrize(
    ("conf_type", "expected"),
    [("log", (310, 285, 363)), ("log-log", (310, 284, 361)), ("plain", (310, 284, 361))],
)
def test_lung_median_and_ci_match_r(lung, conf_type, expected):
    curve = kaplan_meier(lung["time"], lung["status"], conf_type=conf_type)
    assert (curve.n, curve.events) == (228, 165)
    assert _triple(curve) == expected


def test_lung_default_is_rs_log_band(lung):
    # R: survfit(Surv(time, status) ~ 1, data=lung) prints n 228, events 165, median 310, 0.95LCL 285, 0.95UCL 363
    curve = kaplan_meier(lung["time"], lung["status"])
    assert curve.conf_type.value == "log"
    assert _triple(curve) == (310, 285, 363)


# R: s <- summary(survfit(Surv(time, status) ~ 1, data=lung), times=c(0, 5, 100, 365, 500, 1000))
#    data.frame(s$time, s$n.risk, s$surv, s$lower, s$upper)
LUNG_AT = [
    (0, 228, 1.0, 1.0, 1.0),
    (5, 228, 0.99561403509, 0.9870734167, 1.0),
    (100, 196, 0.86396896765, 0.8205848921, 0.9096467462),
    (365, 65, 0.40924162446, 0.3447215818, 0.4858376035),
    (500, 41, 0.29326919371, 0.2319821383, 0.3707475956),
    (1000, 2, 0.05034556807, 0.0206854602, 0.1225341955),
]


@pytest.mark.parametrize(("t", "n_risk", "surv", "lower", "upper"), LUNG_AT)
def test_survival_at_times_matches_r_summary(lung, t, n_risk, surv, lower, upper):
    curve = kaplan_meier(lung["time"], lung["status"])
    row = curve.at(t)
    assert row.n_risk == n_risk
    assert curve.survival_at(t) == pytest.approx((surv, lower, upper), abs=1e-9)


@pytest.mark.parametrize(
    ("conf_type", "t", "expected"),
    [
        # R: summary(survfit(Surv(time, status) ~ 1, data=lung, conf.type="log-log"), times=c(5, 365))
        ("log-log", 5, (0.9956140351, 0.9692770362, 0.9993810114)),
        ("log-log", 365, (0.4092416245, 0.3387142691, 0.4783807676)),
        # R: summary(survfit(Surv(time, status) ~ 1, data=lung, conf.type="plain"), times=c(5, 365))
        ("plain", 5, (0.9956140351, 0.9870365741, 1.0)),
        ("plain", 365, (0.4092416245, 0.3390285838, 0.4794546651)),
    ],
)
def test_other_bands_at_times_match_r(lung, conf_type, t, expected):
    curve = kaplan_meier(lung["time"], lung["status"], conf_type=conf_type)
    assert curve.survival_at(t) == pytest.approx(expected, abs=1e-9)


def test_log_log_band_is_na_before_the_first_event(lung):
    # R survfit_confint: log-log limits are NA where S = 1
    curve = kaplan_meier(lung["time"], lung["status"], conf_type="log-log")
    assert curve.survival_at(1) == (1.0, None, None)


# R: quantile(survfit(Surv(time, status) ~ sex, data=lung, conf.type=ct), 0.5)
@pytest.mark.parametrize(
    ("conf_type", "male", "female"),
    [
        ("log", (270, 212, 310), (426, 348, 550)),
        ("log-log", (270, 210, 306), (426, 345, 524)),
        ("plain", (270, 212, 306), (426, 345, 524)),
    ],
)
def test_lung_by_sex_matches_r(lung, conf_type, male, female):
    result = kaplan_meier_by_group(lung["time"], lung["status"], lung["sex"], conf_type=conf_type)
    assert [g.group for g in result.groups] == [1, 2]
    assert [g.curve.n for g in result.groups] == [138, 90]
    assert _triple(result.groups[0].curve) == male
    assert _triple(result.groups[1].curve) == female


def test_lung_logrank_matches_r_survdiff(lung):
    # R: survdiff(Surv(time, status) ~ sex, data=lung): Chisq= 10.3 on 1 df, p= 0.001311
    #    sd$chisq = 10.3267 ((O-E)^2/V column), 1 - pchisq(sd$chisq, 1) = 0.00131116452
    test = logrank(lung["time"], lung["status"], lung["sex"])
    assert test.df == 1
    assert test.chisq == pytest.approx(10.3267, abs=1e-4)
    assert test.p == pytest.approx(0.00131116452, rel=1e-8)


# R: s <- summary(survfit(Surv(time, status) ~ sex, data=lung), times=c(365, 730))
@pytest.mark.parametrize(
    ("sex", "t", "n_risk", "expected"),
    [
        (1, 365, 35, (0.336087834639, 0.2609005037897, 0.432942945498)),
        (1, 730, 7, (0.078124091267, 0.0390437354972, 0.156321457427)),
        (2, 365, 30, (0.526463030186, 0.4214863408291, 0.657585537902)),
        (2, 730, 6, (0.187232497905, 0.0977701818784, 0.358555211806)),
    ],
)
def test_lung_by_sex_at_times_matches_r(lung, sex, t, n_risk, expected):
    subset = lung[lung["sex"] == sex]
    curve = kaplan_meier(subset["time"], subset["status"])
    assert curve.at(t).n_risk == n_risk
    assert curve.survival_at(t) == pytest.approx(expected, abs=1e-10)


def test_waltons_matches_r():
    # R: quantile(survfit(Surv(T, E) ~ group, data=waltons, conf.type=ct), 0.5); survdiff(Surv(T, E) ~ group)
    waltons = load_waltons()
    expected = {
        "log": {"control": (58, 56, 60), "miR-137": (26, 22, 29)},
        "log-log": {"control": (58, 56, 60), "miR-137": (26, 19, 29)},
        "plain": {"control": (58, 56, 60), "miR-137": (26, 19, 29)},
    }
    for conf_type, groups in expected.items():
        result = kaplan_meier_by_group(waltons["T"], waltons["E"], waltons["group"], conf_type=conf_type)
        assert {g.group: _triple(g.curve) for g in result.groups} == groups
    assert result.logrank is not None
    assert result.logrank.chisq == pytest.approx(122.249125573, rel=1e-9)


SYNTHETIC = DATA / "synthetic_survival.csv"


# R: syn <- read.csv("tests/data/stats/synthetic_survival.csv")
#    quantile(survfit(Surv(time_days, event) ~ stage, data=syn, conf.type=ct), 0.5)
@pytest.mark.parametrize(
    ("conf_type", "overall", "by_stage"),
    [
        ("log", (217, 175, 273), {"I": (371, 196, None), "II": (210, 161, 364), "III": (175, 56, 252)}),
        ("log-log", (217, 175, 266), {"I": (371, 161, None), "II": (210, 147, 301), "III": (175, 56, 238)}),
        ("plain", (217, 175, 266), {"I": (371, 196, None), "II": (210, 147, 301), "III": (175, 56, 238)}),
    ],
)
def test_synthetic_three_groups_match_r(conf_type, overall, by_stage):
    syn = pd.read_csv(SYNTHETIC)
    assert _triple(kaplan_meier(syn["time_days"], syn["event"], conf_type)) == overall
    result = kaplan_meier_by_group(syn["time_days"], syn["event"], syn["stage"], conf_type=conf_type)
    assert {g.group: _triple(g.curve) for g in result.groups} == by_stage
    # R: survdiff(Surv(time_days, event) ~ stage, data=syn): chisq 10.4099194, p 0.005489271643 on 2 df
    assert result.logrank is not None
    assert result.logrank.df == 2
    assert result.logrank.chisq == pytest.approx(10.4099194, abs=1e-6)
    assert result.logrank.p == pytest.approx(0.005489271643, rel=1e-8)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # S = 0.5 exactly from t=2 until the event at t=4: R takes the midpoint, 3.
        ("km_half_interval", (3, 1, None)),
        # S = 0.5 from t=2 to the last (censored) time 4: R's last-point rule, (2 + 4) / 2.
        ("km_half_to_end", (3, 1, None)),
        # S never reaches 0.5: median NA.
        ("km_not_reached", {"log": (None, 20, None), "log-log": (None, 5, None), "plain": (None, 20, None)}),
        # the curve drops to 0 at the last time: log and log-log limits are NA there.
        ("km_to_zero", {"log": (6, 3, None), "log-log": (6, 2, 9), "plain": (6, 3, 9)}),
    ],
)
def test_rs_flat_stretch_and_na_rules(name, expected):
    # R: quantile(survfit(Surv(time, event) ~ 1, data=read.csv(f), conf.type=ct), 0.5)
    data = pd.read_csv(DATA / f"{name}.csv")
    for conf_type in ("log", "log-log", "plain"):
        want = expected[conf_type] if isinstance(expected, dict) else expected
        assert _triple(kaplan_meier(data["time"], data["event"], conf_type)) == want, conf_type


def test_table_matches_r_survfit_down_to_zero():
    # R: fit <- survfit(Surv(time, event) ~ 1, data=read.csv("km_to_zero.csv"), conf.type="plain")
    #    data.frame(fit$time, fit$n.risk, fit$surv, fit$std.err, fit$lower, fit$upper)
    data = pd.read_csv(DATA / "km_to_zero.csv")
    table = kaplan_meier(data["time"], data["event"], "plain").table
    assert [r.time for r in table] == [2, 3, 5, 6, 8, 9, 11]
    assert [r.n_risk for r in table] == [10, 9, 7, 6, 3, 2, 1]
    assert [r.survival for r in table] == pytest.approx([0.9, 0.7, 0.7, 0.4666666667, 0.3111111111, 0.1555555556, 0.0])
    assert [r.std_err for r in table[:-1]] == pytest.approx(
        [0.1054092553, 0.2070196678, 0.2070196678, 0.3552329886, 0.5411627693, 0.8904252596]
    )
    assert table[-1].std_err is None  # R: Inf
    assert [r.lower for r in table] == pytest.approx(
        [0.7140614903, 0.4159742349, 0.4159742349, 0.1417528636, 0.0, 0.0, None]
    )
    assert [r.upper for r in table[:-1]] == pytest.approx(
        [1.0, 0.9840257651, 0.9840257651, 0.7915804698, 0.6410940784, 0.4270313351]
    )
    assert table[-1].upper is None  # R: NaN


def test_three_hundred_small_datasets_match_r_exactly():
    """Small integer times (ties, S = 0.5 over intervals, last-point cases) for every confidence type.

    R: for each dataset k and ct in log, log-log, plain:
       quantile(survfit(Surv(time, event) ~ 1, data=d[d$dataset == k, ], conf.type=ct), probs=0.5)
    written to tests/data/stats/km_small_datasets_r.csv (NA = not reached).
    """
    data = pd.read_csv(DATA / "km_small_datasets.csv")
    reference = pd.read_csv(DATA / "km_small_datasets_r.csv")
    assert len(reference) == 900
    mismatches = []
    midpoints = 0
    for row in reference.itertuples(index=False):
        subset = data[data["dataset"] == row.dataset]
        got = _triple(kaplan_meier(subset["time"], subset["event"], row.conf_type))
        want = tuple(None if pd.isna(v) else float(v) for v in (row.median, row.lower, row.upper))
        if got != want:
            mismatches.append((row.dataset, row.conf_type, got, want))
        midpoints += any(v is not None and not float(v).is_integer() for v in want)
    assert mismatches == []
    assert midpoints > 50  # the flat-stretch rules are exercised, not just the plain crossing


@settings(max_examples=80, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1)), min_size=1, max_size=40),
    conf_type=st.sampled_from(["log", "log-log", "plain"]),
)
def test_km_properties(data, conf_type):
    times = np.array([t for t, _ in data], dtype=float)
    events = np.array([e for _, e in data])
    curve = kaplan_meier(times, events, conf_type)
    surv = [r.survival for r in curve.table]
    assert all(0.0 <= s <= 1.0 for s in surv)
    assert all(a >= b for a, b in zip(surv, surv[1:], strict=False))  # non-increasing
    assert sum(r.n_event for r in curve.table) == curve.events == events.sum()
    assert curve.table[0].n_risk == len(times)
    for r in curve.table:
        if r.lower is not None:
            assert r.lower <= r.survival + 1e-12
        if r.upper is not None:
            assert r.upper >= r.survival - 1e-12
    if curve.median is not None:
        assert curve.survival_at(curve.median)[0] <= 0.5 + 1e-9
        lo, hi = curve.median_ci
        if lo is not None:
            assert lo <= curve.median
        if hi is not None:
            assert hi >= curve.median


@pytest.mark.parametrize(
    ("times", "events", "field", "words"),
    [
        ([1, -2, 3], [1, 0, 1], "time", "negative time in row 2"),
        ([1, math.nan, 3], [1, 0, 1], "time", "row 2"),
        ([1, 2, 3], [1, 2, 1], "event", "row 2"),
        ([1, 2], [1, 0, 1], "time", "same length"),
        ([], [], "time", "no observations"),
    ],
)
def test_it_rejects_bad_survival_data(times, events, field, words):
    with pytest.raises(InputError) as err:
        kaplan_meier(times, events)
    assert err.value.field == field
    assert words in err.value.message


def test_it_rejects_unknown_conf_type_and_single_group_logrank():
    with pytest.raises(InputError) as err:
        kaplan_meier([1, 2], [1, 1], conf_type="arcsin")
    assert err.value.field == "conf_type"
    with pytest.raises(InputError) as err:
        logrank([1, 2], [1, 1], ["a", "a"])
    assert err.value.field == "group"
