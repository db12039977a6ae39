"""``haictrial export odm --out DIR [--from-synth DIR]``: the trial as CDISC ODM 1.3.2 (docs/contracts/interop.md).

Exit 0 when odm.xml is written and valid against odmlib's ODM 1.3.2 schema, 1 when it is not (the
problems listed), 2 for bad input (an --out that is a file, an unreadable database).
"""

from __future__ import annotations

from pathlib import Path

import typer

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.i18n import _
from haictrial.protocol import load_protocol


def print_export(result: object, output: OutputFormat) -> None:
    """What an export wrote (``{"files", "problems"}`` with --format json); exit 1 when it has problems."""
    from haictrial.interop.odm.export import ExportResult

    assert isinstance(result, ExportResult)
    if output == OutputFormat.json:
        print_json(result.contract())
    else:
        rows = [[f["path"], f["rows"], f["sha256"][:16]] for f in result.files]
        console.print(table(_("Files written"), [_("path"), _("rows"), "sha256"], rows))
        for problem in result.problems:
            console.print(f"[red]{problem}[/red]")
    if result.problems:
        raise typer.Exit(1)


def export_odm_command(
    out: Path = typer.Option(..., "--out", help="Directory to write odm.xml into (created)."),
    from_synth: Path | None = typer.Option(
        None, "--from-synth", help="Read a `haictrial synth --out DIR` directory instead of the EDC database."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Write odm.xml: CDISC ODM 1.3.2 metadata (eCRFs, items, code lists, visits) and clinical data."""
    from haictrial.interop.odm.export import export_odm

    print_export(export_odm(out, load_protocol(protocol_file), from_synth=from_synth), output)


def register(app: typer.Typer) -> None:
    app.command("odm")(export_odm_command)
