"""``haictrial prescreen SOURCE [--out FILE] [--format json]`` (docs/contracts/prescreen.md) through the real
command: a flat Parquet or CSV source goes through the all-DuckDB file path (``run.prescreen_file``), with the
same ``--out`` table as ``prescreen_table`` and the same printed summary; user errors are one line on
standard error naming the field, exit 2, no traceback (docs/contracts/screen.md error rules).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from haictrial import prescreen_table, screen_document
from haictrial.interop.prescreen import summary
from haictrial.interop.prescreen.sources import read_flat
from haictrial.protocol import default_protocol_path
from haictrial.vocabulary.flat_layout import flat_table

EXAMPLE = json.loads((default_protocol_path().parent / "examples" / "patient.example.json").read_text("utf-8"))
CONTRACT_KEYS = {
    "patients",
    "eligible",
    "ineligible",
    "unknown",
    "errors",
    "by_criterion",
    "seconds",
    "patients_per_second",
}


def haictrial(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command, through ``cli.main()`` and its error mapping."""
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


def _docs() -> list[dict]:
    no_lvef = {k: v for k, v in EXAMPLE.items() if k != "lvef_percent"}
    return [
        EXAMPLE,  # eligible
        {**EXAMPLE, "ecog": 3},  # I6 fails
        no_lvef,  # I6 unknown
        {**EXAMPLE, "sex": "unknown"},  # refused by the engine: an error, no verdict
    ]


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("extracts")
    table = flat_table(_docs())
    pq.write_table(table, root / "extract.parquet")
    pcsv.write_csv(table, root / "extract.csv")
    return {"parquet": root / "extract.parquet", "csv": root / "extract.csv"}


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_flat_file_with_out_writes_the_prescreen_table_and_prints_the_contract_summary(extracts, tmp_path, kind):
    source, out = extracts[kind], tmp_path / "out.parquet"
    done = haictrial("prescreen", str(source), "--out", str(out), "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == CONTRACT_KEYS and set(doc["by_criterion"]) == {f"I{i}" for i in range(1, 9)} | {
        f"E{i}" for i in range(1, 9)
    }
    written = pq.read_table(out)
    # The same table as prescreen_table (the Python API), and the summary is that table's.
    assert written.to_pylist() == prescreen_table(read_flat(source)).to_pylist()
    want = summary(written)
    assert {k: doc[k] for k in want} == want
    assert (doc["patients"], doc["eligible"], doc["ineligible"], doc["unknown"], doc["errors"]) == (4, 1, 1, 1, 1)
    assert doc["seconds"] > 0 and abs(doc["patients_per_second"] - 4 / doc["seconds"]) <= 1
    # Every decided row is the engine's verdict; the refused row carries the engine's one-line message.
    for want_doc, got in zip(_docs(), written.to_pylist(), strict=True):
        if got["error"] is not None:
            assert got["eligible"] is None and got["error"].startswith("sex")
            continue
        verdict = screen_document(want_doc)
        assert got["eligible"] == verdict["eligible"] and got["missing"] == verdict["missing"]


def test_without_out_it_prints_the_text_summary(extracts):
    done = haictrial("prescreen", str(extracts["parquet"]))
    assert done.returncode == 0, done.stderr
    assert "Pre-screen of 4 patients" in done.stdout
    assert "eligible 1, ineligible 1, undecided 1, errors 1" in done.stdout


def test_an_out_path_that_cannot_be_written_is_one_line_naming_out(extracts, tmp_path):
    out = tmp_path / "no-such-directory" / "out.parquet"
    done = haictrial("prescreen", str(extracts["parquet"]), "--out", str(out), "--format", "json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "out" in done.stderr and "cannot write" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("missing.parquet", None, "no such file"),
        ("extract.json", "{}", "expected a .parquet or .csv file"),
    ],
)
def test_a_bad_source_is_one_line_naming_source(tmp_path, name, content, needle):
    source = tmp_path / name
    if content is not None:
        source.write_text(content)
    done = haictrial("prescreen", str(source), "--out", str(tmp_path / "o.parquet"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "SOURCE" in done.stderr and needle in done.stderr
