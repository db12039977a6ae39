"""All results of the analysis from prepared data sets: one JSON document and the report's tables.

``results.json`` holds at least ``"enrolled"`` (an integer) and ``"ctrr"`` with ``x``, ``n``,
``estimate``, ``lower``, ``upper`` (the primary endpoint with its Clopper-Pearson 95 % interval),
and a section per analysis: ``consort``, ``baseline``, ``resection``, ``response``,
``morphologic_response``, ``safety``, ``survival``, ``landmark``, ``cox``, ``accrual``, ``interim``, and
``data_issues`` (records left out of a part of the analysis, :mod:`haictrial.reports.data_issues`).
An estimate the data cannot support is ``null`` with a ``note`` saying why; the report still builds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import haictrial
from haictrial.protocol.schema import Protocol
from haictrial.reports import accrual as accrual_mod
from haictrial.reports import baseline, consort, efficacy, interim, safety, survival
from haictrial.reports.cox import cox_model, cox_table
from haictrial.reports.data_issues import issues_table
from haictrial.reports.datasets import AnalysisDatasets
from haictrial.reports.i18n import _
from haictrial.stats.survival import KaplanMeierResult


@dataclass
class Results:
    """The results document, its tables (for CSV and the report) and the survival curves (for figures)."""

    data: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    curves: dict[str, list[tuple[str, KaplanMeierResult]]] = field(default_factory=dict)


def metadata(ds: AnalysisDatasets, protocol: Protocol) -> dict[str, Any]:
    return {
        "protocol_id": protocol.protocol_id,
        "protocol_version": protocol.version,
        "nct_id": protocol.registry.nct_id,
        "title": protocol.registry.brief_title,
        "cutoff": None if ds.cutoff is None else ds.cutoff.isoformat(),
        "software": "haictrial",
        "software_version": haictrial.__version__,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "source": ds.source,
    }


def compute_results(ds: AnalysisDatasets, protocol: Protocol, landmark_days: int = survival.LANDMARK_DAYS) -> Results:
    """Every result of the report from data sets returned by :func:`haictrial.reports.datasets.prepare`."""
    adsl = ds.adsl
    cutoff = ds.cutoff or dt.date.today()
    counts = consort.consort_counts(ds)
    rows = baseline.baseline_rows(adsl)
    efficacy_result = {
        "ctrr": efficacy.ctrr(adsl),
        "resection": efficacy.resection(adsl),
        "response": efficacy.response(adsl),
        "morphologic_response": efficacy.morphologic(adsl),
    }
    safety_result = safety.safety(adsl, ds.adae, ds.adex)
    surv, curves = survival.survival(ds.adtte)
    landmark, landmark_curves = survival.landmark(adsl, ds.adtte, landmark_days)
    cox = cox_model(adsl, ds.adtte)
    accrual = accrual_mod.accrual(adsl, protocol, cutoff)
    data: dict[str, Any] = {
        "report": metadata(ds, protocol),
        "enrolled": counts["enrolled"],
        **efficacy_result,
        "consort": counts,
        "baseline": rows,
        "safety": safety_result,
        "survival": surv,
        "landmark": landmark,
        "cox": cox,
        "accrual": accrual,
        "interim": interim.interim(adsl, ds.adae, protocol, ds.cutoff),
        "data_issues": list(ds.data_issues),
        "deviations": deviations(ds.deviations),
        "notes": [*ds.notes, *notes(counts, efficacy_result, surv), *issue_notes(ds.data_issues)],
    }
    tables = {
        "consort": consort.consort_table(counts),
        "baseline": baseline.baseline_table(adsl, rows),
        **efficacy.efficacy_tables(efficacy_result),
        **safety.safety_tables(safety_result),
        **survival.survival_tables(surv, landmark),
        "cox": cox_table(cox),
        "accrual": accrual_mod.accrual_table(accrual),
        "interim": interim.interim_table(data["interim"]),
        "data_issues": issues_table(data["data_issues"]),
    }
    titles = {"OS": _("Overall survival"), "PFS": _("Progression-free survival"), "RFS": _("Recurrence-free survival")}
    figure_curves = {k.lower(): [(titles[k], c)] for k, c in curves.items()}
    labels = {"converted": _("Converted (R0 before landmark)"), "not_converted": _("Not converted")}
    figure_curves["landmark"] = [(labels[k], c) for k, c in landmark_curves.items()]
    return Results(data=data, tables=tables, curves=figure_curves)


def notes(counts: dict[str, Any], efficacy_result: dict[str, Any], surv: dict[str, Any]) -> list[str]:
    """Plain statements of what the data cannot show yet (no patients, no events, no resections)."""
    out = []
    if counts["enrolled"] == 0:
        out.append(_("No patient is enrolled by the data cut-off: rates, survival and safety cannot be estimated."))
        return out
    if efficacy_result["resection"]["by_margin"] == {"R0": 0, "R1": 0, "R2": 0}:
        out.append(
            _("No patient has had a liver resection by the data cut-off: the CTRR is 0 and RFS cannot be estimated.")
        )
    for endpoint in ("OS", "PFS"):
        if surv[endpoint]["n"] and surv[endpoint]["events"] == 0:
            out.append(
                _("No {endpoint} event by the data cut-off: the median is not reached.").format(endpoint=endpoint)
            )
    return out


def deviations(by_kind: dict[str, int] | None) -> dict[str, Any]:
    """Protocol deviations (ICH E3 10.2): ``total`` and ``by_kind``; ``null`` with a ``note`` when the
    data source keeps no deviation log (synthetic data sets, imported files)."""
    if by_kind is None:
        return {"total": None, "by_kind": {}, "note": _("The data source keeps no protocol deviation log.")}
    return {"total": sum(by_kind.values()), "by_kind": dict(sorted(by_kind.items()))}


def issue_notes(issues: list[dict[str, Any]]) -> list[str]:
    """One note pointing to the data issues section, when there are any."""
    if not issues:
        return []
    return [
        _("{n} records could not be used for a part of the analysis; they are listed under Data issues.").format(
            n=len(issues)
        )
    ]
