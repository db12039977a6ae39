"""Table 1: baseline characteristics of the enrolled patients, overall and by targeted agent.

Continuous variables as median (interquartile range), categorical ones as n (%) of the patients with
a known value; the number missing is shown where any is.

References
----------
CEA above 200 ng/mL as a prognostic cut-off: Fong Y et al., Ann Surg 1999;230:309-318,
doi:10.1097/00000658-199909000-00004 (clinical risk score).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from haictrial.reports.dictionary import AGENTS, MUTATION, NO_AGENT, SEXES, SIDES
from haictrial.reports.i18n import _
from haictrial.reports.summaries import describe

CEA_HIGH_NG_ML = 200.0  # Fong 1999 clinical risk score
LESION_BANDS = ((1, 4, "1-4"), (5, 9, "5-9"), (10, None, ">= 10"))


def agent_groups(adsl: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Patients by targeted agent; those the rule could not assign form a last group only if there are any."""
    groups = [(agent, adsl[adsl["targeted_agent"] == agent]) for agent in AGENTS]
    unassigned = adsl[adsl["targeted_agent"].isna()]
    return groups + ([(NO_AGENT, unassigned)] if len(unassigned) else [])


def _groups(adsl: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    return [("overall", adsl), *agent_groups(adsl)]


def _categorical(flags: pd.Series, known: pd.Series) -> dict[str, Any]:
    denominator = int(known.sum())
    count = int((flags & known).sum())
    return {"n": count, "denominator": denominator, "percent": None if not denominator else 100.0 * count / denominator}


def baseline_rows(adsl: pd.DataFrame) -> list[dict[str, Any]]:
    """Table 1 as rows: ``{"characteristic", "level", "kind", "overall": {...}, "bevacizumab": {...}, ...}``."""
    groups = _groups(adsl)
    rows: list[dict[str, Any]] = []

    def continuous(label: str, column: str) -> None:
        rows.append(
            {"characteristic": label, "level": "", "kind": "continuous"}
            | {g: describe(frame[column]) for g, frame in groups}
        )

    def categorical(label: str, column: str, levels: tuple[Any, ...], names: tuple[str, ...] | None = None) -> None:
        for level, name in zip(levels, names or tuple(str(x) for x in levels), strict=True):
            rows.append(
                {"characteristic": label, "level": name, "kind": "categorical"}
                | {g: _categorical(frame[column] == level, frame[column].notna()) for g, frame in groups}
            )

    continuous(_("Age, years"), "age_years")
    categorical(_("Sex"), "sex", SEXES)
    ecog_levels = tuple(sorted(int(x) for x in adsl["ecog"].dropna().unique())) or (0, 1)
    categorical(_("ECOG performance status"), "ecog", ecog_levels)
    categorical(_("Primary tumour side"), "sidedness", SIDES)
    categorical(_("RAS"), "ras_status", MUTATION)
    categorical(_("BRAF V600E"), "braf_status", MUTATION)
    continuous(_("Number of liver metastases"), "lesion_count")
    for low, high, name in LESION_BANDS:
        rows.append(
            {"characteristic": _("Number of liver metastases"), "level": name, "kind": "categorical"}
            | {
                g: _categorical(
                    (frame["lesion_count"] >= low) & (frame["lesion_count"] <= (high if high is not None else np.inf)),
                    frame["lesion_count"].notna(),
                )
                for g, frame in groups
            }
        )
    continuous(_("Largest metastasis, mm"), "largest_lesion_mm")
    continuous(_("CEA, ng/mL"), "cea_ng_ml")
    rows.append(
        {"characteristic": _("CEA, ng/mL"), "level": f"> {CEA_HIGH_NG_ML:g}", "kind": "categorical"}
        | {g: _categorical(frame["cea_ng_ml"] > CEA_HIGH_NG_ML, frame["cea_ng_ml"].notna()) for g, frame in groups}
    )
    return rows


def _cell(value: dict[str, Any], kind: str) -> str:
    if kind == "continuous":
        if value["median"] is None:
            return "—"
        text = f"{value['median']:.1f} ({value['q1']:.1f}-{value['q3']:.1f})"
        return text + (_(" [missing {n}]").format(n=value["missing"]) if value["missing"] else "")
    if value["percent"] is None:
        return "0"
    return f"{value['n']} ({value['percent']:.1f} %)"


def baseline_table(adsl: pd.DataFrame, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Table 1 formatted for the report: one column per group with its n in the header."""
    headers = {"overall": _("Overall (n = {n})").format(n=len(adsl))}
    for agent, frame in agent_groups(adsl):
        headers[agent] = f"{_(agent) if agent == NO_AGENT else agent} (n = {len(frame)})"
    out = []
    for row in rows:
        label = row["characteristic"] if not row["level"] else f"{row['characteristic']}: {row['level']}"
        cells = {headers[g]: _cell(row[g], row["kind"]) for g in headers}
        kind = _("median (IQR)") if row["kind"] == "continuous" else "n (%)"
        out.append({_("Characteristic"): label, _("Summary"): kind} | cells)
    return pd.DataFrame(out)
