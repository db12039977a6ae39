"""Safety results: adverse events per patient by CTCAE term and worst grade, serious adverse events,
early deaths after treatment or surgery, dose modifications and delays.

The safety population is every enrolled patient who received at least one HAIC cycle. Each patient
counts once per term, at the worst grade reported for that term.

References
----------
CTCAE v5.0 (NCI, 2017): grades 1-5, grade >= 3 severe or worse, grade 5 death.
ICH E2A (1994): definition of a serious adverse event.
Protocol endpoint ``safety``: from the first cycle to 90 days after the last treatment or surgery.
30- and 90-day mortality after hepatectomy: e.g. Mayo SC et al., J Am Coll Surg 2011;212:1039,
doi:10.1016/j.jamcollsurg.2011.02.011.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from haictrial.reports.dictionary import RELATED
from haictrial.reports.i18n import _

EARLY_DEATH_DAYS = (30, 90)


def _pct(n: int, d: int) -> float | None:
    return None if d == 0 else 100.0 * n / d


def worst_grade_by_term(adae: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Per term: patients with the term at any grade, at grade >= 3, and at grade 5 (worst grade per patient)."""
    events = adae[adae["subject_id"].isin(set(population))]
    denominator = int(population.size)
    worst = events.groupby(["term", "subject_id"])["grade"].max().reset_index()
    term = worst["term"]
    per_term = pd.DataFrame(
        {
            "any_grade": worst.groupby("term").size(),
            "grade_3_or_more": (worst["grade"] >= 3).groupby(term).sum(),
            "grade_5": (worst["grade"] == 5).groupby(term).sum(),
        }
    )
    per_term = per_term.rename_axis("term").reset_index().sort_values(["any_grade", "term"], ascending=[False, True])
    per_term["any_grade_percent"] = [_pct(int(n), denominator) for n in per_term["any_grade"]]
    per_term["grade_3_or_more_percent"] = [_pct(int(n), denominator) for n in per_term["grade_3_or_more"]]
    return per_term.reset_index(drop=True)


def safety(ds_adsl: pd.DataFrame, adae: pd.DataFrame, adex: pd.DataFrame) -> dict[str, Any]:
    """The safety results (counts of patients over the safety population ``n``)."""
    treated = ds_adsl[ds_adsl["cycles_received"] > 0]
    population = treated["subject_id"]
    n = int(population.size)
    events = adae[adae["subject_id"].isin(set(population))]
    by_patient = events.groupby("subject_id")

    def patients(mask: pd.Series) -> dict[str, Any]:
        count = int(events.loc[mask, "subject_id"].nunique())
        return {"n": count, "percent": _pct(count, n)}

    related = events["attribution"].isin(RELATED)
    terms = worst_grade_by_term(adae, population)
    deaths = {}
    for days in EARLY_DEATH_DAYS:
        after_haic = (treated["death_date"] - treated["last_treatment_date"]).dt.days
        after_surgery = (treated["death_date"] - treated["resection_date"]).dt.days
        deaths[f"within_{days}_days_of_last_haic"] = int(after_haic.between(0, days).sum())
        deaths[f"within_{days}_days_of_resection"] = int(after_surgery.between(0, days).sum())
    deaths["resected"] = int(treated["resected"].sum())
    cycles = adex[adex["subject_id"].isin(set(population))]
    delayed = cycles[cycles["delayed"]]
    modified = cycles[cycles["dose_modified"]]
    return {
        "population": _("patients who received at least one HAIC cycle"),
        "n": n,
        "any_ae": patients(pd.Series(True, index=events.index)),
        "any_grade_3_or_more": patients(events["grade"] >= 3),
        "any_grade_5": patients(events["grade"] == 5),
        "any_related_grade_3_or_more": patients(related & (events["grade"] >= 3)),
        "any_sae": patients(events["serious"]),
        "sae_events": int(events["serious"].sum()),
        "ae_events": int(len(events)),
        "patients_with_ae_records": int(by_patient.ngroups),
        "by_term": [
            {
                "term": str(row["term"]),
                "any_grade": int(row["any_grade"]),
                "grade_3_or_more": int(row["grade_3_or_more"]),
                "grade_5": int(row["grade_5"]),
                "any_grade_percent": row["any_grade_percent"],
                "grade_3_or_more_percent": row["grade_3_or_more_percent"],
            }
            for row in terms.to_dict("records")
        ],
        "early_deaths": deaths,
        "exposure": {
            "cycles": int(len(cycles)),
            "cycles_per_patient": _cycles(treated["cycles_received"]),
            "patients_with_dose_modification": {
                "n": int(modified["subject_id"].nunique()),
                "percent": _pct(int(modified["subject_id"].nunique()), n),
            },
            "cycles_with_dose_modification": int(len(modified)),
            "patients_with_delay": {
                "n": int(delayed["subject_id"].nunique()),
                "percent": _pct(int(delayed["subject_id"].nunique()), n),
            },
            "cycles_delayed": int(len(delayed)),
            "median_delay_days": None if delayed.empty else float(delayed["delay_days"].astype(float).median()),
        },
    }


