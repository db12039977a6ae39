"""CONSORT counts and flow diagram: screened, excluded (by criterion), enrolled, treated, assessed,
resected, and each enrolled patient's status at the data cut-off.

The counts add up: screened = not eligible + eligible but not enrolled + enrolled, and enrolled =
in follow-up + each end-of-study reason + died.

References
----------
Schulz KF, Altman DG, Moher D. CONSORT 2010 Statement. BMJ 2010;340:c332, doi:10.1136/bmj.c332
(flow diagram); Eldridge SM et al. for single-arm pilot designs (CONSORT extension, BMJ 2016;355:i5239).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from haictrial.reports.datasets import AnalysisDatasets
from haictrial.reports.i18n import _
from haictrial.reports.patient_plots import new_figure

STATUSES = (
    "in_follow_up",
    "completed_follow_up",
    "lost_to_follow_up",
    "withdrawal_of_consent",
    "investigator_decision",
    "other",
    "died",
)


def consort_counts(ds: AnalysisDatasets) -> dict[str, Any]:
    """The CONSORT counts at the cut-off (``screened`` and the exclusions are None without a screening log)."""
    adsl, log = ds.adsl, ds.screening_log
    post_baseline = ds.adrs[~ds.adrs["baseline"]]
    out: dict[str, Any] = {
        "screened": None,
        "not_eligible": None,
        "excluded_by_criterion": {},
        "eligible_not_enrolled": None,
        "enrolled": int(len(adsl)),
        "treated": int((adsl["cycles_received"] > 0).sum()),
        "assessed": int(adsl["subject_id"].isin(set(post_baseline["subject_id"])).sum()),
        "resected": int(adsl["resected"].sum()),
        "resected_by_margin": {m: int((adsl["resection_margin"] == m).sum()) for m in ("R0", "R1", "R2")},
        "status": {s: int((adsl["status"] == s).sum()) for s in STATUSES},
    }
    out["not_treated"] = out["enrolled"] - out["treated"]
    out["in_follow_up"] = out["status"]["in_follow_up"]
    out["lost"] = out["status"]["lost_to_follow_up"]
    out["died"] = out["status"]["died"]
    if len(log):
        out["screenings"] = int(len(log))
        log = one_row_per_person(log)
        failed = log.loc[~log["eligible"], "failed_criteria"].fillna("").str.split(";").explode().str.strip()
        failed = failed[failed != ""]
        counts = failed.value_counts()
        out["screened"] = int(len(log))
        out["not_eligible"] = int((~log["eligible"]).sum())
        out["excluded_by_criterion"] = {k: int(counts[k]) for k in sorted(counts.index, key=_criterion_order)}
        out["eligible_not_enrolled"] = int((log["eligible"] & log["subject_id"].isna()).sum())
    return out


def one_row_per_person(log: pd.DataFrame) -> pd.DataFrame:
    """The screening log with one row per person: the enrolled screening, else the latest one.

    CONSORT 2010 (Schulz et al., BMJ 2010;340:c332, item 13a and the flow diagram) counts participants
    "assessed for eligibility", so a person screened again or whose screening was corrected counts once.
    Rows without ``person_id`` are persons of their own.
    """
    if "person_id" not in log.columns or log["person_id"].isna().all():
        return log
    ranked = log.assign(
        _person=log["person_id"].fillna(log["screening_id"]),
        _enrolled=log["subject_id"].notna(),
        _order=range(len(log)),
    ).sort_values(["_person", "_enrolled", "screening_date", "_order"])
    return (
        ranked.groupby("_person", sort=False)
        .tail(1)
        .sort_values("_order")
        .drop(columns=["_person", "_enrolled", "_order"])
    )


def _criterion_order(criterion_id: str) -> tuple[int, int, str]:
    kind = 0 if criterion_id.startswith("I") else 1
    number = int(criterion_id[1:]) if criterion_id[1:].isdigit() else 99
    return kind, number, criterion_id


def consort_table(counts: dict[str, Any]) -> pd.DataFrame:
    """The counts as a two-column table (stage, patients)."""
    rows: list[tuple[str, Any]] = [
        (_("Screened"), counts["screened"]),
        (_("Not eligible"), counts["not_eligible"]),
    ]
    rows += [(_("  failed criterion {id}").format(id=k), v) for k, v in counts["excluded_by_criterion"].items()]
    rows += [
        (_("Eligible, not enrolled"), counts["eligible_not_enrolled"]),
        (_("Enrolled"), counts["enrolled"]),
        (_("Treated (at least one HAIC cycle)"), counts["treated"]),
        (_("Assessed for response"), counts["assessed"]),
        (_("Resected (any margin)"), counts["resected"]),
    ]
    rows += [(f"  {m}", v) for m, v in counts["resected_by_margin"].items()]
    labels = {
        "in_follow_up": _("In follow-up at cut-off"),
        "completed_follow_up": _("Completed follow-up"),
        "lost_to_follow_up": _("Lost to follow-up"),
        "withdrawal_of_consent": _("Withdrew consent"),
        "investigator_decision": _("Withdrawn by the investigator"),
        "other": _("Left the study for another reason"),
        "died": _("Died"),
    }
    rows += [(labels[s], counts["status"][s]) for s in STATUSES]
    return pd.DataFrame(rows, columns=[_("Stage"), _("Patients")]).astype({_("Patients"): "object"})


def consort_figure(counts: dict[str, Any]) -> Figure:
    """The CONSORT flow diagram: main boxes down the middle, exclusions to the right."""
    fig = new_figure(8.0, 9.0)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.axis("off")
    box = {"boxstyle": "square,pad=0.6", "facecolor": "white", "edgecolor": "black", "linewidth": 1}

    def n(value: Any) -> str:
        return _("not available") if value is None else str(value)

    main = [
        (92, _("Screened (n = {n})").format(n=n(counts["screened"]))),
        (74, _("Enrolled (n = {n})").format(n=counts["enrolled"])),
        (60, _("Treated with HAIC-FOLFOX (n = {n})").format(n=counts["treated"])),
        (47, _("Assessed for response (n = {n})").format(n=counts["assessed"])),
        (
            34,
            _("Liver resection (n = {n})").format(n=counts["resected"])
            + "\n"
            + ", ".join(f"{m} {v}" for m, v in counts["resected_by_margin"].items()),
        ),
    ]
    for (y, _text), (y_next, _next) in zip(main, main[1:], strict=False):
        ax.annotate("", xy=(35, y_next + 3), xytext=(35, y - 3), arrowprops={"arrowstyle": "->"})
    for y, text in main:
        ax.text(35, y, text, ha="center", va="center", fontsize=10, bbox=box)
    ax.annotate("", xy=(62, 67), xytext=(35, 67), arrowprops={"arrowstyle": "->"})
    ax.text(
        63, 67, _("Not treated (n = {n})").format(n=counts["not_treated"]), ha="left", va="center", fontsize=9, bbox=box
    )
    excluded = [_("Excluded (n = {n})").format(n=n(_sum(counts["not_eligible"], counts["eligible_not_enrolled"])))]
    excluded.append(_("  not eligible: {n}").format(n=n(counts["not_eligible"])))
    if counts["excluded_by_criterion"]:
        excluded.append(_("  failed or unknown criteria (a patient may have several):"))
    for criterion, count in list(counts["excluded_by_criterion"].items())[:8]:
        excluded.append(f"    {criterion}: {count}")
    if len(counts["excluded_by_criterion"]) > 8:
        excluded.append("    ...")
    excluded.append(_("  eligible, not enrolled: {n}").format(n=n(counts["eligible_not_enrolled"])))
    ax.annotate("", xy=(62, 83), xytext=(35, 83), arrowprops={"arrowstyle": "->"})
    ax.text(63, 83, "\n".join(excluded), ha="left", va="center", fontsize=8.5, bbox=box)
    status = counts["status"]
    end = [
        _("Status at data cut-off"),
        _("In follow-up: {n}").format(n=status["in_follow_up"]),
        _("Completed follow-up: {n}").format(n=status["completed_follow_up"]),
        _("Lost to follow-up: {n}").format(n=status["lost_to_follow_up"]),
        _("Withdrew consent: {n}").format(n=status["withdrawal_of_consent"]),
        _("Withdrawn by the investigator: {n}").format(n=status["investigator_decision"]),
        _("Other reason: {n}").format(n=status["other"]),
        _("Died: {n}").format(n=status["died"]),
    ]
    ax.annotate("", xy=(35, 21), xytext=(35, 31), arrowprops={"arrowstyle": "->"})
    ax.text(35, 12, "\n".join(end), ha="center", va="center", fontsize=9.5, bbox=box)
    ax.text(2, 12, _("(all enrolled: n = {n})").format(n=counts["enrolled"]), fontsize=8, va="center")
    return fig


def _sum(*values: int | None) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)
