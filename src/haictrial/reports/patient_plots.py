"""Patient-level figures: waterfall of best percent change, spider plot, swimmer plot.

Figures are matplotlib :class:`~matplotlib.figure.Figure` objects made by :func:`new_figure` (no pyplot
state; an Agg canvas at the PNG resolution, laid out to fill it). Plots that draw one line per patient
show a capped number of patients (the first enrolled), and say so in their title, so that a large cohort
stays readable and quick to draw.

References
----------
RECIST 1.1 thresholds drawn as reference lines: PR at -30 %, PD at +20 % of the sum of diameters
(Eisenhauer EA et al., Eur J Cancer 2009;45:228-247, doi:10.1016/j.ejca.2008.10.026).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from haictrial.clinical.recist import OBJECTIVE_RESPONSES, PD_INCREASE_FRACTION, PR_DECREASE_FRACTION
from haictrial.reports.i18n import _
from haictrial.reports.summaries import DAYS_PER_MONTH

#: The reference lines, in percent: RECIST 1.1 section 4.3.1 (PR: -30 %; PD: +20 %).
PR_PERCENT = float(PR_DECREASE_FRACTION * 100)
PD_PERCENT = float(PD_INCREASE_FRACTION * 100)

RESPONSE_COLOURS = {
    "CR": "#1a7f37",
    "PR": "#56b36b",
    "SD": "#e0b000",
    "NON_CR_NON_PD": "#c9a227",
    "PD": "#cf222e",
    "NE": "#8c959f",
    "not assessed": "#d0d7de",
}
SPIDER_MAX_PATIENTS = 300
SWIMMER_MAX_PATIENTS = 40
#: Resolution of the PNG files (and of the figure itself, see :func:`new_figure`).
PNG_DPI = 110


def new_figure(width_in: float, height_in: float) -> Figure:
    """An empty figure at :data:`PNG_DPI` on its own Agg canvas.

    Laying the figure out (``tight_layout``) and saving the PNG then share one renderer, so matplotlib
    measures each text once, not once per pass (its text layout cache is per renderer and resolution).
    """
    fig = Figure(figsize=(width_in, height_in), dpi=PNG_DPI)
    FigureCanvasAgg(fig)
    return fig


def set_title(ax: Axes, text: str) -> None:
    """The axes title, just above the axes (its place when nothing is drawn above the axes, as here).

    Placed explicitly, matplotlib does not measure every tick label at each draw to find that place.
    """
    ax.set_title(text, y=1.0)


def empty_figure(title: str, message: str) -> Figure:
    """A figure that says there is nothing to draw, and why."""
    fig = new_figure(8.0, 2.5)
    ax = fig.add_subplot()
    ax.axis("off")
    set_title(ax, title)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, transform=ax.transAxes)
    fig.tight_layout()
    return fig


def _response_key(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "not assessed")


def waterfall_figure(adsl: pd.DataFrame) -> Figure:
    """Best percent change from baseline per patient, sorted, coloured by best overall response."""
    title = _("Best percent change of the sum of target-lesion diameters")
    data = adsl[adsl["best_percent_change"].notna()]
    if data.empty:
        return empty_figure(title, _("No patient has a measured response assessment."))
    data = data.assign(key=_response_key(data["best_overall_response"])).sort_values(
        "best_percent_change", ascending=False
    )
    values = data["best_percent_change"].to_numpy(dtype=float)
    colours = [RESPONSE_COLOURS[k] for k in data["key"]]
    x = np.arange(values.size)
    fig = new_figure(9.0, 4.5)
    ax = fig.add_subplot()
    if values.size <= 400:
        ax.bar(x, values, width=0.85, color=colours, linewidth=0)
    else:  # thousands of bars: one line collection draws in a fraction of the time
        ax.vlines(x, 0, values, colors=colours, linewidth=max(0.2, 300 / values.size), rasterized=True)
    ax.axhline(PD_PERCENT, ls="--", color="black", lw=0.7)
    ax.axhline(-PR_PERCENT, ls="--", color="black", lw=0.7)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlim(-1, values.size)
    ax.set_xticks([])
    ax.set_ylabel(_("Best change from baseline, %"))
    ax.set_xlabel(_("Patients (n = {n})").format(n=values.size))
    present = [k for k in RESPONSE_COLOURS if (data["key"] == k).any()]
    ax.legend(
        handles=[Patch(color=RESPONSE_COLOURS[k], label=k) for k in present],
        title=_("Best overall response"),
        fontsize=8,
        loc="upper right",
    )
    set_title(ax, title)
    fig.tight_layout()
    return fig


def spider_figure(adsl: pd.DataFrame, adrs: pd.DataFrame) -> Figure:
    """Percent change of the sum of diameters over time, one line per patient, coloured by best response."""
    title = _("Change of the sum of target-lesion diameters over time")
    measured = adrs[adrs["percent_change"].notna()]
    subjects = adsl.loc[adsl["subject_id"].isin(set(measured.loc[~measured["baseline"], "subject_id"]))]
    if subjects.empty:
        return empty_figure(title, _("No patient has a measured response assessment."))
    subjects = subjects.sort_values(["enrolment_date", "subject_id"])
    shown = subjects.head(SPIDER_MAX_PATIENTS)
    colour = dict(
        zip(
            shown["subject_id"],
            (RESPONSE_COLOURS[k] for k in _response_key(shown["best_overall_response"])),
            strict=True,
        )
    )
    points = measured[measured["subject_id"].isin(set(shown["subject_id"]))].sort_values(
        ["subject_id", "assessment_date"]
    )
    segments, colours = [], []
    for subject, group in points.groupby("subject_id", sort=False):
        weeks = group["study_day"].to_numpy(dtype=float) / 7.0
        change = group["percent_change"].to_numpy(dtype=float)
        segments.append(np.column_stack([weeks, change]))
        colours.append(colour[subject])
    fig = new_figure(9.0, 4.5)
    ax = fig.add_subplot()
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=0.9, alpha=0.8))
    every = np.concatenate(segments)
    ax.scatter(every[:, 0], every[:, 1], s=6, c="black", zorder=3, linewidths=0)
    ax.autoscale_view()
    ax.axhline(PD_PERCENT, ls="--", color="black", lw=0.7)
    ax.axhline(-PR_PERCENT, ls="--", color="black", lw=0.7)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel(_("Weeks from enrolment"))
    ax.set_ylabel(_("Change from baseline, %"))
    present = [k for k in RESPONSE_COLOURS if k in set(_response_key(shown["best_overall_response"]))]
    ax.legend(handles=[Patch(color=RESPONSE_COLOURS[k], label=k) for k in present], fontsize=8, loc="upper right")
    if len(subjects) > len(shown):
        title += " " + _("(first {shown} of {n} patients enrolled)").format(shown=len(shown), n=len(subjects))
    set_title(ax, title)
    fig.tight_layout()
    return fig


def swimmer_figure(adsl: pd.DataFrame, adrs: pd.DataFrame, adex: pd.DataFrame) -> Figure:
    """Each patient's course from enrolment: follow-up, HAIC cycles, first response, resection,
    progression, recurrence and death; an arrow marks a patient still in follow-up."""
    title = _("Course of each patient")
    if adsl.empty:
        return empty_figure(title, _("No patient is enrolled."))
    shown = adsl.sort_values(["enrolment_date", "subject_id"]).head(SWIMMER_MAX_PATIENTS).reset_index(drop=True)
    shown = shown.iloc[::-1].reset_index(drop=True)  # first enrolled at the top
    y = dict(zip(shown["subject_id"], range(len(shown)), strict=True))
    enrol = shown.set_index("subject_id")["enrolment_date"]

    def months(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
        rows = frame[frame[column].notna() & frame["subject_id"].isin(y)]
        days = (rows[column] - rows["subject_id"].map(enrol)).dt.days.to_numpy(dtype=float)
        return days / DAYS_PER_MONTH, rows["subject_id"].map(y).to_numpy(dtype=float)

    fig = new_figure(9.0, max(3.0, 0.22 * len(shown) + 1.6))
    ax = fig.add_subplot()
    follow, rows = months(shown, "last_contact_date")
    colours = [RESPONSE_COLOURS[k] for k in _response_key(shown["best_overall_response"])]
    ax.barh(rows, follow, height=0.6, color=colours, alpha=0.55, linewidth=0)
    cx, cy = months(adex, "cycle_date")
    ax.scatter(cx, cy, marker="|", s=30, color="black", linewidths=0.8, label=_("HAIC cycle"))
    responders = adrs[adrs["overall_response"].isin([r.value for r in OBJECTIVE_RESPONSES])].sort_values(
        "assessment_date"
    )
    rx, ry = months(responders.drop_duplicates("subject_id"), "assessment_date")
    ax.scatter(rx, ry, marker="^", s=28, color="#1a7f37", zorder=3, label=_("First CR/PR"))
    for margin, marker in (("R0", "*"), ("R1", "P"), ("R2", "X")):
        mx, my = months(shown[shown["resection_margin"] == margin], "resection_date")
        ax.scatter(
            mx, my, marker=marker, s=60, color="#0550ae", zorder=4, label=_("Resection {margin}").format(margin=margin)
        )
    for column, marker, colour, label in (
        ("progression_date", "x", "#cf222e", _("Progression")),
        ("recurrence_date", "D", "#bc4c00", _("Recurrence")),
        ("death_date", "s", "black", _("Death")),
    ):
        px, py = months(shown, column)
        ax.scatter(px, py, marker=marker, s=26, color=colour, zorder=4, label=label)
    ongoing = shown["status"] == "in_follow_up"
    ox, oy = months(shown[ongoing], "last_contact_date")
    ax.scatter(ox + 0.4, oy, marker=">", s=22, color="grey", zorder=4, label=_("In follow-up"))
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels(shown["subject_id"], fontsize=6)
    ax.set_xlabel(_("Months from enrolment"))
    handles, labels = ax.get_legend_handles_labels()
    keep = [(h, lab) for h, lab in zip(handles, labels, strict=True) if not _empty_handle(h)]
    handles = [h for h, _lab in keep] + [
        Line2D([], [], color=RESPONSE_COLOURS[k], lw=6, alpha=0.55, label=_("Bar: best response {k}").format(k=k))
        for k in RESPONSE_COLOURS
        if k in set(_response_key(shown["best_overall_response"]))
    ]
    ax.legend(handles=handles, fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    if len(adsl) > len(shown):
        title += " " + _("(first {shown} of {n} patients enrolled)").format(shown=len(shown), n=len(adsl))
    set_title(ax, title)
    fig.tight_layout()
    return fig


def _empty_handle(handle: object) -> bool:
    offsets = getattr(handle, "get_offsets", None)
    return offsets is not None and len(offsets()) == 0
