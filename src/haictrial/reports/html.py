"""The self-contained HTML report: every table and figure (PNG embedded as base64), the protocol
version, the data cut-off date and the software version. The PDF is printed from the same HTML.
"""

from __future__ import annotations

import base64
import html
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from haictrial.reports.efficacy import format_rate
from haictrial.reports.i18n import _
from haictrial.reports.results import Results


def _template(name: str) -> str:
    return (resources.files("haictrial.reports") / "templates" / name).read_text(encoding="utf-8")


def table_html(frame: pd.DataFrame) -> str:
    """An escaped HTML table (None and NaN as an em dash)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = "".join(f"<td>{'—' if _missing(v) else html.escape(str(v))}</td>" for v in values)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def figure_html(png: Path, caption: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{html.escape(text)}</p>' if cls else f"<p>{html.escape(text)}</p>"


def deviations_line(section: dict[str, Any]) -> str:
    """The report's line on protocol deviations: the total and the count per kind (kinds are codes)."""
    if section["total"] is None:
        return str(section["note"])
    if not section["total"]:
        return _("No protocol deviation recorded.")
    kinds = ", ".join(f"{kind} {n}" for kind, n in section["by_kind"].items())
    return _("{n} protocol deviations recorded: {kinds}.").format(n=section["total"], kinds=kinds)


