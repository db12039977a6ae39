"""Survival results: OS, PFS and RFS (medians, 1-, 3- and 5-year rates), the landmark comparison of
converted versus not converted patients, and the Cox model of the prespecified factors.

Every estimate comes from :mod:`haictrial.stats.survival` (Kaplan-Meier with R's log confidence band
and median rules, the log-rank test); times are in days, rates at 365.25-day years.

Landmark analysis
-----------------
Conversion (R0 resection) happens months after enrolment, so comparing the survival of converted and
not converted patients from enrolment credits the converted group with the time they had to survive
to be resected (guarantee-time or immortal-time bias). The comparison is therefore made from a
landmark: :data:`LANDMARK_DAYS` (6 months) after enrolment, among the patients alive and still
followed at the landmark, classified by whether they had an R0 resection before it; survival is
counted from the landmark. Six months is when most conversions have happened (the protocol images
every two 3-week cycles and the MDT reviews resectability from the second assessment, about 12-18
weeks), while few patients have died yet. Resections after the landmark stay in the not-converted
group (intention to treat at the landmark); their number is reported.

References
----------
Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response. J Clin Oncol 1983;1:710-719,
doi:10.1200/JCO.1983.1.11.710 (landmark method).
Giobbie-Hurder A, Gelber RD, Regan MM. Challenges of guarantee-time bias. J Clin Oncol
2013;31:2963-2969, doi:10.1200/JCO.2012.47.3327.
Protocol endpoints ``os``, ``pfs`` and ``rfs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from haictrial.reports.i18n import _
from haictrial.reports.summaries import DAYS_PER_MONTH, DAYS_PER_YEAR
from haictrial.stats.survival import KaplanMeierResult, kaplan_meier, logrank

RATE_YEARS = (1, 3, 5)
LANDMARK_DAYS = 183  # 6 months: see the module docstring
ENDPOINT_TITLES = {
    "OS": "Overall survival",
    "PFS": "Progression-free survival",
    "RFS": "Recurrence-free survival (after R0/R1 resection)",
}


def km_summary(curve: KaplanMeierResult) -> dict[str, Any]:
    """n, events, median with its CI and the 1-, 3- and 5-year rates of one curve (days)."""
    rates: dict[str, dict[str, Any]] = {}
    last_time = curve.table[-1].time if curve.table else 0.0
    for years in RATE_YEARS:
        t = years * DAYS_PER_YEAR
        if t > last_time:
            rates[f"{years}y"] = {"estimate": None, "lower": None, "upper": None, "note": _("beyond follow-up")}
            continue
        survival, lower, upper = curve.survival_at(t)
        rates[f"{years}y"] = {"estimate": survival, "lower": lower, "upper": upper}
    return {
        "n": curve.n,
        "events": curve.events,
        "median_days": curve.median,
        "median_ci_days": list(curve.median_ci),
        "rates": rates,
    }


def _curve(frame: pd.DataFrame) -> KaplanMeierResult | None:
    if frame.empty:
        return None
    return kaplan_meier(frame["time_days"].to_numpy(float), frame["event"].to_numpy(int), conf_type="log")


def survival(adtte: pd.DataFrame) -> tuple[dict[str, Any], dict[str, KaplanMeierResult]]:
    """The summary of each endpoint, and the curves (for the figures)."""
    results: dict[str, Any] = {}
    curves: dict[str, KaplanMeierResult] = {}
    for endpoint in ENDPOINT_TITLES:
        curve = _curve(adtte[adtte["endpoint"] == endpoint])
        if curve is None:
            note = _("no patient had an R0/R1 resection") if endpoint == "RFS" else _("no enrolled patient")
            results[endpoint] = {
                "n": 0,
                "events": 0,
                "median_days": None,
                "median_ci_days": [None, None],
                "rates": {},
                "note": note,
            }
            continue
        curves[endpoint] = curve
        results[endpoint] = km_summary(curve)
        if curve.events == 0:
            results[endpoint]["note"] = _("no events yet: the median is not reached")
    return results, curves


def landmark(
    adsl: pd.DataFrame, adtte: pd.DataFrame, landmark_days: int = LANDMARK_DAYS
) -> tuple[dict[str, Any], dict[str, KaplanMeierResult]]:
    """OS from the landmark of patients alive and followed at it, converted (R0 before it) or not."""
    os_ = adtte[adtte["endpoint"] == "OS"].merge(
        adsl[["subject_id", "enrolment_date", "resection_date", "converted"]], on="subject_id"
    )
    at_risk = os_[os_["time_days"] > landmark_days].copy()
    days_to_resection = (at_risk["resection_date"] - at_risk["enrolment_date"]).dt.days
    at_risk["group"] = np.where(
        at_risk["converted"] & (days_to_resection <= landmark_days), "converted", "not_converted"
    )
    at_risk["time_days"] = at_risk["time_days"] - landmark_days
    later = int((os_["converted"] & ((os_["resection_date"] - os_["enrolment_date"]).dt.days > landmark_days)).sum())
    out: dict[str, Any] = {
        "landmark_days": landmark_days,
        "rationale": _(
            "Patients are classed by an R0 resection before the landmark and followed from it; comparing from "
            "enrolment would credit resected patients with the time they had to survive to be resected "
            "(guarantee-time bias)."
        ),
        "enrolled": int(len(os_)),
        "excluded_before_landmark": int(len(os_) - len(at_risk)),
        "at_risk": int(len(at_risk)),
        "converted_after_landmark": later,
        "groups": {},
        "logrank": None,
    }
    curves = {}
    for group in ("converted", "not_converted"):
        frame = at_risk[at_risk["group"] == group]
        curve = _curve(frame)
        if curve is None:
            out["groups"][group] = {
                "n": 0,
                "events": 0,
                "median_days": None,
                "median_ci_days": [None, None],
                "rates": {},
                "note": _("nobody of this group alive and followed at the landmark"),
            }
            continue
        curves[group] = curve
        out["groups"][group] = km_summary(curve)
    if len(curves) == 2 and at_risk["event"].sum() > 0:
        test = logrank(
            at_risk["time_days"].to_numpy(float), at_risk["event"].to_numpy(int), at_risk["group"].to_numpy()
        )
        out["logrank"] = {"chisq": test.chisq, "df": test.df, "p": test.p}
    else:
        out["note"] = _("not compared: needs patients in both groups and at least one death after the landmark")
    return out, curves


def _fmt_days(value: float | None) -> str:
    if value is None:
        return _("not reached")
    return f"{value:.0f} d ({value / DAYS_PER_MONTH:.1f} mo)"


def _fmt_rate(rate: dict[str, Any] | None) -> str:
    if not rate or rate.get("estimate") is None:
        return "—"
    lower = "NA" if rate["lower"] is None else f"{100 * rate['lower']:.1f}"
    upper = "NA" if rate["upper"] is None else f"{100 * rate['upper']:.1f}"
    return f"{100 * rate['estimate']:.1f} % ({lower}-{upper})"


def survival_table(rows: list[tuple[str, dict[str, Any]]]) -> pd.DataFrame:
    """Median and rates per curve: label, n, events, median (95 % CI), 1-, 3-, 5-year rates."""
    out = []
    for label, s in rows:
        lo, hi = s["median_ci_days"]
        ci = f"{_fmt_days(lo) if lo is not None else 'NA'} - {_fmt_days(hi) if hi is not None else 'NA'}"
        out.append(
            {
                _("Endpoint"): label,
                "n": s["n"],
                _("Events"): s["events"],
                _("Median"): _fmt_days(s["median_days"]) if s["n"] else "—",
                _("Median 95 % CI"): ci if s["n"] else "—",
            }
            | {_("{y}-year rate (95 % CI)").format(y=y): _fmt_rate(s["rates"].get(f"{y}y")) for y in RATE_YEARS}
        )
    return pd.DataFrame(out)


def survival_tables(result: dict[str, Any], landmark_result: dict[str, Any]) -> dict[str, pd.DataFrame]:
    rows = [(_(ENDPOINT_TITLES[k]), v) for k, v in result.items()]
    lm = [
        (_("Converted (R0 before the landmark)"), landmark_result["groups"]["converted"]),
        (_("Not converted"), landmark_result["groups"]["not_converted"]),
    ]
    return {"survival": survival_table(rows), "landmark": survival_table(lm)}
