"""Kaplan-Meier survival with R's confidence bands and median rules, and the log-rank test.

The event table (numbers at risk, events, censored per distinct time) comes from lifelines
(``survival_table_from_events``); S(t) is the product-limit over it in R's order of operations; the confidence bands
are R ``survival::survfit``'s three types (``log`` default, ``log-log``, ``plain``) built from the
Greenwood variance of the cumulative hazard, and the median with its confidence interval follows
R's ``quantile.survfit`` to the letter (survival 3.5, functions ``survfit_confint``, ``doquant``,
``findq``):

* the median is the smallest time at which S(t) <= 0.5; when S(t) equals 0.5 (within
  ``sqrt(.Machine$double.eps)``) over an interval, it is the midpoint of that interval, and when S(t)
  stays at 0.5 to the end of follow-up, the midpoint between that time and the last time observed;
* its confidence limits are the times at which the lower and upper confidence curves cross 0.5, with
  the same rules; a limit never reached (R prints NA) is ``None``.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
1958;53:457-481. doi:10.1080/01621459.1958.10501452.
Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics 1982;38:29-41.
doi:10.2307/2530286.
Therneau TM. A Package for Survival Analysis in R, version 3.5 (``survfit``, ``quantile.survfit``).
Mantel N. Evaluation of survival data and two new rank order statistics arising in its consideration.
Cancer Chemother Rep 1966;50:163-170 (log-rank; R ``survdiff(rho=0)``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import survival_table_from_events
from pydantic import BaseModel, ConfigDict
from scipy import stats

from haictrial.errors import InputError
from haictrial.stats.binomial import check_level
from haictrial.stats.contract import plain, time_value
from haictrial.stats.options import ConfType

#: R's ``quantile.survfit`` tolerance: ``sqrt(.Machine$double.eps)``.
R_TOLERANCE = math.sqrt(np.finfo(float).eps)


class KaplanMeierRow(BaseModel):
    """One distinct observed time: numbers at risk, events and censored, S(t) and its band.

    ``std_err`` is R's ``std.err``: the Greenwood standard error of the cumulative hazard
    (of log S). A bound R reports as NA is ``None``.
    """

    model_config = ConfigDict(frozen=True)

    time: float
    n_risk: int
    n_event: int
    n_censor: int
    survival: float
    std_err: float | None
    lower: float | None
    upper: float | None


class SurvivalAt(BaseModel):
    """S(t) at a requested time, as R ``summary(fit, times=t, extend=TRUE)``."""

    model_config = ConfigDict(frozen=True)

    time: float
    n_risk: int
    survival: float
    lower: float | None
    upper: float | None


class KaplanMeierResult(BaseModel):
    """A Kaplan-Meier curve with its median, the median's confidence interval and the full table."""

    model_config = ConfigDict(frozen=True)

    n: int
    events: int
    conf_type: ConfType
    level: float
    median: float | None
    median_ci: tuple[float | None, float | None]
    table: list[KaplanMeierRow]

    def survival_at(self, t: float) -> tuple[float, float | None, float | None]:
        """``(S(t), lower, upper)``: the step function at ``t`` (1 before the first time)."""
        row = self.at(t)
        return row.survival, row.lower, row.upper

    def at(self, t: float) -> SurvivalAt:
        """S(t), its confidence limits and the number at risk at ``t``.

        As R ``summary(fit, times=t, extend=TRUE)``: the values of the last distinct time <= t, the
        number at risk is the number of subjects whose time is >= t.
        """
        if not isinstance(t, int | float) or math.isnan(t) or t < 0:
            raise InputError(f"must be a time >= 0 (got {t!r})", field="at")
        times = np.array([row.time for row in self.table])
        index = int(np.searchsorted(times, t, side="right")) - 1
        risk_index = int(np.searchsorted(times, t, side="left"))
        n_risk = self.table[risk_index].n_risk if risk_index < len(self.table) else 0
        if index < 0:
            lower, upper = _confint(np.array([1.0]), np.array([0.0]), self.conf_type, self.level)
            return SurvivalAt(time=t, n_risk=n_risk, survival=1.0, lower=_na(lower[0]), upper=_na(upper[0]))
        row = self.table[index]
        return SurvivalAt(time=t, n_risk=n_risk, survival=row.survival, lower=row.lower, upper=row.upper)


