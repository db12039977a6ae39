"""``haictrial plan`` (one dosed cycle, docs/contracts/plan.md) and ``haictrial calendar`` (visit calendar)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from haictrial.clinical.bsa import BsaFormula
from haictrial.clinical.dose_modification import ToxicityHistory, ToxicityInputError
from haictrial.clinical.dosing import CyclePlan, plan_cycle
from haictrial.clinical.patient import Patient
from haictrial.clinical.regimen import choose_targeted_agent
from haictrial.clinical.schedule import to_icalendar, visit_calendar
from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.documents import parse_model, read_json
from haictrial.entry_date import parse_entry
from haictrial.errors import InputError
from haictrial.i18n import _, render_parts
from haictrial.protocol import load_protocol

PROTOCOL_OPTION = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1).")


def _folded(out: Table) -> Table:
    """Wrap long cells instead of cutting them: a drug name or a dose is never shown as 'oxaliplat…'."""
    for column in out.columns:
        column.overflow = "fold"
    return out


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if float(value).is_integer() else str(value)


def plan(
    patient_file: str = typer.Argument(..., metavar="PATIENT.json", help="The patient document ('-' for stdin)."),
    cycle: int = typer.Option(1, "--cycle", min=1, help="The cycle to plan (1 = first)."),
    bsa_formula: BsaFormula = typer.Option(BsaFormula.mosteller, "--bsa-formula", help="BSA formula."),
    protocol_file: Path | None = PROTOCOL_OPTION,
    toxicity_file: str | None = typer.Option(
        None, "--toxicity", metavar="TOX.json", help="Worst CTCAE grades per completed cycle (README)."
    ),
    fu_concentration: float | None = typer.Option(
        None, "--fu-concentration", metavar="MG_PER_ML", help="5-FU infusion concentration: adds the rate in mL/h."
    ),
    pdf_file: Path | None = typer.Option(None, "--pdf", metavar="FILE", help="Also write the order sheet as PDF."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Dose one cycle of HAIC-FOLFOX plus the targeted agent for a patient."""
    protocol = load_protocol(protocol_file)
    patient = parse_entry(Patient, read_json(patient_file), protocol)
    history = None
    if toxicity_file is not None:
        history = _parse_toxicity(read_json(toxicity_file))
    try:
        result = plan_cycle(
            patient,
            protocol,
            cycle=cycle,
            bsa_formula=bsa_formula,
            toxicity_history=history,
            fu_concentration_mg_per_ml=fu_concentration,
        )
    except ToxicityInputError as exc:
        raise _in_toxicity_file(exc) from None
    if pdf_file is not None:
        from haictrial.reports.order_sheet import write_order_sheet

        try:
            pages = write_order_sheet(result, pdf_file)
        except OSError as exc:
            raise InputError(f"cannot write {pdf_file}: {exc.strerror or exc}", field="--pdf") from None
        typer.echo(f"wrote {pdf_file} ({pages} page{'s' if pages != 1 else ''})", err=True)
    if output == OutputFormat.json:
        print_json(result.as_contract())
        return
    render_plan(result)


def _in_toxicity_file(exc: InputError) -> InputError:
    """The same error with its field located in the --toxicity document."""
    return InputError(exc.message, field=f"toxicity.{exc.field}" if exc.field else "toxicity")


def _parse_toxicity(data: object) -> ToxicityHistory:
    try:
        return parse_model(ToxicityHistory, data)
    except InputError as exc:
        raise _in_toxicity_file(exc) from None