def _cycles(values: pd.Series) -> dict[str, Any]:
    if values.empty:
        return {"median": None, "min": None, "max": None}
    v = values.astype(float)
    return {"median": float(v.median()), "min": float(v.min()), "max": float(v.max())}


def _np(item: dict[str, Any]) -> str:
    return "0" if item["percent"] is None else f"{item['n']} ({item['percent']:.1f} %)"


def safety_tables(result: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Summary, per-term and exposure tables of the safety results."""
    summary = pd.DataFrame(
        [
            (_("Any adverse event"), _np(result["any_ae"])),
            (_("Any grade >= 3 adverse event"), _np(result["any_grade_3_or_more"])),
            (_("Any treatment-related grade >= 3 adverse event"), _np(result["any_related_grade_3_or_more"])),
            (_("Any serious adverse event"), _np(result["any_sae"])),
            (_("Serious adverse events (events)"), str(result["sae_events"])),
            (_("Any grade 5 adverse event"), _np(result["any_grade_5"])),
        ]
        + [
            (
                _("Deaths within {days} days of the last HAIC cycle").format(days=d),
                str(result["early_deaths"][f"within_{d}_days_of_last_haic"]),
            )
            for d in EARLY_DEATH_DAYS
        ]
        + [
            (
                _("Deaths within {days} days of liver resection (of {n} resected)").format(
                    days=d, n=result["early_deaths"]["resected"]
                ),
                str(result["early_deaths"][f"within_{d}_days_of_resection"]),
            )
            for d in EARLY_DEATH_DAYS
        ],
        columns=[_("Measure"), _("Patients (n = {n})").format(n=result["n"])],
    )
    terms = pd.DataFrame(
        [
            {
                _("CTCAE term"): t["term"],
                _("Any grade, n (%)"): _np({"n": t["any_grade"], "percent": t["any_grade_percent"]}),
                _("Grade >= 3, n (%)"): _np({"n": t["grade_3_or_more"], "percent": t["grade_3_or_more_percent"]}),
                _("Grade 5, n"): t["grade_5"],
            }
            for t in result["by_term"]
        ],
        columns=[_("CTCAE term"), _("Any grade, n (%)"), _("Grade >= 3, n (%)"), _("Grade 5, n")],
    )
    e = result["exposure"]
    exposure = pd.DataFrame(
        [
            (_("HAIC cycles given"), str(e["cycles"])),
            (
                _("Cycles per patient, median (range)"),
                "—"
                if e["cycles_per_patient"]["median"] is None
                else f"{e['cycles_per_patient']['median']:g} ({e['cycles_per_patient']['min']:g}-{e['cycles_per_patient']['max']:g})",
            ),
            (_("Patients with a dose modification"), _np(e["patients_with_dose_modification"])),
            (_("Cycles with a dose modification"), str(e["cycles_with_dose_modification"])),
            (_("Patients with a delayed cycle"), _np(e["patients_with_delay"])),
            (_("Cycles delayed beyond the visit window"), str(e["cycles_delayed"])),
            (
                _("Median delay of delayed cycles, days"),
                "—" if e["median_delay_days"] is None else f"{e['median_delay_days']:g}",
            ),
        ],
        columns=[_("Measure"), _("Value")],
    )
    return {"safety_summary": summary, "adverse_events_by_term": terms, "exposure": exposure}