def render_html(results: Results, figures: dict[str, Path], captions: dict[str, str], lang: str = "en") -> str:
    """The report as one HTML document; ``figures`` maps a figure name to its PNG file."""
    d = results.data
    meta = d["report"]
    t = results.tables

    def fig(name: str) -> str:
        return figure_html(figures[name], captions[name]) if name in figures else ""

    def section(title: str, *parts: str) -> str:
        return f"<section><h2>{html.escape(title)}</h2>{''.join(parts)}</section>"

    def sub(title: str) -> str:
        return f"<h3>{html.escape(title)}</h3>"

    notes = "".join(f"<li>{html.escape(n)}</li>" for n in d["notes"])
    ctrr = d["ctrr"]
    key = _("Primary endpoint, conversion-to-resection rate (R0 resections / enrolled): {rate}").format(
        rate=format_rate(ctrr)
    )
    landmark = d["landmark"]
    lm_text = _(
        "Landmark at {days} days after enrolment. {rationale} Of {enrolled} enrolled, {excluded} died or were "
        "censored before the landmark and are excluded; {at_risk} are compared; {later} R0 resections after "
        "the landmark stay in the not-converted group."
    ).format(
        days=landmark["landmark_days"],
        rationale=landmark["rationale"],
        enrolled=landmark["enrolled"],
        excluded=landmark["excluded_before_landmark"],
        at_risk=landmark["at_risk"],
        later=landmark["converted_after_landmark"],
    )
    if landmark["logrank"]:
        lr = landmark["logrank"]
        lm_text += " " + _("Log-rank chi-square {chisq:.2f} on {df} df, p = {p:.3g}.").format(**lr)
    else:
        lm_text += " " + landmark.get("note", "")
    cox = d["cox"]
    cox_text = _(
        "Overall survival; covariates: right versus left primary, RAS mutant versus wild type, number of liver "
        "metastases (per lesion), baseline CEA above 200 ng/mL. Complete cases."
    )
    if cox.get("not_recorded"):
        cox_text += " " + _("Not recorded in these data, so left out: {names}.").format(
            names=", ".join(cox["not_recorded"])
        )
    if cox.get("n") is not None:
        cox_text += " " + _("n = {n}, events = {events}, excluded for missing values = {missing}.").format(
            n=cox["n"], events=cox["events"], missing=cox["excluded_missing"]
        )
    response = d["response"]
    body = [
        f'<div class="notes"><ul>{notes}</ul></div>' if notes else "",
        f'<p class="key">{html.escape(key)}</p>',
        section(_("Patient flow (CONSORT)"), fig("consort"), table_html(t["consort"])),
        section(_("Accrual"), fig("accrual"), table_html(t["accrual"])),
        section(_("Baseline characteristics"), table_html(t["baseline"])),
        section(
            _("Conversion to resection and response"),
            sub(_("Rates with exact (Clopper-Pearson) 95 % confidence intervals, all enrolled patients")),
            table_html(t["rates"]),
            sub(_("Time to resection and best percent change")),
            table_html(t["distributions"]),
            sub(_("Best overall response (RECIST 1.1, CR/PR confirmed)")),
            table_html(t["best_overall_response"]),
            _p(
                _("{n} patients with at least a 30 % decrease; {m} with at least a 20 % increase.").format(
                    n=response["best_percent_change"]["decrease_30_or_more"],
                    m=response["best_percent_change"]["increase_20_or_more"],
                )
            ),
            sub(_("Morphologic response (Chun 2009)")),
            table_html(t["morphologic_response"]),
            fig("waterfall"),
            fig("spider"),
            fig("swimmer"),
        ),
        section(
            _("Safety"),
            _p(_("Safety population: {population} (n = {n}).").format(**d["safety"])),
            table_html(t["safety_summary"]),
            sub(_("Adverse events by CTCAE v5.0 term, worst grade per patient")),
            table_html(t["adverse_events_by_term"])
            if len(t["adverse_events_by_term"])
            else _p(_("No adverse event recorded.")),
            sub(_("Exposure, dose modifications and delays")),
            table_html(t["exposure"]),
        ),
        section(
            _("Survival"),
            table_html(t["survival"]),
            _p(_("Medians in days (months); 95 % CI by the log transformation, as R survfit."), "small"),
            fig("km_os"),
            fig("km_pfs"),
            fig("km_rfs"),
        ),
        section(
            _("Converted versus not converted: landmark analysis"),
            _p(lm_text),
            table_html(t["landmark"]),
            fig("km_landmark"),
        ),
        section(_("Cox model of prespecified factors"), _p(cox_text), table_html(t["cox"])),
        section(
            _("Interim analysis"),
            _p(
                _(
                    "At {n} evaluable patients ({x} R0 resections) of {enrolled} enrolled: the Simon two-stage "
                    "decision if a look is reached, the Lee-Liu predictive probability of success at the target "
                    "enrolment, and the toxicity stopping rule, each with its inputs (protocol settings)."
                ).format(n=d["interim"]["evaluable"], x=d["interim"]["responses"], enrolled=d["interim"]["enrolled"])
            ),
            table_html(t["interim"]),
        ),
        section(_("Protocol deviations"), _p(deviations_line(d["deviations"]))),
        section(
            _("Data issues"),
            _p(_("Records that make a part of the analysis impossible; each is left out of that part only."))
            + (table_html(t["data_issues"]) if len(t["data_issues"]) else _p(_("No data issue found."))),
        ),
        section(
            _("Analysis data sets"),
            _p(
                _(
                    "Written beside this report as CSV and Parquet, with data_dictionary.csv and data_dictionary.md: "
                    "adsl, adrs, adae, adex, adtte, screening_log."
                )
            ),
        ),
    ]
    meta_rows = [
        (_("Trial"), f"{meta['protocol_id']} ({meta['nct_id']})"),
        (_("Protocol version"), meta["protocol_version"]),
        (_("Data cut-off date"), meta["cutoff"] or "—"),
        (_("Software"), f"{meta['software']} {meta['software_version']}"),
        (_("Generated"), meta["generated_at"]),
        (_("Data source"), meta["source"] or "—"),
    ]
    meta_html = "\n".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in meta_rows)
    title = _("{protocol} analysis report").format(protocol=meta["protocol_id"])
    footer = _("{protocol} protocol {version}, data cut-off {cutoff}, haictrial {software}").format(
        protocol=meta["protocol_id"],
        version=meta["protocol_version"],
        cutoff=meta["cutoff"],
        software=meta["software_version"],
    )
    return Template(_template("report.html")).substitute(
        lang=html.escape(lang),
        title=html.escape(title),
        css=_template("report.css"),
        footer=html.escape(footer),
        meta=meta_html,
        body="\n".join(body),
    )
