"""The statistics results' ``as_contract()`` documents (docs/contracts/stats.md): the CLI only prints them.

Expected values are the contract's own examples (R ``binom.test(5, 20)$conf.int``; Simon, Control Clin Trials
1989;10:1-10, Table 1 for p0 0.2, p1 0.4, alpha 0.05, power 0.8; R ``survfit`` on the ``lung`` data).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifelines.datasets import load_lung

from haictrial import stats
from haictrial.stats.contract import plain, rounded, time_value


def test_binomial_document_is_the_contract_example():
    # docs/contracts/stats.md: R binom.test(5, 20)$conf.int = 0.0866 - 0.4910.
    doc = stats.binomial_ci(5, 20).as_contract()
    assert doc == {
        "x": 5, "n": 20, "estimate": 0.25, "lower": 0.0866, "upper": 0.491, "level": 0.95, "method": "clopper-pearson"
    }  # fmt: skip


def test_binomial_document_with_p0_adds_the_one_sided_exact_p_value():
    doc = stats.binomial_ci(5, 20).as_contract(p0=0.1)
    assert doc["p0"] == 0.1
    assert doc["p_value_one_sided"] == pytest.approx(stats.exact_test(5, 20, 0.1))
    assert "p0" not in stats.binomial_ci(5, 20).as_contract()


def test_simon_document_is_simons_table():
    doc = stats.simon_two_stage(0.2, 0.4, 0.05, 0.8).as_contract()
    opt, mm = doc["optimal"], doc["minimax"]
    assert (opt["r1"], opt["n1"], opt["r"], opt["n"], opt["en_p0"], opt["pet_p0"]) == (3, 13, 12, 43, 20.6, 0.747)
    assert (mm["r1"], mm["n1"], mm["r"], mm["n"], mm["en_p0"], mm["pet_p0"]) == (4, 18, 10, 33, 22.3, 0.716)
    assert (doc["p0"], doc["p1"], doc["alpha"], doc["power"], doc["nmax"]) == (0.2, 0.4, 0.05, 0.8, 100)


def test_km_document_is_the_contract_example():
    lung = load_lung()
    result = stats.kaplan_meier_by_group(lung["time"].to_numpy(float), lung["status"].to_numpy(float), None)
    doc = result.as_contract()
    # R: survfit(Surv(time, status) ~ 1, data = lung): n 228, events 165, median 310 (285, 363).
    assert doc["groups"] == [{"group": None, "n": 228, "events": 165, "median": 310, "median_ci": [285, 363]}]
    assert (doc["conf_type"], doc["level"], doc["logrank"]) == ("log", 0.95, None)
    at = result.as_contract(at=[365])["groups"][0]["at"]
    assert at[0]["time"] == 365 and isinstance(at[0]["time"], int)


def test_design_documents_carry_their_derived_fields():
    d = stats.predictive_design(0.2, 0.4, 30, 0.6, 0.4, 0.9, 0.05, 1.0, 5)
    doc = d.as_contract()
    assert doc["type_i_error"] == d.under_p0.prob_reject_h0 and doc["power"] == d.under_p1.prob_reject_h0
    assert doc["prob_early_stop_p0"] == doc["under_p0"]["prob_early_stop"]
    rule = stats.toxicity_rule(0.3, 0.9, 1, 1, 20, [0.1, 0.4]).as_contract()
    assert [row["true_rate"] for row in rule["operating_characteristics"]] == [0.1, 0.4]


@given(st.floats(allow_nan=True, allow_infinity=False, width=64), st.integers(min_value=0, max_value=6))
def test_rounding_keeps_missing_values_null(value, digits):
    out = rounded(value, digits)
    if math.isnan(value):
        assert out is None
    else:
        assert out == round(value, digits)
    assert rounded(None, digits) is None


@given(st.integers(min_value=0, max_value=10**6))
def test_whole_times_print_as_integers(t):
    assert time_value(float(t)) == t and isinstance(time_value(float(t)), int)
    assert time_value(t + 0.5) == t + 0.5
    assert time_value(float("nan")) is None and time_value(None) is None
    assert plain(np.int64(t)) == t and type(plain(np.int64(t))) is int
