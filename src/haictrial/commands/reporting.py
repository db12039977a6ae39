"""``haictrial report [--out DIR] [--from-synth DIR] [--cutoff DATE]``: the analysis report.

Writes report.html (self-contained), report.pdf, results.json, the analysis data sets with their data
dictionary, one CSV per table and one PNG and SVG per figure (see :mod:`haictrial.reports.build`).
The data come from the EDC database, or with ``--from-synth`` from a directory written by
``haictrial synth --out DIR``. A rich progress bar runs on standard error; standard output gets the
paths written and the primary endpoint (or, with ``--format json``, one JSON document). A report of the
EDC database is recorded among its builds (origin ``cli``) with ``report.zip`` written beside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json
from haictrial.errors import InputError
from haictrial.i18n import _, current_language
from haictrial.protocol import load_protocol

if TYPE_CHECKING:
    from haictrial.reports.build import ReportResult

# matplotlib, scipy and pandas load only when a report is built, so other commands start fast.


def parse_cutoff(text: str | None) -> dt.date | None:
    """``--cutoff`` as a date (YYYY-MM-DD), or None."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {text!r}", field="--cutoff") from None


def report_command(
    out: Path = typer.Option(Path("report"), "--out", help="Directory to write the report into (created)."),
    from_synth: Path | None = typer.Option(
        None, "--from-synth", help="Read the data from a `haictrial synth --out DIR` directory, not the database."
    ),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Data cut-off date YYYY-MM-DD (default: the last date in the data)."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print report.pdf (WeasyPrint)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Write the analysis report: tables, figures, data sets, report.html and report.pdf."""
    from haictrial.reports.build import STEPS, build_report

    cutoff_date = parse_cutoff(cutoff)
    protocol = load_protocol(protocol_file)
    if out.exists() and not out.is_dir():
        raise InputError(f"exists and is not a directory: {out}", field="--out")
    steps = [s for s in STEPS if pdf or s != "pdf"]
    stderr = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description:<20}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,  # a bar only where someone watches; logs and pipes stay clean
    ) as progress:
        task = progress.add_task(_("loading data"), total=len(steps) + 1)
        if from_synth is not None:
            from haictrial.reports.from_synth import from_synth as load

            datasets = load(from_synth, protocol)
        else:
            from haictrial.reports.from_database import from_database

            datasets = from_database(protocol)
        progress.advance(task)

        def on_step(name: str) -> None:
            if name != steps[0]:
                progress.advance(task)
            progress.update(task, description=name)

        result = build_report(datasets, out, protocol, cutoff_date, pdf=pdf, on_step=on_step)
        progress.advance(task)
    if from_synth is None:  # a report of the EDC is recorded among its builds, with report.zip beside it
        from haictrial.edc.reporting.services import record_cli_build

        record_cli_build(out, result.results, sum(result.timings.values()), pdf, current_language())
    summarise(result, output)


def summarise(result: ReportResult, output: OutputFormat) -> None:
    from haictrial.reports.efficacy import format_rate

    data = result.results
    files = {
        "html": str(result.html),
        "pdf": None if result.pdf is None else str(result.pdf),
        "results": str(result.results_json),
        "datasets": str(result.out_dir / "datasets"),
        "tables": str(result.out_dir / "tables"),
        "figures": str(result.out_dir / "figures"),
    }
    if output == OutputFormat.json:
        print_json(
            {
                "out": str(result.out_dir),
                "files": files,
                "cutoff": data["report"]["cutoff"],
                "protocol_version": data["report"]["protocol_version"],
                "enrolled": data["enrolled"],
                "ctrr": {k: data["ctrr"][k] for k in ("x", "n", "estimate", "lower", "upper")},
                "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
            }
        )
        return
    console.print(
        _("Report of {protocol} v{version}, data cut-off {cutoff}: {enrolled} enrolled.").format(
            protocol=data["report"]["protocol_id"],
            version=data["report"]["protocol_version"],
            cutoff=data["report"]["cutoff"],
            enrolled=data["enrolled"],
        )
    )
    console.print(_("CTRR (R0 resections / enrolled): {rate}").format(rate=format_rate(data["ctrr"])))
    for note in data["notes"]:
        console.print(f"[yellow]{note}[/yellow]")
    for kind, path in files.items():
        if path is not None:
            console.print(f"  {kind:<9} {path}")


def register(app: typer.Typer) -> None:
    """Add ``haictrial report`` to the ``haictrial`` app."""
    app.command("report")(report_command)
