"""``haictrial prescreen SOURCE [--source-format flat|omop] [--out FILE] [--protocol FILE] [--backend URL]
[--format json]`` (docs/contracts/prescreen.md): a whole population screened at once."""

from __future__ import annotations

import os
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
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

        population = omop_flat(omop_tables(connect_omop(source)), protocol=protocol)  # E5's window: --protocol
    elif backend in (None, "", "duckdb"):
        # The fast path: a flat file read, screened and written inside DuckDB (run.prescreen_file), the same
        # table as prescreen_table's (tests/interop/prescreen/test_fast_path.py) without a round trip through
        # Python. A path that cannot be written fails before any work, with the message of the other path.
        from haictrial.interop.prescreen.run import prescreen_file

        if out is not None:
            _writable(out)
        doc = prescreen_file(source, out, protocol, began=began)
        _print_summary(doc, output)
        return
    else:
        population = read_flat(source, connect(backend))
    result = prescreen_table(population, protocol)
    seconds = time.perf_counter() - began
    if out is not None:
        try:
            pq.write_table(result, out, compression="zstd")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}", field="out") from None
    _print_summary(summary(result, seconds), output)


def _writable(out: Path) -> None:
    """Fail with one line naming ``--out`` when ``out`` cannot be written (the reasons ``pq.write_table``
    would give), before any work and without creating the file."""
    parent = out.parent if str(out.parent) else Path(".")
    reason = None
    if out.is_dir():
        reason = "Is a directory"
    elif not parent.is_dir():
        reason = "No such file or directory"
    elif not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        reason = "Permission denied"
    if reason is not None:
        raise InputError(f"cannot write {out}: {reason}", field="out")


def _print_summary(doc: dict[str, Any], output: OutputFormat) -> None:
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
