"""Pre-screening benchmark (docs/contracts/prescreen.md): compiled criteria from Parquet vs the per-patient engine.

    .venv/bin/python bench/bench_prescreen.py [--subjects 1000000] [--sample 2000]

Prints patients/s end to end from the file to the written result (read, query on all of DuckDB's threads,
engine fallback, the ``--out`` Parquet file, summary), once compiling the SQL (cold) and once with the SQL
compiled per protocol and schema (warm, the figure held to the goal), the ratio to the per-patient engine on a
sample, and peak memory (goals: >= 5 000 000/s, >= 2 500x, < 4 GB). For scale it also prints the floor: DuckDB
reading the layout's columns of the file and touching every value (a null test each), with no criterion at all. ``--source DIR`` reuses a
``haictrial synth`` directory (its screening.parquet and screening.jsonl) instead of generating one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from haictrial.interop.prescreen import screen_document
from haictrial.interop.prescreen.run import prescreen_file
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort
from haictrial.vocabulary.flat_layout import layout_of


def scan_floor(source: Path) -> float:
    """Patients/s of the cheapest query that reads every layout column of ``source``: a null test per value."""
    conn = duckdb.connect()
    file = str(source).replace("'", "''")
    names = [row[0] for row in conn.sql(f"DESCRIBE SELECT * FROM '{file}'").fetchall()]
    columns = [name for name in layout_of(names).columns() if name in names]
    touched = " + ".join(f'("{name}" IS NULL)::INTEGER' for name in columns)
    began = time.perf_counter()
    rows, _ = conn.sql(f"SELECT count(*), sum({touched}) FROM '{file}'").fetchone() or (0, 0)
    return rows / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--source", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.source or Path(tmp)
        if args.source is None:
            write_cohort(generate_cohort(args.subjects, 1, dt.date(2023, 5, 1), 0.0, verify=0), out)
        setting = duckdb.connect().sql("SELECT current_setting('threads')").fetchone()
        threads = setting[0] if setting else "?"
        source, written = out / "screening.parquet", Path(tmp) / "prescreen.parquet"
        # Cold: the SQL compiled from the protocol (ibis) in this run; warm: compiled once per protocol and
        # schema (cached), as every later run of the same extract layout.
        runs = {}
        for label in ("cold", "warm"):
            began = time.perf_counter()
            runs[label] = prescreen_file(source, written, began=began)
        doc = runs["warm"]
        with (out / "screening.jsonl").open() as handle:
            lines = [next(handle) for _ in range(min(args.sample, doc["patients"]))]
        began = time.perf_counter()
        for line in lines:
            screen_document(json.loads(line))
        engine_rate = len(lines) / (time.perf_counter() - began)
        floor = scan_floor(source)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    rate = doc["patients_per_second"]
    print(f"DuckDB threads {threads} of {os.cpu_count()} cores")
    cold = runs["cold"]
    print(f"patients {doc['patients']}, errors {doc['errors']}, eligible {doc['eligible']}")
    print(f"cold (SQL compiled in this run): {cold['seconds']:.3f} s, {cold['patients_per_second']:,.0f}/s")
    print(f"compiled {rate:,.0f}/s ({doc['seconds']:.3f} s, SQL cached; goal 5,000,000: ratio {rate / 5e6:.3f})")
    print(
        f"engine {engine_rate:,.0f}/s; compiled/engine {rate / engine_rate:,.0f}x (goal 2,500: ratio {rate / engine_rate / 2500:.3f})"
    )
    print(f"floor: reading the layout's columns alone {floor:,.0f}/s (compiled/floor {rate / floor:.3f})")
    print(f"peak memory {peak_gb:.2f} GB (goal < 4: ratio {peak_gb / 4:.3f})")


if __name__ == "__main__":
    main()
