"""Kaplan-Meier figures with number-at-risk tables, and saving figures as PNG and SVG.

The curves are drawn from the tables of :class:`haictrial.stats.survival.KaplanMeierResult` (the same
numbers as the report's tables); the numbers at risk under the plot come from
:meth:`KaplanMeierResult.at`.

References
----------
Pocock SJ, Clayton TC, Altman DG. Survival plots of time-to-event outcomes in clinical trials.
Lancet 2002;359:1686-1689, doi:10.1016/S0140-6736(02)08594-X (numbers at risk under the plot,
censoring marks, follow-up cut where few remain at risk).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import rcParams
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from haictrial.reports.i18n import _
from haictrial.reports.patient_plots import PNG_DPI, empty_figure, new_figure, set_title
from haictrial.reports.summaries import DAYS_PER_MONTH
from haictrial.stats.survival import KaplanMeierResult

COLOURS = ("#0550ae", "#cf222e", "#1a7f37", "#8250df")
MAX_CENSOR_MARKS = 400  # beyond this the marks merge into a bar and hide the curve


def _step(curve: KaplanMeierResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = np.array([0.0] + [r.time for r in curve.table]) / DAYS_PER_MONTH
    s = np.array([1.0] + [r.survival for r in curve.table])
    lo = np.array([1.0] + [np.nan if r.lower is None else r.lower for r in curve.table])
    hi = np.array([1.0] + [np.nan if r.upper is None else r.upper for r in curve.table])
    return t, s, lo, hi


def km_figure(
    curves: list[tuple[str, KaplanMeierResult]], title: str, empty_message: str = "", xlabel: str = ""
) -> Figure:
    """Kaplan-Meier curves (with 95 % bands and censoring marks) and a number-at-risk table below."""
    if not curves:
        return empty_figure(title, empty_message or _("No patient to analyse."))
    horizon = max((c.table[-1].time for _label, c in curves if c.table), default=0.0) / DAYS_PER_MONTH
    step = 3 if horizon <= 24 else (6 if horizon <= 48 else 12)
    ticks = np.arange(0, max(horizon, 1e-9) + step, step)
    fig = new_figure(8.0, 4.6 + 0.25 * len(curves))
    grid = fig.add_gridspec(2, 1, height_ratios=[4, 0.45 + 0.3 * len(curves)])
    ax = fig.add_subplot(grid[0])
    for i, (label, curve) in enumerate(curves):
        colour = COLOURS[i % len(COLOURS)]
        t, s, lo, hi = _step(curve)
        median = _("not reached") if curve.median is None else f"{curve.median / DAYS_PER_MONTH:.1f} mo"
        ax.step(t, s, where="post", color=colour, lw=1.4, label=f"{label} (n = {curve.n}, {_('median')} {median})")
        ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.12, linewidth=0)
        censored = [r for r in curve.table if r.n_censor > 0]
        if censored and len(censored) <= MAX_CENSOR_MARKS:
            ax.plot(
                [r.time / DAYS_PER_MONTH for r in censored],
                [r.survival for r in censored],
                "|",
                color=colour,
                markersize=5,
                markeredgewidth=0.8,
            )
    ax.set_xlim(0, ticks[-1])
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ticks)
    ax.set_ylabel(_("Probability"))
    ax.set_xlabel(xlabel or _("Months"))
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    set_title(ax, title)
    ax.grid(alpha=0.25)
    table_ax = fig.add_subplot(grid[1], sharex=ax)
    table_ax.set_ylim(-0.5, len(curves) - 0.5)
    table_ax.axis("off")
    table_ax.text(
        0,
        len(curves) - 0.5 + 0.25,
        _("Number at risk"),
        fontsize=8,
        ha="left",
        va="bottom",
        transform=table_ax.transData,
    )
    for i, (_label, curve) in enumerate(curves):
        row = len(curves) - 1 - i
        for tick in ticks:
            n_risk = curve.at(float(tick * DAYS_PER_MONTH)).n_risk
            table_ax.text(tick, row, str(n_risk), ha="center", va="center", fontsize=8, color=COLOURS[i % len(COLOURS)])
    fig.tight_layout(h_pad=1.5)
    return fig


def save_figure(fig: Figure, directory: Path, name: str) -> tuple[Path, Path]:
    """Write ``name.png`` (at :data:`PNG_DPI`) and ``name.svg`` to ``directory``; returns both paths.

    A figure laid out on a grid (``tight_layout``, as :func:`~haictrial.reports.patient_plots.new_figure`
    figures are) already fills its canvas and is saved whole: the PNG is drawn by the renderer that laid
    it out, reusing its text measurements. A figure drawn in figure coordinates (the CONSORT diagram) is
    cropped to what it draws, measured once for both files.
    """
    directory.mkdir(parents=True, exist_ok=True)
    png, svg = directory / f"{name}.png", directory / f"{name}.svg"
    box: Bbox | str | None = None
    if not all(ax.get_subplotspec() is not None for ax in fig.axes):
        fig.draw_without_rendering()
        box = fig.get_tightbbox().padded(rcParams["savefig.pad_inches"])
    fig.savefig(png, dpi=PNG_DPI, bbox_inches=box)
    fig.savefig(svg, bbox_inches=box)
    return png, svg
