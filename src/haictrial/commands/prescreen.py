"""``haictrial prescreen SOURCE [--source-format flat|omop] [--out FILE] [--protocol FILE] [--backend URL]
[--format json]`` (docs/contracts/prescreen.md): a whole population screened at once."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json
from haictrial.errors import InputError
from haictrial.i18n import _


class SourceFormat(StrEnum):
    flat = "flat"
    omop = "omop"


def prescreen_command(
    source: str = typer.Argument(
        ...,
        metavar="SOURCE",
        help="A flat Parquet/CSV file (docs/prescreen-columns.md), or with --source-format omop an OMOP CDM 5.4 DuckDB file or database URL (docs/prescreen-omop.md).",
    ),
    source_format: SourceFormat = typer.Option(SourceFormat.flat, "--source-format", help="flat or omop."),
    out: Path | None = typer.Option(None, "--out", help="Write one row per patient to this Parquet file."),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    backend: str | None = typer.Option(
        None, "--backend", help="postgres://..., trino://... or spark (default DuckDB)."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Pre-screen a hospital population against the 16 criteria; verdicts identical to `haictrial screen`."""
    import pyarrow.parquet as pq

    from haictrial.interop.prescreen import prescreen_table, summary
    from haictrial.interop.prescreen.sources import connect, read_flat
    from haictrial.protocol import load_protocol

    protocol = load_protocol(protocol_file)
    began = time.perf_counter()
    if source_format == SourceFormat.omop:
        # docs/prescreen-omop.md: SOURCE is the CDM itself (a DuckDB file or a database URL).
        from haictrial.interop.prescreen.omop import connect_omop, omop_flat, omop_tables

        table = omop_flat(omop_tables(connect_omop(source)), protocol=protocol)  # E5's window: --protocol
    else:
        table = read_flat(source, connect(backend))
    result = prescreen_table(table, protocol)
    seconds = time.perf_counter() - began
    if out is not None:
        try:
            pq.write_table(result, out, compression="zstd")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}", field="out") from None
    doc = summary(result, seconds)
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = [[cid, c["pass"], c["fail"], c["unknown"]] for cid, c in doc["by_criterion"].items()]
    console.print(
        table(_("Pre-screen of {n} patients").format(n=doc["patients"]), ["id", "pass", "fail", "unknown"], rows)
    )
    console.print(_("eligible {eligible}, ineligible {ineligible}, undecided {unknown}, errors {errors}").format(**doc))


def register(app: typer.Typer) -> None:
    """Add ``haictrial prescreen`` to the app."""
    app.command("prescreen")(prescreen_command)
