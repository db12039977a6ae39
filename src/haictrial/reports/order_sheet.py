"""The one-page chemotherapy order sheet of one cycle, as HTML and as PDF (WeasyPrint).

The sheet shows what the pharmacy and the nurses need to prepare and give the cycle: patient id,
height, weight, BSA and formula; each drug with its dose, route, day and start/stop hour; the 5-FU
pump rate; the targeted agent and why; the protocol id and version; every dose modification with its
reason (the reasons in the reader's language, :func:`haictrial.i18n.render_parts`); and blank lines for two clinicians (prescriber, verifier) to sign and date. All numbers come
from :class:`~haictrial.clinical.dosing.CyclePlan`; no arithmetic happens here. Doses are printed
without trailing zeros (649 mg, not 649.0 mg), as ISMP's list of error-prone dose designations asks.

References
----------
- ASCO/ONS Chemotherapy Administration Safety Standards (Neuss MN et al., J Oncol Pract 2016;12:1262-71,
  doi:10.1200/JOP.2016.017905): standard 2 lists the elements of a complete chemotherapy order
  (patient identifiers, height, weight, BSA, drug, dose, route, schedule, cycle) and standard 3 the
  independent verification by a second practitioner.
- ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (2021): never a trailing zero.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from haictrial.clinical.dosing import Administration, CyclePlan
from haictrial.i18n import render_parts
from haictrial.reports.i18n import _, current_language

STYLE = """
@page { size: A4; margin: 14mm 14mm 12mm 14mm; }
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #000; }
h1 { font-size: 14pt; margin: 0 0 2mm 0; }
h2 { font-size: 10.5pt; margin: 4mm 0 1.5mm 0; border-bottom: 0.4pt solid #000; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.4pt solid #555; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
table.facts td { border: none; padding: 0.6mm 1.5mm 0.6mm 0; }
.delay { border: 1.2pt solid #000; padding: 2mm; margin: 2mm 0; font-weight: bold; }
.muted { color: #444; }
ul { margin: 1mm 0; padding-left: 5mm; }
table.sign td { border: none; padding: 7mm 2mm 0 0; }
.line { border-bottom: 0.6pt solid #000; display: inline-block; width: 52mm; }
.line.date { width: 30mm; }
"""


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if float(value).is_integer() else f"{value}"


def _drug_name(a: Administration) -> str:
    name = a.drug.value
    return f"{name} ({a.component})" if a.component else name


def _hours(a: Administration) -> tuple[str, str]:
    if a.start_h is None:
        return "", ""
    return f"{_number(a.start_h)} h", f"{_number(a.end_h)} h"


def _pump(a: Administration) -> str:
    parts = []
    if a.rate_mg_per_h is not None:
        parts.append(f"{_number(a.rate_mg_per_h)} mg/h")
    if a.rate_ml_per_h is not None:
        parts.append(f"{_number(a.rate_ml_per_h)} mL/h")
    if a.volume_ml is not None:
        parts.append(f"{_number(a.volume_ml)} mL")
    return ", ".join(parts)


def _prescribed(a: Administration) -> str:
    text = f"{_number(a.prescribed_dose)} {a.dose_unit}"
    if a.loading_dose:
        text += f" ({_('loading')})"
    if a.dose_level:
        text += f" ({_('level')} {a.dose_level})"
    return text


def _rows(plan: CyclePlan) -> str:
    rows = []
    for a in plan.administrations:
        start, stop = _hours(a)
        cells = [
            escape(_drug_name(a)),
            f'<td class="num">{escape(_number(a.dose_mg))} mg</td>',
            f'<td class="nowrap">{escape(_prescribed(a))}</td>',
            escape(_(a.route.value.replace("_", " "))),
            f'<td class="num">{a.day}</td>',
            f'<td class="num">{escape(start)}</td>',
            f'<td class="num">{escape(stop)}</td>',
            escape(_pump(a)),
        ]
        rows.append("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in cells) + "</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="8">{escape(_("No drug is given in this cycle."))}</td></tr>')
    return "\n".join(rows)


def _modifications(plan: CyclePlan) -> str:
    changes = plan.modifications.changes
    if not changes:
        return f"<p>{escape(_('None: full doses.'))}</p>"
    items = "".join(
        f"<li>{escape(c.action.value)}: {escape(render_parts(c.reason_parts, c.reason))}</li>" for c in changes
    )
    return f"<ul>{items}</ul>"


def _delay(plan: CyclePlan) -> str:
    delay = plan.modifications.delay
    if delay is None:
        return ""
    reason = render_parts(delay.reason_parts, delay.reason)
    text = _("Cycle delayed: do not start until the toxicity is resolved") + f" — {reason}"
    return f'<div class="delay">{escape(text)}</div>'


def order_sheet_html(plan: CyclePlan) -> str:
    """The order sheet of ``plan`` as a complete HTML document."""
    facts: list[tuple[str, Any]] = [
        (_("Subject"), plan.subject_id or "—"),
        (_("Cycle"), f"{plan.cycle} ({_('every')} {plan.cycle_length_days} {_('days')})"),
        (_("Height"), f"{_number(plan.height_cm)} cm"),
        (_("Weight"), f"{_number(plan.weight_kg)} kg"),
        (_("Body surface area"), f"{plan.bsa_m2:.2f} m2 ({plan.bsa_formula.value})"),
        (_("Protocol"), f"{plan.protocol_id} {_('version')} {plan.protocol_version}"),
        (_("Targeted agent"), plan.targeted_agent.value if plan.targeted_agent else _("not chosen")),
        (_("Reason"), render_parts(plan.targeted_agent_reason_parts, plan.targeted_agent_reason)),
    ]
    fact_rows = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(str(v))}</td></tr>" for k, v in facts)
    headers = [_("Drug"), _("Dose"), _("Prescribed"), _("Route"), _("Day"), _("Start"), _("Stop"), _("Pump rate")]
    header_row = "".join(f"<th>{escape(h)}</th>" for h in headers)
    signatures = "".join(
        f'<tr><td>{escape(role)}<br><span class="line"></span></td>'
        f'<td>{escape(_("Signature"))}<br><span class="line"></span></td>'
        f'<td>{escape(_("Date"))}<br><span class="line date"></span></td></tr>'
        for role in (_("Prescriber (name)"), _("Verifier (name)"))
    )
    title = _("Chemotherapy order: HAIC-FOLFOX cycle")
    hours_note = _("Hours are counted from the start of the cycle (day 1, 0 h).")
    return f"""<!DOCTYPE html>
<html lang="{current_language()}"><head><meta charset="utf-8"><title>{escape(title)} {plan.cycle}</title>
<style>{STYLE}</style></head>
<body>
<h1>{escape(title)} {plan.cycle}</h1>
<table class="facts">{fact_rows}</table>
{_delay(plan)}
<h2>{escape(_("Administrations"))}</h2>
<table><thead><tr>{header_row}</tr></thead><tbody>
{_rows(plan)}
</tbody></table>
<p class="muted">{escape(hours_note)}</p>
<h2>{escape(_("Dose modifications"))}</h2>
{_modifications(plan)}
<h2>{escape(_("Signatures"))}</h2>
<table class="sign">{signatures}</table>
<p class="muted">{escape(_("Engine"))} haictrial {escape(plan.engine_version)}</p>
</body></html>
"""


def render_order_sheet(plan: CyclePlan) -> Any:
    """The laid-out WeasyPrint document of the order sheet (``.pages`` for the page count)."""
    from weasyprint import HTML

    return HTML(string=order_sheet_html(plan)).render()


def write_order_sheet(plan: CyclePlan, path: str | Path) -> int:
    """Write the order sheet of ``plan`` as a PDF to ``path``; returns the number of pages."""
    document = render_order_sheet(plan)
    document.write_pdf(str(path))
    return len(document.pages)
