"""``haictrial export redcap --out DIR [--from-synth DIR]``: the REDCap data dictionary and flat records (docs/contracts/interop.md).

Writes ``data_dictionary.csv`` (REDCap's 18 columns in REDCap's order, ``record_id`` first) and
``records.csv`` (one row per record and event; repeating instruments with their instance). Exit 0 when
written and the dictionary passes its own checks, 1 when not (the problems listed), 2 for bad input.
"""

from __future__ import annotations

from pathlib import Path

import typer

from haictrial.commands.export_odm import print_export
from haictrial.commands.output import FORMAT_OPTION, OutputFormat
from haictrial.protocol import load_protocol


def export_redcap_command(
    out: Path = typer.Option(..., "--out", help="Directory to write data_dictionary.csv and records.csv into."),
    from_synth: Path | None = typer.Option(
        None, "--from-synth", help="Read a `haictrial synth --out DIR` directory instead of the EDC database."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Write the REDCap data dictionary (18 columns) and the records as REDCap's flat CSV."""
    from haictrial.interop.redcap.export import export_redcap

    print_export(export_redcap(out, load_protocol(protocol_file), from_synth=from_synth), output)


def register(app: typer.Typer) -> None:
    app.command("redcap")(export_redcap_command)
