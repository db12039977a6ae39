"""``haictrial ctcae LABS.json [--protocol FILE] [--format json]``: CTCAE v5.0 laboratory grading.

A thin shell over :func:`haictrial.clinical.ctcae.grade_labs` (docs/contracts/ctcae.md): read the document,
grade it, print a table or the contract JSON. Input problems are :class:`~haictrial.errors.DomainError`
and become one ``error: field: message`` line with exit code 2 in ``haictrial.cli.main``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from haictrial.clinical.ctcae import CtcaeInput, CtcaeResult, RangeUsed, grade_labs
from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.documents import parse_model, read_json
from haictrial.protocol import load_protocol


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _range_text(used: RangeUsed) -> str:
    return f"{_number(used.lln)}-{_number(used.uln)} {used.unit} ({used.origin})"


def render_ctcae(result: CtcaeResult) -> None:
    """The graded results and the worst grade per term, as two tables."""
    rows = []
    for g in result.grades:
        value = f"{g.value:g} {g.unit}"
        if g.unit != g.unit_si:
            value += f" (= {g.value_si:.4g} {g.unit_si})"
        rows.append([g.date.isoformat(), g.test.value, value, _range_text(g.range), int(g.grade), g.term.value])
    subject = result.subject_id or "(no subject_id)"
    console.print(
        table(
            f"CTCAE v5.0 laboratory grades: {subject}",
            ["date", "test", "value", "range used", "grade", "term"],
            rows,
        )
    )
    console.print(
        table(
            "Worst grade per term",
            ["term", "worst grade"],
            [[term.value, int(grade)] for term, grade in result.worst.items()],
        )
    )
    sources = sorted({f"{test.value}: {used.source}" for test, used in result.reference_ranges.items()})
    if sources:
        console.print("Reference ranges: " + "; ".join(sources))
    console.print(f"{result.standard}; protocol {result.protocol_id} version {result.protocol_version}")


def ctcae(
    labs_file: str = typer.Argument(
        ..., metavar="LABS.json", help="Laboratory results (docs/contracts/ctcae.md); - for stdin."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Grade laboratory results with CTCAE v5.0 and report the worst grade per term."""
    protocol = load_protocol(protocol_file)
    document = parse_model(CtcaeInput, read_json(labs_file))
    result = grade_labs(document, protocol)
    if output == OutputFormat.json:
        print_json(result.as_contract())
        return
    render_ctcae(result)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``haictrial`` app."""
    app.command("ctcae")(ctcae)
