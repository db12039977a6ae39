"""``haictrial screen PATIENT.json [--protocol FILE] [--format json]`` (docs/contracts/screen.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from haictrial.clinical.eligibility import CriterionStatus, ScreeningResult, screen
from haictrial.clinical.patient import Patient
from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.documents import read_json
from haictrial.entry_date import parse_entry
from haictrial.i18n import _, render_reason
from haictrial.protocol import load_protocol

_STATUS_STYLE = {CriterionStatus.PASS: "green", CriterionStatus.FAIL: "red", CriterionStatus.UNKNOWN: "yellow"}


def screen_command(
    patient_file: str = typer.Argument(..., metavar="PATIENT.json", help="The patient document ('-' for stdin)."),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Evaluate one patient against the 16 eligibility criteria. Exit 0 whatever the verdict."""
    document = read_json(patient_file)
    protocol = load_protocol(protocol_file)
    patient = parse_entry(Patient, document, protocol)
    result = screen(patient, protocol)
    if output == OutputFormat.json:
        print_json(result.as_contract())
        return
    render_screening(result)


def render_screening(result: ScreeningResult) -> None:
    """The readable form: one row per criterion, then Child-Pugh, missing fields and the verdict."""
    rows = []
    for c in result.criteria:
        style = _STATUS_STYLE[c.status]
        rows.append(
            [
                c.id,
                _(c.kind.value),
                f"[{style}]{_(c.status.value)}[/{style}]",
                escape(render_reason(c.model_dump(mode="json"))),
            ]
        )
    title = _("Screening {subject}: {protocol} v{version}").format(
        subject=escape(result.subject_id or _("(no subject_id)")),
        protocol=result.protocol_id,
        version=result.protocol_version,
    )
    console.print(table(title, [_("id"), _("kind"), _("status"), _("reason")], rows))
    score = result.child_pugh
    if score is None:
        console.print(_("Child-Pugh: not computable (a component is missing)"))
    else:
        console.print(
            _("Child-Pugh: class {klass}, {score} points").format(klass=score.child_pugh_class, score=score.score)
        )
    missing = escape(", ".join(result.missing)) if result.missing else _("none")
    console.print(_("Missing: {fields}").format(fields=missing))
    if result.eligible is True:
        verdict = f"[green]{_('eligible')}[/green] {_('(all 16 criteria pass)')}"
    elif result.eligible is False:
        failed = ", ".join(c.id for c in result.criteria if c.status == CriterionStatus.FAIL)
        verdict = f"[red]{_('not eligible')}[/red] " + _("(fails {ids})").format(ids=failed)
    else:
        unknown = ", ".join(c.id for c in result.criteria if c.status == CriterionStatus.UNKNOWN)
        verdict = f"[yellow]{_('undecided')}[/yellow] " + _("({ids} unknown: report the missing fields)").format(
            ids=unknown
        )
    console.print(_("Verdict: {verdict}").format(verdict=verdict))


def register(app: typer.Typer) -> None:
    """Add ``haictrial screen`` to the app."""
    app.command("screen")(screen_command)
