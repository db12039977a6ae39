"""Bayesian monitoring: Lee and Liu's predictive probability and a Beta-binomial toxicity rule.

References: Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials. Clin Trials
2008;5:93-106, doi:10.1177/1740774508089279 (worked example: p0 = 0.6, Beta(0.6, 0.4) prior, Nmax = 40,
theta_T = 0.90, 16 responses in 23 patients -> PP = 0.5656). Thall, Simon and Estey, Stat Med 1995;14:357-379.
Independent values from R 4.2.2 (lchoose/lbeta/pbeta, no package), calls in the comments.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from haictrial.errors import InputError
from haictrial.stats.bayesian import Decision, predictive_design, predictive_probability, toxicity_rule

# R: pp <- function(x, n, N, a, b, p0, t) { m <- N - n; y <- 0:m
#      w <- exp(lchoose(m, y) + lbeta(a + x + y, b + N - x - y) - lbeta(a + x, b + n - x))
#      B <- 1 - pbeta(p0, a + x + y, b + N - x - y); sum(w[B > t]) }


def test_lee_and_liu_worked_example():
    # Lee and Liu 2008, section 2.1: PP = 0.5656; R: pp(16, 23, 40, 0.6, 0.4, 0.6, 0.9) = 0.565558897525,
    # 1 - pbeta(0.6, 16.6, 7.4) = 0.835980805221
    look = predictive_probability(
        16, 23, 40, p0=0.6, prior_a=0.6, prior_b=0.4, theta_t=0.9, theta_l=0.001, theta_u=0.999
    )
    assert round(look.predictive_probability, 4) == 0.5656
    assert look.predictive_probability == pytest.approx(0.565558897525, abs=1e-11)
    assert look.posterior_prob_above_p0 == pytest.approx(0.835980805221, abs=1e-11)
    assert look.decision is Decision.continue_


def test_uniform_prior_example():
    # R: pp(16, 23, 40, 1, 1, 0.5, 0.9) = 0.887189653095 (also ph2bye's PredP example); 1 - pbeta(0.5, 17, 8)
    look = predictive_probability(16, 23, 40, p0=0.5, prior_a=1, prior_b=1, theta_t=0.9)
    assert look.predictive_probability == pytest.approx(0.887189653095, abs=1e-11)
    assert look.posterior_prob_above_p0 == pytest.approx(0.96804267168, abs=1e-10)
    assert look.decision is None  # no thresholds, no decision


@pytest.mark.parametrize(
    ("theta_l", "theta_u", "decision"),
    [(0.6, None, Decision.stop_futility), (None, 0.5, Decision.stop_efficacy), (0.1, 0.9, Decision.continue_)],
)
def test_decisions(theta_l, theta_u, decision):
    look = predictive_probability(16, 23, 40, 0.6, 0.6, 0.4, 0.9, theta_l=theta_l, theta_u=theta_u)
    assert look.decision is decision


def test_success_is_certain_or_impossible_at_the_end():
    # At n = nmax there is nothing to predict: PP is 1 if the posterior already exceeds theta_T, else 0.
    assert predictive_probability(30, 40, 40, 0.6, 0.6, 0.4, 0.9).predictive_probability == 1.0
    assert predictive_probability(20, 40, 40, 0.6, 0.6, 0.4, 0.9).predictive_probability == 0.0


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), extra=st.integers(0, 20), p0=st.floats(0.05, 0.9))
def test_predictive_probability_grows_with_responses(n, extra, p0):
    nmax = n + extra
    values = [predictive_probability(x, n, nmax, p0, 1, 1, 0.9).predictive_probability for x in range(n + 1)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(values))


def _paths_oc(rate, nmax, lower, upper, final_success):
    """Independent operating characteristics: enumerate every response sequence of length nmax."""
    stop_low = stop_high = success = expected = 0.0
    for seq in itertools.product((0, 1), repeat=nmax):
        prob = 1.0
        for outcome in seq:
            prob *= rate if outcome else 1 - rate
        x = 0
        for n, outcome in enumerate(seq, start=1):
            x += outcome
            if n < nmax and lower.get(n) is not None and x <= lower[n]:
                stop_low += prob
                expected += prob * n
                break
            if n < nmax and upper.get(n) is not None and x >= upper[n]:
                stop_high += prob
                expected += prob * n
                break
        else:
            expected += prob * nmax
            success += prob * (final_success is not None and x >= final_success)
    return stop_low, stop_high, success, expected


def test_design_operating_characteristics_equal_path_enumeration():
    design = predictive_design(
        p0=0.2, p1=0.5, nmax=12, prior_a=0.5, prior_b=0.5, theta_t=0.9, theta_l=0.05, theta_u=0.99
    )
    lower = {b.patients: b.stop_futility_if_responses_at_most for b in design.boundaries}
    upper = {b.patients: b.stop_efficacy_if_responses_at_least for b in design.boundaries}
    assert any(v is not None for v in lower.values()) and any(v is not None for v in upper.values())
    for oc in (design.under_p0, design.under_p1):
        low, high, success, expected = _paths_oc(oc.rate, 12, lower, upper, design.success_if_responses_at_least)
        assert oc.prob_early_stop_futility == pytest.approx(low, abs=1e-12)
        assert oc.prob_early_stop_efficacy == pytest.approx(high, abs=1e-12)
        assert oc.prob_reject_h0 == pytest.approx(high + success, abs=1e-12)
        assert oc.expected_patients == pytest.approx(expected, abs=1e-10)
    assert design.type_i_error == design.under_p0.prob_reject_h0
    assert design.power == design.under_p1.prob_reject_h0 > design.type_i_error


def test_design_boundaries_follow_the_predictive_probability():
    design = predictive_design(0.6, 0.8, 40, 0.6, 0.4, theta_t=0.9, theta_l=0.05, theta_u=1.0, first_look=10)
    assert design.boundaries[0].patients == 10 and design.boundaries[-1].patients == 39
    for b in design.boundaries:
        assert b.stop_efficacy_if_responses_at_least is None  # theta_U = 1: never stop for efficacy
        r = b.stop_futility_if_responses_at_most
        if r is not None:
            assert predictive_probability(r, b.patients, 40, 0.6, 0.6, 0.4, 0.9).predictive_probability < 0.05
        if r is None or r + 1 <= b.patients:
            nxt = 0 if r is None else r + 1
            assert predictive_probability(nxt, b.patients, 40, 0.6, 0.6, 0.4, 0.9).predictive_probability >= 0.05
    # the final rule: P(p > 0.6 | x of 40) > 0.9, with a Beta(0.6, 0.4) prior
    x = design.success_if_responses_at_least
    assert stats.beta.sf(0.6, 0.6 + x, 0.4 + 40 - x) > 0.9 >= stats.beta.sf(0.6, 0.6 + x - 1, 0.4 + 41 - x)
    assert design.under_p0.prob_early_stop_efficacy == 0.0


def test_toxicity_boundary_by_hand():
    # Beta(1, 1) prior, stop if P(rate > 0.3 | data) > 0.8. R: 1 - pbeta(0.3, 2, 1) = 0.91 (n=1, t=1);
    # 1 - pbeta(0.3, 2, 3) = 0.6517 and 1 - pbeta(0.3, 3, 2) = 0.9163 (n=3, t=1 and t=2).
    rule = toxicity_rule(limit=0.3, threshold=0.8, prior_a=1, prior_b=1, nmax=30, true_rates=[0.1, 0.3, 0.5])
    bounds = {b.patients: b.stop_if_toxicities_at_least for b in rule.boundaries}
    assert bounds[1] == 1
    assert bounds[3] == 2
    values = [bounds[n] for n in range(1, 31)]
    assert all(a <= b for a, b in itertools.pairwise(values))
    probs = [oc.prob_stop for oc in rule.operating_characteristics]
    assert probs == sorted(probs)  # a more toxic regimen is stopped more often


def test_toxicity_stopping_probability_equals_path_enumeration():
    rule = toxicity_rule(limit=0.25, threshold=0.7, prior_a=0.5, prior_b=1.5, nmax=10, true_rates=[0.1, 0.25, 0.4])
    bounds = {b.patients: b.stop_if_toxicities_at_least for b in rule.boundaries}
    for oc in rule.operating_characteristics:
        stopped = expected = 0.0
        for seq in itertools.product((0, 1), repeat=10):
            prob = 1.0
            for outcome in seq:
                prob *= oc.rate if outcome else 1 - oc.rate
            t = 0
            for n, outcome in enumerate(seq, start=1):
                t += outcome
                if bounds[n] is not None and t >= bounds[n]:
                    stopped += prob
                    expected += prob * n
                    break
            else:
                expected += prob * 10
        assert oc.prob_stop == pytest.approx(stopped, abs=1e-12)
        assert oc.expected_patients == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: predictive_probability(30, 23, 40, 0.6, 0.6, 0.4, 0.9), "responses"),
        (lambda: predictive_probability(3, 50, 40, 0.6, 0.6, 0.4, 0.9), "patients"),
        (lambda: predictive_probability(3, 5, 40, 0.6, -1, 0.4, 0.9), "prior_a"),
        (lambda: predictive_probability(3, 5, 40, 0.6, 0.6, 0.4, 1.2), "theta_t"),
        (lambda: predictive_probability(3, 5, 40, 0.6, 0.6, 0.4, 0.9, theta_l=0.5, theta_u=0.2), "theta_u"),
        (lambda: predictive_design(0.8, 0.6, 40, 1, 1, 0.9, 0.05), "p1"),
        (lambda: predictive_design(0.2, 0.4, 40, 1, 1, 0.9, 0.05, first_look=40), "first_look"),
        (lambda: toxicity_rule(0.3, 0.8, 1, 1, 0), "nmax"),
        (lambda: toxicity_rule(1.3, 0.8, 1, 1, 10), "limit"),
        (lambda: toxicity_rule(0.3, 0.8, 1, 1, 10, [1.5]), "true_rate"),
    ],
)
def test_it_rejects_bad_input(call, field):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field