def render_plan(result: CyclePlan) -> None:
    console.print(
        f"[bold]{result.subject_id or '—'}[/bold] {_('cycle')} {result.cycle} "
        f"({_('every')} {result.cycle_length_days} {_('days')}); "
        f"{_('protocol')} {result.protocol_id} {result.protocol_version}"
    )
    console.print(
        f"{_('Height')} {_number(result.height_cm)} cm, {_('weight')} {_number(result.weight_kg)} kg, "
        f"BSA {result.bsa_m2:.2f} m2 ({result.bsa_formula.value})"
    )
    agent = result.targeted_agent.value if result.targeted_agent else _("not chosen")
    agent_reason = render_parts(result.targeted_agent_reason_parts, result.targeted_agent_reason)
    console.print(f"{_('Targeted agent')}: {agent} — {escape(agent_reason)}")
    delay = result.modifications.delay
    if delay is not None:
        console.print(f"[bold]{_('CYCLE DELAYED')}[/bold]: {escape(render_parts(delay.reason_parts, delay.reason))}")
    rows = []
    for a in result.administrations:
        pump = ", ".join(
            text
            for text in (
                f"{_number(a.rate_mg_per_h)} mg/h" if a.rate_mg_per_h is not None else "",
                f"{_number(a.rate_ml_per_h)} mL/h" if a.rate_ml_per_h is not None else "",
            )
            if text
        )
        rows.append(
            [
                a.drug.value + (f" {a.component}" if a.component else ""),
                f"{_number(a.dose_mg)} mg",
                f"{_number(a.prescribed_dose)} {a.dose_unit}"
                + (f" ({_('level')} {a.dose_level})" if a.dose_level else ""),
                _(a.route.value.replace("_", " ")),
                a.day,
                "" if a.start_h is None else f"{_number(a.start_h)}-{_number(a.end_h)} h",
                pump or None,
            ]
        )
    console.print(
        _folded(
            table(
                _("Administrations"),
                [_("drug"), _("dose"), _("prescribed"), _("route"), _("day"), _("hours"), _("pump rate")],
                rows,
            )
        )
    )
    changes = result.modifications.changes
    if changes:
        console.print(
            _folded(
                table(
                    _("Dose modifications"),
                    [_("action"), _("reason")],
                    [[c.action.value, escape(render_parts(c.reason_parts, c.reason))] for c in changes],
                )
            )
        )


def calendar(
    patient_file: str = typer.Argument(..., metavar="PATIENT.json", help="The patient document ('-' for stdin)."),
    start_date: str = typer.Option(..., "--start-date", metavar="YYYY-MM-DD", help="Day 1 of cycle 1."),
    cycles: int = typer.Option(..., "--cycles", min=1, help="Number of cycles to schedule."),
    ics_file: Path | None = typer.Option(None, "--ics", metavar="FILE", help="Also write an iCalendar file."),
    protocol_file: Path | None = PROTOCOL_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """The visit calendar: HAIC admissions, cetuximab infusions, imaging and MDT reviews with windows."""
    try:
        start = dt.date.fromisoformat(start_date)
    except ValueError:
        raise InputError(f"not an ISO date (YYYY-MM-DD): {start_date!r}", field="start_date") from None
    protocol = load_protocol(protocol_file)
    patient = parse_entry(Patient, read_json(patient_file), protocol)
    choice = choose_targeted_agent(patient, protocol)
    events = visit_calendar(start, cycles, protocol, choice.agent)
    if ics_file is not None:
        try:
            Path(ics_file).write_bytes(
                to_icalendar(events, protocol, subject_id=patient.subject_id, stamp=dt.datetime.now(dt.UTC))
            )
        except OSError as exc:
            raise InputError(f"cannot write {ics_file}: {exc.strerror or exc}", field="--ics") from None
        typer.echo(f"wrote {ics_file} ({len(events)} events)", err=True)
    if output == OutputFormat.json:
        print_json(
            {
                "subject_id": patient.subject_id,
                "start_date": start.isoformat(),
                "cycles": cycles,
                "targeted_agent": None if choice.agent is None else choice.agent.value,
                "targeted_agent_reason": choice.reason,
                "events": [e.as_dict() for e in events],
                "protocol_id": protocol.protocol_id,
                "protocol_version": protocol.version,
            }
        )
        return
    agent = choice.agent.value if choice.agent else _("not chosen")
    reason = escape(render_parts(choice.reason_parts, choice.reason))
    console.print(f"[bold]{patient.subject_id or '—'}[/bold] {_('Targeted agent')}: {agent} — {reason}")
    console.print(
        _folded(
            table(
                _("Visit calendar"),
                [_("date"), _("visit"), _("cycle"), _("window")],
                [
                    [e.date.isoformat(), e.label, e.cycle, f"{e.window_start.isoformat()} – {e.window_end.isoformat()}"]
                    for e in events
                ],
            )
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``calendar`` to the ``haictrial`` app."""
    app.command("plan")(plan)
    app.command("calendar")(calendar)
