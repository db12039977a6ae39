"""``write_cohort``: the synthetic data set on disk, byte-for-byte reproducible, with its manifest.

Files (docs/synthetic-data.md describes every column):

- ``screening.jsonl``: one docs/contracts/screen.md document per screened patient;
- ``recist.jsonl``: one docs/contracts/recist.md input document per enrolled patient;
- ``faults.jsonl``: the ledger of injected data-quality faults (empty without ``--faults``);
- ``<table>.parquet``: the analysis tables (subjects, screening, cycles, ...); ``screening.parquet`` holds
  the screening documents in the flat pre-screening layout (docs/prescreen-columns.md) and the verdicts;
- ``manifest.json``: generator version, seed, N, start, faults, protocol version, and every file with
  its row count, size and SHA-256, written last.

Nothing is written outside the output directory: each file is written to a temporary name inside it
and renamed over the final name (a symbolic link there is replaced, never followed). An existing
non-empty directory is refused unless ``overwrite`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from haictrial.errors import InputError
from haictrial.synth import text as T
from haictrial.synth.cohort import TABLE_NAMES, SyntheticCohort
from haictrial.synth.faults import Ledger
from haictrial.synth.screening import flat_screening_table

MANIFEST = "manifest.json"
#: Rows per Parquet row group: large, so that a dictionary-encoded column (subject_id) writes its
#: dictionary once per file rather than once per million rows (twice as fast, a third smaller).
ROW_GROUP_ROWS = 64_000_000
JSON_FILES = {
    "screening.jsonl": "one docs/contracts/screen.md patient document per screened patient",
    "recist.jsonl": "one docs/contracts/recist.md input document per enrolled patient",
    "faults.jsonl": "ledger of injected data-quality faults, one per line",
}


def cohort_files() -> list[str]:
    """Every file name a cohort writes, manifest last."""
    return [*JSON_FILES, *(f"{name}.parquet" for name in TABLE_NAMES), MANIFEST]


def check_out_dir(out_dir: str | Path, overwrite: bool = False) -> Path:
    """InputError naming ``out`` if it is a file, or a non-empty directory without ``overwrite``."""
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} exists and is not a directory", field="out")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise InputError(f"{path} is not empty; choose a new directory or pass --overwrite", field="out")
    return path


def prepare_out_dir(out_dir: str | Path, overwrite: bool = False) -> Path:
    """The output directory, created if absent; InputError naming ``out`` if it is a file or a non-empty
    directory (without ``overwrite``)."""
    path = check_out_dir(out_dir, overwrite)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {path}: {exc.strerror or exc.__class__.__name__}", field="out") from None
    return path


def _write(directory: Path, name: str, parts: list[Any]) -> tuple[str, int]:
    """Write the bytes-like ``parts`` to ``directory/name`` atomically; (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in parts:
                view = memoryview(part)
                digest.update(view)
                handle.write(view)
                size += view.nbytes
        os.replace(tmp, directory / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def parquet_bytes(table: pa.Table) -> pa.Buffer:
    """The table as Parquet with fixed settings (zstd, dictionary, statistics; no pandas metadata), so
    the same table always gives the same bytes."""
    sink = pa.BufferOutputStream()
    table = table.replace_schema_metadata(None)
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        row_group_size=ROW_GROUP_ROWS,
        version="2.6",
    )
    return sink.getvalue()


def write_cohort(cohort: SyntheticCohort, out_dir: str | Path, overwrite: bool = False) -> dict[str, Any]:
    """Write ``cohort`` to ``out_dir``; return the manifest (also written as ``manifest.json``)."""
    directory = prepare_out_dir(out_dir, overwrite)
    documents = {
        "screening.jsonl": cohort.screening_lines,
        "recist.jsonl": cohort.recist_lines,
        "faults.jsonl": Ledger.documents(cohort.fault_table),
    }

    def jsonl(name: str) -> tuple[str, dict[str, Any]]:
        docs = documents[name]
        digest, size = _write(directory, name, T.line_buffers(docs))
        return name, {
            "path": name,
            "format": "jsonl",
            "rows": len(docs),
            "bytes": size,
            "sha256": digest,
            "description": JSON_FILES[name],
        }

    def parquet(name: str) -> tuple[str, dict[str, Any]]:
        table = cohort.arrow_tables[name]
        if name == "screening":
            # The flat pre-screening layout (docs/prescreen-columns.md) read from screening.jsonl itself.
            table = flat_screening_table(cohort.screening_lines, table)
        digest, size = _write(directory, f"{name}.parquet", [parquet_bytes(table)])
        return f"{name}.parquet", {
            "path": f"{name}.parquet",
            "format": "parquet",
            "rows": table.num_rows,
            "bytes": size,
            "sha256": digest,
            "description": f"analysis table {name}",
        }

    # Two workers (the machine's two cores): Parquet encoding, hashing and file writes release the GIL.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(jsonl, name) for name in documents]
        jobs += [pool.submit(parquet, name) for name in TABLE_NAMES]
        entries = dict(job.result() for job in jobs)
    manifest = manifest_of(cohort, [entries[n] for n in cohort_files() if n in entries])
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    _write(directory, MANIFEST, [text.encode("utf-8")])
    return manifest


def manifest_of(cohort: SyntheticCohort, files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "dataset": "haictrial synthetic CRLM cohort (CHALLENGE-A1)",
        "documentation": "docs/synthetic-data.md",
        "generator": "haictrial.synth",
        "generator_version": cohort.generator_version,
        "engine_version": cohort.engine_version,
        "seed": cohort.seed,
        "subjects_screened": cohort.subjects,
        "subjects_enrolled": cohort.enrolled,
        "start": cohort.start.isoformat(),
        "data_cutoff": cohort.data_cutoff.isoformat(),
        "faults": cohort.faults,
        "faults_injected": cohort.fault_table.num_rows,
        "protocol_id": cohort.protocol_id,
        "protocol_version": cohort.protocol_version,
        "engine_checks": cohort.checks,
        "files": files,
    }
