"""``haictrial synth --subjects N --seed S --out DIR [--start DATE] [--faults RATE]``: the synthetic cohort.

Writes the documented, versioned data set of :mod:`haictrial.synth` (docs/synthetic-data.md): the
screened patients' screen-contract documents, the enrolled patients' RECIST documents, the analysis
tables as Parquet, the fault ledger and ``manifest.json``. ``N`` is the number SCREENED.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import typer

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.errors import InputError
from haictrial.protocol import load_protocol


def parse_start(text: str | None, default: dt.date) -> dt.date:
    """``--start``: an ISO date (YYYY-MM-DD); InputError naming ``start`` otherwise."""
    if text is None:
        return default
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"not a date: {text!r}; use YYYY-MM-DD, e.g. 2023-05-01", field="start") from None


def synth_command(
    subjects: int = typer.Option(..., "--subjects", help="Number of patients SCREENED (N > 0)."),
    seed: int = typer.Option(..., "--seed", help="Random seed (>= 0): the same seed gives byte-identical files."),
    out: Path = typer.Option(..., "--out", help="Output directory (new or empty; see --overwrite)."),
    start: str | None = typer.Option(
        None, "--start", help="First screening date, YYYY-MM-DD (default: the protocol's start date, 2023-05-01)."
    ),
    faults: float = typer.Option(0.0, "--faults", help="Share (0-1) of records given one data-quality fault."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Write into a non-empty --out, replacing our files."),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Generate a seeded synthetic CRLM cohort and its course through the trial, and write it to --out."""
    from haictrial.synth.cohort import check_arguments, generate_cohort
    from haictrial.synth.writer import check_out_dir, write_cohort

    check_arguments(subjects, seed, faults)
    protocol = load_protocol(protocol_file)
    first = parse_start(start, protocol.registry.start_date)
    check_out_dir(out, overwrite)
    began = time.perf_counter()
    cohort = generate_cohort(subjects, seed, first, faults, protocol)
    manifest = write_cohort(cohort, out, overwrite=overwrite)
    seconds = time.perf_counter() - began
    if output == OutputFormat.json:
        print_json(manifest)
        return
    rows = [[f["path"], f["rows"], f["bytes"], f["sha256"][:16]] for f in manifest["files"]]
    console.print(table(f"Synthetic cohort in {out}", ["file", "rows", "bytes", "sha256 (start)"], rows))
    console.print(
        f"{manifest['subjects_screened']} screened, {manifest['subjects_enrolled']} enrolled; seed {seed}; "
        f"start {manifest['start']}; faults {faults:g} ({manifest['faults_injected']} injected); "
        f"protocol {manifest['protocol_id']} v{manifest['protocol_version']}; {seconds:.1f} s"
    )


def register(app: typer.Typer) -> None:
    """Add ``haictrial synth`` to the app."""
    app.command("synth")(synth_command)
