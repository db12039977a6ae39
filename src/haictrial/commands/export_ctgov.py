"""``haictrial export ctgov --out DIR [--from-synth DIR] [--cutoff DATE]`` (docs/contracts/interop.md).

Writes ``results.json``: the ClinicalTrials.gov v2 ``resultsSection`` built from the report's results
(the EDC database, or a ``haictrial synth`` directory with ``--from-synth``). Exit 0 when written and
valid, 1 when the document fails its checks (the problems listed), 2 for bad input.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.commands.reporting import parse_cutoff
from haictrial.errors import InputError
from haictrial.i18n import _
from haictrial.protocol import load_protocol


def export_ctgov_command(
    out: Path = typer.Option(..., "--out", help="Directory to write results.json into (created)."),
    from_synth: Path | None = typer.Option(
        None, "--from-synth", help="Read the data from a `haictrial synth --out DIR` directory, not the database."
    ),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Data cut-off date YYYY-MM-DD (default: the last date in the data)."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Write the ClinicalTrials.gov v2 results section (results.json) and check it."""
    from haictrial.interop.ctgov.export import export_ctgov

    cutoff_date = parse_cutoff(cutoff)
    protocol = load_protocol(protocol_file)
    if out.exists() and not out.is_dir():
        raise InputError(f"exists and is not a directory: {out}", field="--out")
    if from_synth is not None:
        from haictrial.reports.from_synth import from_synth as load

        datasets = load(from_synth, protocol)
    else:
        from haictrial.reports.from_database import from_database

        datasets = from_database(protocol)
    result = export_ctgov(datasets, out, protocol, cutoff_date)
    if output == OutputFormat.json:
        print_json({"files": result.files, "problems": result.problems})
    else:
        rows = [[f["path"], f["rows"], f["sha256"][:16]] for f in result.files]
        console.print(table(_("ClinicalTrials.gov results"), [_("file"), _("rows"), _("sha256 (start)")], rows))
        for problem in result.problems:
            console.print(f"[red]{escape(problem)}[/red]")
    if result.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``ctgov`` to ``haictrial export``."""
    app.command("ctgov")(export_ctgov_command)