class LogRankResult(BaseModel):
    """The log-rank test of equal survival across groups (R ``survdiff``, rho = 0)."""

    model_config = ConfigDict(frozen=True)

    chisq: float
    df: int
    p: float


class GroupCurve(BaseModel):
    """The Kaplan-Meier curve of one group; ``group`` is the grouping column's value (None: everyone)."""

    model_config = ConfigDict(frozen=True)

    group: Any
    curve: KaplanMeierResult


class GroupedSurvival(BaseModel):
    """One curve per group, in sorted group order, and the log-rank test when there are several groups."""

    model_config = ConfigDict(frozen=True)

    groups: list[GroupCurve]
    logrank: LogRankResult | None

    def as_contract(self, at: Sequence[float] = ()) -> dict[str, Any]:
        """The ``survival km`` document (docs/contracts/stats.md): per group n, events, the median and its CI
        (whole times as integers, a limit never reached null) and, for each time in ``at``, S(t) with its band."""
        entries = []
        for g in self.groups:
            curve = g.curve
            entry: dict[str, Any] = {
                "group": plain(g.group),
                "n": curve.n,
                "events": curve.events,
                "median": time_value(curve.median),
                "median_ci": [time_value(curve.median_ci[0]), time_value(curve.median_ci[1])],
            }
            if at:
                entry["at"] = [
                    {
                        "time": time_value(row.time),
                        "n_risk": row.n_risk,
                        "survival": row.survival,
                        "lower": row.lower,
                        "upper": row.upper,
                    }
                    for row in (curve.at(t) for t in at)
                ]
            entries.append(entry)
        first = self.groups[0].curve
        return {
            "conf_type": first.conf_type.value,
            "level": first.level,
            "groups": entries,
            "logrank": None if self.logrank is None else self.logrank.model_dump(),
        }


