"""Accrual: patients enrolled over time against the registered target and completion date.

The projection assumes the mean monthly rate since the registered start date goes on unchanged; it
is a monitoring aid, not a forecast model.

References
----------
ClinicalTrials.gov record NCT06988852 (protocol ``registry``): target enrolment 300, start date,
(primary) completion date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from haictrial.protocol.schema import Protocol
from haictrial.reports.i18n import _
from haictrial.reports.patient_plots import new_figure, set_title
from haictrial.reports.summaries import DAYS_PER_MONTH

MAX_PROJECTION_YEARS = 100


def accrual(adsl: pd.DataFrame, protocol: Protocol, cutoff: dt.date) -> dict[str, Any]:
    """Enrolled to date, monthly counts, the rate since the start date and the projected date of the target."""
    reg = protocol.registry
    target = reg.target_enrollment
    enrolled = int(len(adsl))
    start = pd.Timestamp(reg.start_date)
    months = max((pd.Timestamp(cutoff) - start).days / DAYS_PER_MONTH, 0.0)
    rate = enrolled / months if months > 0 else None
    projected: dt.date | None = None
    if enrolled >= target:
        projected = adsl["enrolment_date"].sort_values().iloc[target - 1].date()
    elif rate:
        days = target / rate * DAYS_PER_MONTH
        if days < MAX_PROJECTION_YEARS * 365.25:
            projected = reg.start_date + dt.timedelta(days=round(days))
    deadline = reg.primary_completion_date or reg.completion_date
    on_track = None if projected is None else projected <= deadline
    if projected is None and rate:
        on_track = False  # at this rate the target is more than a century away
    monthly = adsl["enrolment_date"].dt.to_period("M").value_counts().sort_index()
    return {
        "target": target,
        "enrolled": enrolled,
        "percent_of_target": 100.0 * enrolled / target,
        "start_date": reg.start_date.isoformat(),
        "completion_date": reg.completion_date.isoformat(),
        "primary_completion_date": None
        if reg.primary_completion_date is None
        else reg.primary_completion_date.isoformat(),
        "first_enrolment": None if not enrolled else adsl["enrolment_date"].min().date().isoformat(),
        "last_enrolment": None if not enrolled else adsl["enrolment_date"].max().date().isoformat(),
        "months_since_start": round(months, 1),
        "rate_per_month": rate,
        "projected_target_date": None if projected is None else projected.isoformat(),
        "on_track": on_track,
        "by_month": {str(period): int(count) for period, count in monthly.items()},
        "by_site": {str(k): int(v) for k, v in adsl["site"].value_counts().sort_index().items()},
    }


def accrual_table(result: dict[str, Any]) -> pd.DataFrame:
    rate = result["rate_per_month"]
    rows = [
        (_("Enrolled"), f"{result['enrolled']} / {result['target']} ({result['percent_of_target']:.1f} %)"),
        (_("Registered start date"), result["start_date"]),
        (_("Registered completion date"), result["completion_date"]),
        (_("First and last enrolment"), f"{result['first_enrolment'] or '—'} to {result['last_enrolment'] or '—'}"),
        (_("Mean accrual since the start date, patients per month"), "—" if rate is None else f"{rate:.2f}"),
        (
            _("Projected date of the target enrolment at that rate"),
            result["projected_target_date"] or _("not estimable"),
        ),
        (
            _("Target reached by the completion date at that rate"),
            "—" if result["on_track"] is None else (_("yes") if result["on_track"] else _("no")),
        ),
    ]
    rows += [(_("Enrolled at site {site}").format(site=k), str(v)) for k, v in result["by_site"].items()]
    return pd.DataFrame(rows, columns=[_("Measure"), _("Value")])


def accrual_figure(adsl: pd.DataFrame, result: dict[str, Any]) -> Figure:
    """Cumulative enrolment, the target line, uniform accrual to the completion date and the projection."""
    fig = new_figure(8.0, 4.5)
    ax = fig.add_subplot()
    start = float(date2num(pd.Timestamp(result["start_date"])))
    completion = float(date2num(pd.Timestamp(result["completion_date"])))
    target = result["target"]
    dates = adsl["enrolment_date"].sort_values()
    if len(dates):
        x = [start, *date2num(dates.tolist())]
        y = [0, *range(1, len(dates) + 1)]
        ax.step(x, y, where="post", color="tab:blue", label=_("Enrolled ({n})").format(n=len(dates)))
    ax.plot([start, completion], [0, target], ls=":", color="grey", label=_("Uniform accrual to the completion date"))
    if result["projected_target_date"] and result["enrolled"] < target and len(dates):
        ax.plot(
            date2num([dates.iloc[-1], pd.Timestamp(result["projected_target_date"])]),
            [len(dates), target],
            ls="--",
            color="tab:orange",
            label=_("Projection at the current rate"),
        )
    ax.axhline(target, color="black", lw=0.8)
    ax.text(start, target, _(" target {n}").format(n=target), va="bottom", fontsize=8)
    ax.axvline(completion, color="tab:red", lw=0.8)
    ax.text(completion, 0, _(" completion date"), rotation=90, va="bottom", ha="right", fontsize=8, color="tab:red")
    ax.set_ylabel(_("Patients enrolled"))
    ax.set_xlabel(_("Date"))
    ax.set_ylim(0, max(target, len(dates)) * 1.08)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    set_title(ax, _("Accrual"))
    ax.xaxis_date()
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
