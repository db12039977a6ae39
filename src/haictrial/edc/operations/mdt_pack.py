"""The MDT tumour-board pack: one PDF per patient for the multidisciplinary team's resectability review.

It holds what the board discusses (protocol: MDT review after every imaging assessment): the course so far (HAIC
cycles with planned and given doses and their modifications), the RECIST 1.1 table and the patient's spider
plot (Eisenhauer et al., Eur J Cancer 2009;45:228, doi:10.1016/j.ejca.2008.10.026; the report's own figure,
:func:`haictrial.reports.patient_plots.spider_figure`), the laboratory trends before each cycle (CTCAE v5.0
analytes), the adverse events still open, and the plan of the next cycle (:func:`haictrial.clinical.course.plan_for_cycle`).
Drawn by WeasyPrint from HTML; every heading in the user's language; clinical codes stay codes.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

import pandas as pd

from haictrial.clinical import course
from haictrial.clinical.crf_models import SubjectForms
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.edc.trial import MAX_CYCLE, protocol
from haictrial.errors import DomainError
from haictrial.i18n import _, current_language, render_parts

STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; font-size: 9pt; }
h1 { font-size: 14pt; margin: 0 0 3mm; } h2 { font-size: 11pt; border-bottom: 1px solid #444; margin: 4mm 0 1mm; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #bbb; padding: 1mm; text-align: left; }
.muted { color: #666; } img { width: 100%; }
"""


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return f'<p class="muted">{escape(_("None recorded."))}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('—' if v is None else str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _course(forms: SubjectForms) -> str:
    rows = []
    for cycle in sorted(forms.haic_cycles, key=lambda c: c.cycle):
        for infusion in cycle.infusions:
            rows.append(
                [
                    cycle.cycle,
                    cycle.admission_date,
                    infusion.label,
                    infusion.planned_dose_mg,
                    infusion.given_dose_mg,
                    infusion.planned_dose_modification or infusion.deviation_reason,
                ]
            )
    for dose in forms.targeted_agent:
        rows.append([dose.cycle, dose.date, dose.drug.value, dose.planned_dose_mg, dose.given_dose_mg, None])
    headers = [_("Cycle"), _("Date"), _("Drug"), _("Planned (mg)"), _("Given (mg)"), _("Modification")]
    return _table(headers, rows)


def _spider_png(rows: list[dict[str, Any]], forms: SubjectForms) -> str:
    from haictrial.reports.i18n import figure_fonts
    from haictrial.reports.patient_plots import spider_figure

    adrs = pd.DataFrame(rows, columns=["subject_id", "assessment_date", "baseline", "sum_mm", "percent_change"])
    adrs["study_day"] = [(d - forms.enrolment_date).days if d else None for d in adrs["assessment_date"]]
    best = [r.get("overall_response") for r in rows if not r.get("baseline") and r.get("overall_response")]
    adsl = pd.DataFrame(
        [
            {
                "subject_id": forms.subject_id,
                "enrolment_date": forms.enrolment_date,
                "best_overall_response": best[0] if best else None,
            }
        ]
    )
    with figure_fonts():
        figure = spider_figure(adsl, adrs)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode()


def _recist(forms: SubjectForms) -> tuple[str, str]:
    from haictrial.reports.from_forms import subject_rows

    found = subject_rows(forms, protocol())
    rows = [
        [r["assessment_date"], _("baseline") if r["baseline"] else "", r["sum_mm"], r["percent_change"],
         r["overall_response"]]
        for r in found.adrs
    ]  # fmt: skip
    headers = [_("Date"), "", _("Sum of diameters (mm)"), _("Change from baseline, %"), _("Overall response")]
    picture = f'<img alt="spider" src="data:image/png;base64,{_spider_png(found.adrs, forms)}">'
    return _table(headers, rows), picture


def _labs(forms: SubjectForms) -> str:
    cycles = sorted(forms.haic_cycles, key=lambda c: c.cycle)
    dumped = [c.pre_cycle_labs.model_dump(mode="json") for c in cycles]
    analytes = sorted({k for d in dumped for k, v in d.items() if isinstance(v, dict)})
    headers = [_("Analyte"), *[f"{_('Cycle')} {c.cycle}" for c in cycles]]
    rows = []
    for analyte in analytes:
        values = [d.get(analyte) for d in dumped]
        unit = next((v.get("unit") for v in values if isinstance(v, dict)), "")
        shown = [v.get("value") if isinstance(v, dict) else None for v in values]
        rows.append([f"{analyte} ({unit})", *shown])
    return _table(headers, rows)


def _open_events(forms: SubjectForms) -> str:
    rows = [
        [e.term, e.grade, e.onset_date, ", ".join(str(s) for s in (getattr(e, "seriousness", None) or [])) or None]
        for e in forms.adverse_events
        if getattr(e, "resolution_date", None) is None
    ]
    return _table([_("CTCAE term"), _("Grade"), _("Onset"), _("Serious")], rows)


def _plan(subject: Subject, forms: SubjectForms) -> str:
    cycle = min(max((c.cycle for c in forms.haic_cycles), default=0) + 1, MAX_CYCLE)
    try:
        plan = course.plan_for_cycle(forms, protocol(), cycle, subjects.subject_patient(subject))[0]
    except DomainError as exc:
        return f"<p>{escape(_('No plan'))}: {escape(exc.message)}</p>"
    rows = [[a.drug.value + (f" {a.component}" if a.component else ""), a.dose_mg, a.day] for a in plan.administrations]
    parts = [f"<p>{escape(_('Cycle'))} {plan.cycle} · BSA {plan.bsa_m2:.2f} m2</p>"]
    if plan.delayed and plan.modifications.delay is not None:
        parts.append(f"<p><b>{escape(plan.modifications.delay.reason)}</b></p>")
    parts.append(_table([_("Drug"), _("Dose (mg)"), _("Day")], rows))
    changes = [render_parts(c.reason_parts, c.reason) for c in plan.modifications.changes]
    parts += [f"<p>{escape(text)}</p>" for text in changes]
    return "".join(parts)


def mdt_pack_html(subject: Subject) -> str:
    """The pack of one subject as a complete HTML document."""
    from haictrial.edc.crfs.services import records_of, subject_forms

    forms, _keys = subject_forms(subject, list(records_of(subject)))
    recist_table, spider = _recist(forms)
    title = _("MDT tumour board: {subject_id}").format(subject_id=subject.subject_id)
    sections = [
        (_("Course so far"), _course(forms)),
        (_("RECIST 1.1 assessments"), recist_table + spider),
        (_("Laboratory values before each cycle"), _labs(forms)),
        (_("Open adverse events"), _open_events(forms)),
        (_("Current plan"), _plan(subject, forms)),
    ]
    body = "".join(f"<h2>{escape(heading)}</h2>{content}" for heading, content in sections)
    facts = f"{escape(_('Site'))} {escape(subject.site.code)} · {escape(_('Enrolled'))} {forms.enrolment_date}"
    return (
        f'<!DOCTYPE html><html lang="{current_language()}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1><p class='muted'>{facts}</p>{body}</body></html>"
    )


def mdt_pack_pdf(subject: Subject) -> bytes:
    from weasyprint import HTML

    return HTML(string=mdt_pack_html(subject)).write_pdf()  # type: ignore[no-any-return]
