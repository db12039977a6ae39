"""Bayesian monitoring of a single-arm trial: predictive-probability design and a toxicity stopping rule.

Both use the Beta-binomial model: a Beta(a, b) prior on the rate, Binomial responses (toxicities).
Operating characteristics are exact: the distribution of the number of responses among patients still
on study is carried forward patient by patient, removing the mass that meets a stopping boundary.

References
----------
Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials. Clin Trials
2008;5:93-106. doi:10.1177/1740774508089279.
Thall PF, Simon RM, Estey EH. Bayesian sequential monitoring designs for single-arm clinical trials
with multiple outcomes. Stat Med 1995;14:357-379. doi:10.1002/sim.4780140404.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats

from haictrial.errors import InputError
from haictrial.stats.binomial import check_probability

#: Largest number of patients a monitoring design may have (keeps every table small and exact).
NMAX_LIMIT = 2000


class Decision(StrEnum):
    """Decision at an interim look of the predictive-probability design (Lee and Liu 2008)."""

    stop_futility = "stop_futility"
    stop_efficacy = "stop_efficacy"
    continue_ = "continue"


class InterimLook(BaseModel):
    """The predictive probability of success at one interim look, and the decision it implies."""

    model_config = ConfigDict(frozen=True)

    responses: int
    patients: int
    nmax: int
    p0: float
    prior_a: float
    prior_b: float
    theta_t: float
    theta_l: float | None
    theta_u: float | None
    predictive_probability: float
    posterior_prob_above_p0: float
    decision: Decision | None

    def as_contract(self) -> dict[str, Any]:
        """The ``interim predictive`` document (docs/contracts/stats.md)."""
        return self.model_dump(mode="json")


class PredictiveBoundary(BaseModel):
    """Stopping boundary after ``patients`` patients (None: no count stops the trial there)."""

    model_config = ConfigDict(frozen=True)

    patients: int
    stop_futility_if_responses_at_most: int | None
    stop_efficacy_if_responses_at_least: int | None


class PredictiveOperatingCharacteristics(BaseModel):
    """Exact behaviour of the design when the true response rate is ``rate``."""

    model_config = ConfigDict(frozen=True)

    rate: float
    prob_early_stop_futility: float
    prob_early_stop_efficacy: float
    prob_early_stop: float
    prob_reject_h0: float
    expected_patients: float


class PredictiveDesign(BaseModel):
    """A predictive-probability design: boundaries per patient and its operating characteristics."""

    model_config = ConfigDict(frozen=True)

    p0: float
    p1: float
    nmax: int
    prior_a: float
    prior_b: float
    theta_t: float
    theta_l: float
    theta_u: float
    first_look: int
    success_if_responses_at_least: int | None
    boundaries: list[PredictiveBoundary]
    under_p0: PredictiveOperatingCharacteristics
    under_p1: PredictiveOperatingCharacteristics

    @property
    def type_i_error(self) -> float:
        return self.under_p0.prob_reject_h0

    @property
    def power(self) -> float:
        return self.under_p1.prob_reject_h0

    def as_contract(self) -> dict[str, Any]:
        """The ``design predictive`` document (docs/contracts/stats.md): the design with its type I error, power
        and probability of early stopping under p0."""
        doc = self.model_dump(mode="json")
        doc["type_i_error"] = self.type_i_error
        doc["power"] = self.power
        doc["prob_early_stop_p0"] = self.under_p0.prob_early_stop
        return doc


class ToxicityBoundary(BaseModel):
    """After ``patients`` patients, stop if toxicities >= ``stop_if_toxicities_at_least`` (None: cannot stop)."""

    model_config = ConfigDict(frozen=True)

    patients: int
    stop_if_toxicities_at_least: int | None


class ToxicityOperatingCharacteristics(BaseModel):
    """Exact probability that the rule stops the trial when the true toxicity rate is ``rate``."""

    model_config = ConfigDict(frozen=True)

    rate: float
    prob_stop: float
    expected_patients: float


class ToxicityRule(BaseModel):
    """Beta-binomial toxicity monitoring: stop when P(rate > limit | data) > threshold."""

    model_config = ConfigDict(frozen=True)

    limit: float
    threshold: float
    prior_a: float
    prior_b: float
    nmax: int
    first_look: int
    boundaries: list[ToxicityBoundary]
    operating_characteristics: list[ToxicityOperatingCharacteristics]

    def as_contract(self) -> dict[str, Any]:
        """The ``design toxicity`` document (docs/contracts/stats.md); each operating characteristic also names
        its rate ``true_rate``."""
        doc = self.model_dump(mode="json")
        for row in doc["operating_characteristics"]:
            row["true_rate"] = row["rate"]
        return doc


def _check_prior(a: float, b: float) -> None:
    for name, value in (("prior_a", a), ("prior_b", b)):
        if not isinstance(value, int | float) or math.isnan(value) or not 0 < value < math.inf:
            raise InputError(f"must be a positive number (got {value!r})", field=name)


def _check_patients(value: int, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise InputError(f"must be a whole number from {low} to {high} (got {value!r})", field=field)
    return int(value)


def _check_thresholds(theta_l: float | None, theta_u: float | None) -> None:
    if theta_l is not None:
        check_probability(theta_l, "theta_l", open_interval=False)
    if theta_u is not None:
        check_probability(theta_u, "theta_u", open_interval=False)
    if theta_l is not None and theta_u is not None and theta_l >= theta_u:
        raise InputError(f"must exceed theta_l (got theta_l={theta_l}, theta_u={theta_u})", field="theta_u")


def _predictive_probabilities(
    responses: np.ndarray, patients: int, nmax: int, p0: float, a: float, b: float, theta_t: float
) -> np.ndarray:
    """PP for each response count in ``responses`` after ``patients`` patients (vectorised)."""
    remaining = nmax - patients
    y = np.arange(remaining + 1)[None, :]
    x = responses[:, None]
    weights = stats.betabinom.pmf(y, remaining, a + x, b + patients - x)
    success = stats.beta.sf(p0, a + x + y, b + nmax - x - y) > theta_t
    # The Beta-binomial weights sum to 1 only up to rounding: keep PP a probability, so that theta_u = 1
    # (Lee and Liu's "no efficacy stop") can never be exceeded.
    return np.clip(np.sum(weights * success, axis=1), 0.0, 1.0)


def predictive_probability(
    responses: int,
    patients: int,
    nmax: int,
    p0: float,
    prior_a: float,
    prior_b: float,
    theta_t: float,
    theta_l: float | None = None,
    theta_u: float | None = None,
) -> InterimLook:
    """Predictive probability of trial success at an interim look (Lee and Liu 2008, section 2).

    With ``x`` responses in ``n`` patients and a Beta(a, b) prior, the ``m = nmax - n`` outcomes to come
    follow a Beta-binomial(m, a + x, b + n - x). The trial succeeds at the end if
    P(p > p0 | x + Y responses in nmax) > theta_t; PP is the predictive probability of that event.
    Decision: stop for futility if PP < theta_l, for efficacy if PP > theta_u, else continue; None when
    neither threshold is given.

    References
    ----------
    Lee JJ, Liu DD. Clin Trials 2008;5:93-106, equations (1)-(2). doi:10.1177/1740774508089279.
    """
    nmax = _check_patients(nmax, "nmax", 1, NMAX_LIMIT)
    patients = _check_patients(patients, "patients", 0, nmax)
    responses = _check_patients(responses, "responses", 0, patients)
    p0 = check_probability(p0, "p0")
    _check_prior(prior_a, prior_b)
    theta_t = check_probability(theta_t, "theta_t")
    _check_thresholds(theta_l, theta_u)
    pp = float(_predictive_probabilities(np.array([responses]), patients, nmax, p0, prior_a, prior_b, theta_t)[0])
    posterior = float(stats.beta.sf(p0, prior_a + responses, prior_b + patients - responses))
    decision: Decision | None = None
    if theta_l is not None or theta_u is not None:
        decision = Decision.continue_
        if theta_l is not None and pp < theta_l:
            decision = Decision.stop_futility
        elif theta_u is not None and pp > theta_u:
            decision = Decision.stop_efficacy
    return InterimLook(
        responses=responses,
        patients=patients,
        nmax=nmax,
        p0=p0,
        prior_a=float(prior_a),
        prior_b=float(prior_b),
        theta_t=theta_t,
        theta_l=theta_l,
        theta_u=theta_u,
        predictive_probability=pp,
        posterior_prob_above_p0=posterior,
        decision=decision,
    )


def _forward(
    rate: float,
    nmax: int,
    lower: Sequence[int | None],
    upper: Sequence[int | None],
    final_success: int | None,
    look_at_end: bool = False,
) -> tuple[float, float, float, float]:
    """Carry P(x responses, still on study) forward; return (P stop low, P stop high, P final success, EN).

    ``lower[n]`` / ``upper[n]``: after n patients, stop if x <= lower[n] / x >= upper[n]; the boundaries
    apply for n < nmax, and also at nmax when ``look_at_end``. ``final_success``: the count from which
    the trial succeeds at nmax (among trials still on study).
    """
    alive = np.zeros(nmax + 1)
    alive[0] = 1.0
    stop_low = stop_high = 0.0
    expected = 0.0
    for n in range(1, nmax + 1):
        expected += alive.sum()  # every trial still on study treats patient n
        moved = alive * (1.0 - rate)
        moved[1:] += alive[:-1] * rate
        alive = moved
        if n == nmax and not look_at_end:
            break
        low, high = lower[n], upper[n]
        if low is not None:
            stop_low += alive[: low + 1].sum()
            alive[: low + 1] = 0.0
        if high is not None:
            stop_high += alive[high:].sum()
            alive[high:] = 0.0
    success = 0.0 if final_success is None else float(alive[final_success:].sum())
    return stop_low, stop_high, success, expected


def predictive_design(
    p0: float,
    p1: float,
    nmax: int,
    prior_a: float,
    prior_b: float,
    theta_t: float,
    theta_l: float,
    theta_u: float = 1.0,
    first_look: int = 1,
) -> PredictiveDesign:
    """Boundaries and exact operating characteristics of a predictive-probability design.

    After each patient n (first_look <= n < nmax) the trial stops for futility when PP < theta_l and
    for efficacy when PP > theta_u (theta_u = 1: never, Lee and Liu's default). At nmax the regimen is
    declared active when P(p > p0 | data) > theta_t. Type I error is P(declared active | p0), power
    P(declared active | p1).

    References
    ----------
    Lee JJ, Liu DD. Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279.
    """
    p0 = check_probability(p0, "p0")
    p1 = check_probability(p1, "p1")
    if p0 >= p1:
        raise InputError(f"must be greater than p0 (got p0={p0}, p1={p1})", field="p1")
    nmax = _check_patients(nmax, "nmax", 2, NMAX_LIMIT)
    first_look = _check_patients(first_look, "first_look", 1, nmax - 1)
    _check_prior(prior_a, prior_b)
    theta_t = check_probability(theta_t, "theta_t")
    if theta_l is None or theta_u is None:
        raise InputError("the design needs both theta_l and theta_u", field="theta_l")
    _check_thresholds(theta_l, theta_u)

    lower: list[int | None] = [None] * (nmax + 1)
    upper: list[int | None] = [None] * (nmax + 1)
    boundaries = []
    for n in range(first_look, nmax):
        x = np.arange(n + 1)
        pp = _predictive_probabilities(x, n, nmax, p0, prior_a, prior_b, theta_t)
        futile = np.flatnonzero(pp < theta_l)
        effective = np.flatnonzero(pp > theta_u)
        lower[n] = int(futile.max()) if futile.size else None
        upper[n] = int(effective.min()) if effective.size else None
        boundaries.append(
            PredictiveBoundary(
                patients=n, stop_futility_if_responses_at_most=lower[n], stop_efficacy_if_responses_at_least=upper[n]
            )
        )
    final = np.arange(nmax + 1)
    success = np.flatnonzero(stats.beta.sf(p0, prior_a + final, prior_b + nmax - final) > theta_t)
    final_success = int(success.min()) if success.size else None

    def characteristics(rate: float) -> PredictiveOperatingCharacteristics:
        low, high, success_p, expected = _forward(rate, nmax, lower, upper, final_success)
        return PredictiveOperatingCharacteristics(
            rate=rate,
            prob_early_stop_futility=low,
            prob_early_stop_efficacy=high,
            prob_early_stop=low + high,
            prob_reject_h0=high + success_p,
            expected_patients=expected,
        )

    return PredictiveDesign(
        p0=p0,
        p1=p1,
        nmax=nmax,
        prior_a=float(prior_a),
        prior_b=float(prior_b),
        theta_t=theta_t,
        theta_l=float(theta_l),
        theta_u=float(theta_u),
        first_look=first_look,
        success_if_responses_at_least=final_success,
        boundaries=boundaries,
        under_p0=characteristics(p0),
        under_p1=characteristics(p1),
    )


def toxicity_rule(
    limit: float,
    threshold: float,
    prior_a: float,
    prior_b: float,
    nmax: int,
    true_rates: Sequence[float] = (),
    first_look: int = 1,
) -> ToxicityRule:
    """Beta-binomial toxicity stopping rule with its exact stopping probabilities.

    After n patients with t toxicities, the posterior is Beta(a + t, b + n - t); the trial stops as soon
    as P(rate > limit | t, n) > threshold, i.e. when t >= b_n, the smallest such t (None when even
    t = n does not qualify). ``true_rates`` get the exact probability that the rule stops the trial
    before or at nmax patients, and the expected number of patients treated.

    References
    ----------
    Thall PF, Simon RM, Estey EH. Stat Med 1995;14:357-379. doi:10.1002/sim.4780140404.
    """
    limit = check_probability(limit, "limit")
    threshold = check_probability(threshold, "threshold")
    _check_prior(prior_a, prior_b)
    nmax = _check_patients(nmax, "nmax", 1, NMAX_LIMIT)
    first_look = _check_patients(first_look, "first_look", 1, nmax)
    rates = [check_probability(rate, "true_rate", open_interval=False) for rate in true_rates]

    upper: list[int | None] = [None] * (nmax + 1)
    boundaries = []
    for n in range(first_look, nmax + 1):
        t = np.arange(n + 1)
        stop = np.flatnonzero(stats.beta.sf(limit, prior_a + t, prior_b + n - t) > threshold)
        upper[n] = int(stop.min()) if stop.size else None
        boundaries.append(ToxicityBoundary(patients=n, stop_if_toxicities_at_least=upper[n]))
    characteristics = []
    for rate in rates:
        _, stopped, _, expected = _forward(rate, nmax, [None] * (nmax + 1), upper, None, look_at_end=True)
        characteristics.append(
            ToxicityOperatingCharacteristics(rate=rate, prob_stop=stopped, expected_patients=expected)
        )
    return ToxicityRule(
        limit=limit,
        threshold=threshold,
        prior_a=float(prior_a),
        prior_b=float(prior_b),
        nmax=nmax,
        first_look=first_look,
        boundaries=boundaries,
        operating_characteristics=characteristics,
    )
