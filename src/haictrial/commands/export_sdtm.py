"""``haictrial export sdtm --out DIR [--format-out xpt,json] [--from-synth DIR]`` (docs/contracts/interop.md).

Prints the files written (``--format json``: ``{"files": [{"path", "rows", "sha256"}], "problems": [...]}``);
exit 0 when written and valid, 1 when the package fails its own validation, 2 for bad input.
"""

from __future__ import annotations

from pathlib import Path

import typer

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.i18n import _
from haictrial.protocol import load_protocol


def export_sdtm(
    out: Path = typer.Option(..., "--out", help="Directory to write the package into (created)."),
    format_out: str = typer.Option("xpt,json", "--format-out", help="xpt, json or both (comma-separated)."),
    from_synth: Path | None = typer.Option(
        None, "--from-synth", help="Read a `haictrial synth --out DIR` directory instead of the EDC database."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Write the SDTMIG 3.4 package: XPT v5 and Dataset-JSON v1.1 domains, define.xml and define.html."""
    from haictrial.interop.sdtm.package import parse_formats, write_package
    from haictrial.interop.sdtm.source import from_database
    from haictrial.interop.sdtm.source import from_synth as read_synth

    formats = parse_formats(format_out)
    protocol = load_protocol(protocol_file)
    study = read_synth(from_synth, protocol) if from_synth is not None else from_database()
    result = write_package(study, protocol, out, formats)
    if output == OutputFormat.json:
        print_json(result)
    else:
        rows = [[f["path"], "" if f["rows"] is None else f["rows"], f["sha256"][:12]] for f in result["files"]]
        console.print(table(_("SDTM package"), [_("file"), _("rows"), "sha256"], rows))
        for problem in result["problems"]:
            console.print(f"[red]{problem}[/red]")
    if result["problems"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``sdtm`` to ``haictrial export``."""
    app.command("sdtm")(export_sdtm)
