"""Efficacy results: the conversion-to-resection rate (primary endpoint), resections, tumour response.

All rates are over every enrolled patient (intention to treat), with exact Clopper-Pearson 95 %
intervals from :func:`haictrial.stats.binomial_ci`.

References
----------
Protocol endpoints ``ctrr`` (R0 resections / enrolled) and ``orr`` (confirmed CR or PR).
Clopper CJ, Pearson ES. Biometrika 1934;26:404-413, doi:10.1093/biomet/26.4.404.
RECIST 1.1 best overall response: Eisenhauer EA et al., Eur J Cancer 2009;45:228-247,
doi:10.1016/j.ejca.2008.10.026. Morphologic response: Chun YS et al., JAMA 2009;302:2338-2344,
doi:10.1001/jama.2009.1778.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from haictrial.clinical.recist import (
    DISEASE_CONTROL_RESPONSES,
    OBJECTIVE_RESPONSES,
    PD_INCREASE_FRACTION,
    PR_DECREASE_FRACTION,
    Response,
)
from haictrial.reports.baseline import agent_groups
from haictrial.reports.dictionary import BEST_RESPONSES, MORPHOLOGIC, SIDES
from haictrial.reports.i18n import _
from haictrial.reports.summaries import describe
from haictrial.stats.binomial import binomial_ci

LEVEL = 0.95


def proportion(x: int, n: int, level: float = LEVEL) -> dict[str, Any]:
    """``{"x", "n", "estimate", "lower", "upper", "level", "method"}``; estimate and bounds None when n is 0."""
    if n == 0:
        return {
            "x": 0,
            "n": 0,
            "estimate": None,
            "lower": None,
            "upper": None,
            "level": level,
            "method": "clopper-pearson",
            "note": _("no patients in the denominator"),
        }
    ci = binomial_ci(int(x), int(n), level=level, method="clopper-pearson")
    return {
        "x": int(x),
        "n": int(n),
        "estimate": float(ci.estimate),
        "lower": float(ci.lower),
        "upper": float(ci.upper),
        "level": level,
        "method": "clopper-pearson",
    }


def _by(adsl: pd.DataFrame, flag: pd.Series, column: str, levels: tuple[str, ...]) -> dict[str, Any]:
    return {
        level: proportion(int(flag[adsl[column] == level].sum()), int((adsl[column] == level).sum()))
        for level in levels
    }


def ctrr(adsl: pd.DataFrame) -> dict[str, Any]:
    """CTRR: R0 resections / enrolled, overall, by targeted agent and by sidedness."""
    flag = adsl["converted"]
    out = proportion(int(flag.sum()), len(adsl))
    out["by_targeted_agent"] = {
        agent: proportion(int(flag[frame.index].sum()), len(frame)) for agent, frame in agent_groups(adsl)
    }
    out["by_sidedness"] = _by(adsl, flag, "sidedness", SIDES)
    return out


def resection(adsl: pd.DataFrame) -> dict[str, Any]:
    """Any resection with a clear or microscopic margin (R0/R1), and time from enrolment to resection."""
    any_resection = adsl["resection_margin"].isin(["R0", "R1"])
    days = (adsl["resection_date"] - adsl["enrolment_date"]).dt.days
    return {
        "any_resection_r0_r1": proportion(int(any_resection.sum()), len(adsl)),
        "by_margin": {m: int((adsl["resection_margin"] == m).sum()) for m in ("R0", "R1", "R2")},
        "time_to_resection_days": describe(days[adsl["resected"]]),
    }


def response(adsl: pd.DataFrame) -> dict[str, Any]:
    """ORR (confirmed CR + PR) and DCR (CR + PR + SD, and non-CR/non-PD for non-target-only disease)
    over the enrolled, best responses, best % change."""
    bor = adsl["best_overall_response"]
    counts = {r: int((bor == r).sum()) for r in BEST_RESPONSES}
    counts["not_assessed"] = int(bor.isna().sum())
    change = adsl["best_percent_change"]
    # The waterfall's reference lines are RECIST 1.1's thresholds (section 4.3.1): -30 % (PR), +20 % (PD).
    pr_percent, pd_percent = float(PR_DECREASE_FRACTION * 100), float(PD_INCREASE_FRACTION * 100)
    return {
        "orr": proportion(int(bor.isin(_codes(OBJECTIVE_RESPONSES)).sum()), len(adsl)),
        "dcr": proportion(int(bor.isin(_codes(DISEASE_CONTROL_RESPONSES)).sum()), len(adsl)),
        "best_overall_response": counts,
        "best_percent_change": describe(change)
        | {
            "decrease_30_or_more": int((change <= -pr_percent).sum()),
            "increase_20_or_more": int((change >= pd_percent).sum()),
        },
    }


def _codes(responses: frozenset[Response]) -> list[str]:
    return sorted(r.value for r in responses)


def morphologic(adsl: pd.DataFrame) -> dict[str, Any]:
    """Morphologic response (Chun 2009) counts and the optimal-response rate over the enrolled."""
    values = adsl["morphologic_response"]
    counts = {m: int((values == m).sum()) for m in MORPHOLOGIC}
    counts["not_assessed"] = int(values.isna().sum())
    return {"counts": counts, "optimal": proportion(counts["optimal"], len(adsl))}


def format_rate(p: dict[str, Any]) -> str:
    """``12/40 (30.0 %; 95 % CI 16.6-46.5)`` or a dash when the denominator is empty."""
    if p["estimate"] is None:
        return f"0/0 ({_('no patients')})"
    return (
        f"{p['x']}/{p['n']} ({100 * p['estimate']:.1f} %; {100 * p['level']:g} % CI "
        f"{100 * p['lower']:.1f}-{100 * p['upper']:.1f})"
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def rates_table(rows: list[tuple[str, dict[str, Any]]]) -> pd.DataFrame:
    """A table of rates: label, x, n, estimate %, lower %, upper % and the formatted text."""
    out = []
    for label, p in rows:
        out.append(
            {
                _("Measure"): label,
                "x": p["x"],
                "n": p["n"],
                _("Rate, %"): _percent(p["estimate"]),
                _("95 % CI lower, %"): _percent(p["lower"]),
                _("95 % CI upper, %"): _percent(p["upper"]),
            }
        )
    return pd.DataFrame(out)


def efficacy_tables(result: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The efficacy tables of the report from the results of :func:`ctrr`, :func:`resection`, ..."""
    c, r, resp, morph = result["ctrr"], result["resection"], result["response"], result["morphologic_response"]
    rates = [(_("CTRR (R0 resection), all enrolled"), c)]
    rates += [(_("CTRR, {group}").format(group=k), v) for k, v in c["by_targeted_agent"].items()]
    rates += [(_("CTRR, {group}-sided primary").format(group=k), v) for k, v in c["by_sidedness"].items()]
    rates += [(_("Any resection (R0/R1)"), r["any_resection_r0_r1"])]
    rates += [(_("Objective response rate (confirmed CR + PR)"), resp["orr"])]
    rates += [(_("Disease control rate (CR + PR + SD)"), resp["dcr"])]
    rates += [(_("Optimal morphologic response"), morph["optimal"])]
    bor = pd.DataFrame(
        [{_("Best overall response"): k, _("Patients"): v} for k, v in resp["best_overall_response"].items()]
    )
    morph_table = pd.DataFrame([{_("Morphologic response"): k, _("Patients"): v} for k, v in morph["counts"].items()])
    distributions = []
    for label, d in (
        (_("Days from enrolment to resection"), r["time_to_resection_days"]),
        (_("Best percent change of the sum of diameters"), resp["best_percent_change"]),
    ):
        distributions.append(
            {_("Measure"): label, "n": d["n"]}
            | {k: None if d[k] is None else round(d[k], 1) for k in ("median", "q1", "q3", "min", "max")}
        )
    return {
        "rates": rates_table(rates),
        "best_overall_response": bor,
        "morphologic_response": morph_table,
        "distributions": pd.DataFrame(distributions),
    }