def _na(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def check_survival_data(times: Any, events: Any, *, time_field: str = "time", event_field: str = "event"):
    """Times as finite non-negative floats and events as 0/1 integers, or an error naming the column."""
    t = np.asarray(times)
    e = np.asarray(events)
    if t.ndim != 1 or e.ndim != 1 or len(t) != len(e):
        raise InputError("times and events must be two lists of the same length", field=time_field)
    if len(t) == 0:
        raise InputError("no observations", field=time_field)
    try:
        t = t.astype(float)
    except (TypeError, ValueError):
        raise InputError("times must be numbers", field=time_field) from None
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise InputError(f"missing or non-finite time in row {bad[0] + 1}", field=time_field)
    bad = np.flatnonzero(t < 0)
    if bad.size:
        raise InputError(f"negative time in row {bad[0] + 1} (got {t[bad[0]]:g})", field=time_field)
    try:
        ef = e.astype(float)
    except (TypeError, ValueError):
        raise InputError("event must be 1 (event) or 0 (censored)", field=event_field) from None
    bad = np.flatnonzero(~np.isin(ef, (0.0, 1.0)))
    if bad.size:
        raise InputError(
            f"event must be 1 (event) or 0 (censored); row {bad[0] + 1} has {e[bad[0]]!r}", field=event_field
        )
    return t, ef.astype(int)


def _confint(surv: np.ndarray, se: np.ndarray, conf_type: ConfType, level: float) -> tuple[np.ndarray, np.ndarray]:
    """R ``survfit_confint(p, se, logse=TRUE, conf.type, conf.int)``; NA as NaN."""
    z = stats.norm.ppf(1.0 - (1.0 - level) / 2.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if conf_type is ConfType.plain:
            se2 = se * surv * z
            return np.maximum(surv - se2, 0.0), np.minimum(surv + se2, 1.0)
        if conf_type is ConfType.log:
            xx = np.where(surv == 0, np.nan, surv)
            se2 = z * se
            return np.exp(np.log(xx) - se2), np.minimum(np.exp(np.log(xx) + se2), 1.0)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * se / np.log(xx)
        loglog = np.log(-np.log(xx))
        return np.exp(-np.exp(loglog - se2)), np.exp(-np.exp(loglog + se2))


def _approx_constant_right(xs: np.ndarray, ys: np.ndarray, v: float) -> float:
    """R ``approx(xs, ys, v, method="constant", f=1, rule=1)`` with its NA removal and sorting."""
    keep = ~np.isnan(xs)
    xs, ys = xs[keep], ys[keep]
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    if xs.size == 0 or v < xs[0] or v > xs[-1]:
        return math.nan
    return float(ys[int(np.searchsorted(xs, v, side="left"))])


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = R_TOLERANCE) -> float:
    """R survival's internal ``findq``: the time at which the cumulative curve ``y`` reaches ``p``."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return math.nan
    xmax = x[-1]
    # duplicated(y): keep the first of equal values (NA counts as equal to NA).
    seen: set[float] = set()
    keep = np.zeros(len(y), dtype=bool)
    for i, value in enumerate(y):
        key = math.inf if math.isnan(value) else float(value)
        if key not in seen:
            seen.add(key)
            keep[i] = True
    x, y = x[keep], y[keep]
    index = np.arange(1, len(y) + 1, dtype=float)
    i1 = _approx_constant_right(y + tol, index, p)
    i2 = _approx_constant_right(y - tol, index, p)
    x1 = math.nan if math.isnan(i1) else float(x[int(i1) - 1])
    x2 = math.nan if math.isnan(i2) else float(x[int(i2) - 1])
    quant = (x1 + x2) / 2.0
    if p == 0:
        quant = float(x[0])
    if not math.isnan(y[-1]) and abs(p - y[-1]) < tol:
        quant = (x1 + xmax) / 2.0
    return quant


def _quantile(times: np.ndarray, curve: np.ndarray, p: float) -> float:
    """R ``doquant``: the p-quantile of a survival-type curve starting at time 0."""
    return _findq(np.concatenate([[0.0], times]), np.concatenate([[0.0], 1.0 - curve]), p)


def kaplan_meier(
    times: Sequence[float] | np.ndarray,
    events: Sequence[int] | np.ndarray,
    conf_type: ConfType | str = ConfType.log,
    level: float = 0.95,
) -> KaplanMeierResult:
    """Kaplan-Meier estimate with R ``survfit``'s confidence band, median and median confidence interval.

    ``events``: 1 = event, 0 = censored. ``conf_type``: "log" (R's default), "log-log" or "plain".
    Reproduces ``quantile(survfit(Surv(time, event) ~ 1, conf.type=..., conf.int=level), 0.5)``
    exactly, including R's rules for flat stretches at S = 0.5 (see the module docstring).

    References
    ----------
    Kaplan and Meier, J Am Stat Assoc 1958;53:457-481. doi:10.1080/01621459.1958.10501452.
    Brookmeyer and Crowley, Biometrics 1982;38:29-41. doi:10.2307/2530286.
    Therneau, survival 3.5 for R: ``survfit``, ``survfit_confint``, ``quantile.survfit``.
    """
    t, e = check_survival_data(times, events)
    level = check_level(level)
    try:
        conf_type = ConfType(conf_type)
    except ValueError:
        raise InputError(
            f"unknown confidence type {conf_type!r} (use log, log-log or plain)", field="conf_type"
        ) from None

    table = survival_table_from_events(t, e)
    table = table[table["removed"] > 0]  # lifelines adds an empty row at time 0
    time_points = table.index.to_numpy(dtype=float)
    n_risk = table["at_risk"].to_numpy(dtype=float)
    n_event = table["observed"].to_numpy(dtype=float)
    # R's survfitkm.c: km *= (nrisk - d) / nrisk, in time order. The same floating-point steps as R, so that
    # S(t) = 0.5 exactly where R has it (lifelines' exp(cumsum(log)) can land one ulp off and move the median).
    surv = np.cumprod((n_risk - n_event) / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0))
    se = np.sqrt(greenwood)
    lower, upper = _confint(surv, se, conf_type, level)

    rows = [
        KaplanMeierRow(
            time=float(time_points[i]),
            n_risk=int(n_risk[i]),
            n_event=int(n_event[i]),
            n_censor=int(table["censored"].iloc[i]),
            survival=float(surv[i]),
            std_err=None if math.isinf(se[i]) else float(se[i]),
            lower=_na(lower[i]),
            upper=_na(upper[i]),
        )
        for i in range(len(time_points))
    ]
    median = _quantile(time_points, surv, 0.5)
    median_lower = _quantile(time_points, lower, 0.5)
    median_upper = _quantile(time_points, upper, 0.5)
    return KaplanMeierResult(
        n=len(t),
        events=int(e.sum()),
        conf_type=conf_type,
        level=level,
        median=_na(median),
        median_ci=(_na(median_lower), _na(median_upper)),
        table=rows,
    )


def logrank(
    times: Sequence[float] | np.ndarray, events: Sequence[int] | np.ndarray, groups: Sequence[Any] | np.ndarray
) -> LogRankResult:
    """The log-rank test of equal survival in two or more groups (chi-square on groups - 1 df).

    Identical to R's ``survdiff(Surv(time, event) ~ group)`` (rho = 0); computed by lifelines'
    ``multivariate_logrank_test``.

    References
    ----------
    Mantel N. Cancer Chemother Rep 1966;50:163-170. Peto R, Peto J. Asymptotically efficient rank
    invariant test procedures. J R Stat Soc A 1972;135:185-207. doi:10.2307/2344317.
    """
    t, e = check_survival_data(times, events)
    g = np.asarray(groups, dtype=object)
    if len(g) != len(t):
        raise InputError("groups must have one value per observation", field="group")
    if any(value is None or (isinstance(value, float) and math.isnan(value)) for value in g):
        raise InputError("missing group value", field="group")
    levels = sorted(set(g.tolist()), key=_sort_key)
    if len(levels) < 2:
        raise InputError("the log-rank test needs at least two groups", field="group")
    if e.sum() == 0:
        raise InputError("the log-rank test needs at least one event", field="event")
    codes = np.array([levels.index(value) for value in g])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = multivariate_logrank_test(t, codes, e)
    return LogRankResult(chisq=float(result.test_statistic), df=int(result.degrees_of_freedom), p=float(result.p_value))


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before strings, each in natural order (R's factor levels are sorted the same way)."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def kaplan_meier_by_group(
    times: Sequence[float] | np.ndarray,
    events: Sequence[int] | np.ndarray,
    groups: Sequence[Any] | np.ndarray | None = None,
    conf_type: ConfType | str = ConfType.log,
    level: float = 0.95,
) -> GroupedSurvival:
    """One Kaplan-Meier curve per group (sorted) and the log-rank test across them.

    Without ``groups``, one curve for everyone (``group`` None) and no test, as R's
    ``survfit(Surv(time, event) ~ 1)``; with them, as ``survfit(... ~ group)`` and ``survdiff``.
    """
    t, e = check_survival_data(times, events)
    if groups is None:
        return GroupedSurvival(
            groups=[GroupCurve(group=None, curve=kaplan_meier(t, e, conf_type, level))], logrank=None
        )
    g = np.asarray(groups, dtype=object)
    if len(g) != len(t):
        raise InputError("groups must have one value per observation", field="group")
    missing = [i for i, value in enumerate(g) if value is None or (isinstance(value, float) and math.isnan(value))]
    if missing:
        raise InputError(f"missing group value in row {missing[0] + 1}", field="group")
    levels = sorted(set(g.tolist()), key=_sort_key)
    curves = [
        GroupCurve(group=level_value, curve=kaplan_meier(t[g == level_value], e[g == level_value], conf_type, level))
        for level_value in levels
    ]
    test = logrank(t, e, g) if len(levels) >= 2 and e.sum() > 0 else None
    return GroupedSurvival(groups=curves, logrank=test)
