"""``haictrial synth``: writes the data set; a bad argument is one clear line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from haictrial.cli import app


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "haictrial.cli", *args], capture_output=True, text=True, timeout=300)


def test_it_writes_the_data_set(tmp_path):
    out = tmp_path / "cohort"
    result = CliRunner().invoke(
        app,
        ["synth", "--subjects", "300", "--seed", "4", "--out", str(out), "--start", "2024-01-15", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    assert manifest["subjects_screened"] == 300 and manifest["start"] == "2024-01-15" and manifest["seed"] == 4
    assert (out / "screening.jsonl").read_text().count("\n") == 300
    first = json.loads((out / "screening.jsonl").read_text().splitlines()[0])
    assert first["screening_date"] >= "2024-01-15"


def test_the_table_output_names_the_files(tmp_path):
    result = run("synth", "--subjects", "50", "--seed", "1", "--out", str(tmp_path / "c"), "--faults", "0.5")
    assert result.returncode == 0, result.stderr
    assert "faults.jsonl" in result.stdout and "50 screened" in result.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--subjects", "0", "--seed", "1"], "subjects"),
        (["--subjects", "-5", "--seed", "1"], "subjects"),
        (["--subjects", "10", "--seed", "-1"], "seed"),
        (["--subjects", "10", "--seed", "1", "--start", "2023-02-30"], "start"),
        (["--subjects", "10", "--seed", "1", "--start", "yesterday"], "start"),
        (["--subjects", "10", "--seed", "1", "--faults", "1.5"], "faults"),
        (["--subjects", "10", "--seed", "1", "--faults", "-0.1"], "faults"),
    ],
)
def test_a_bad_argument_is_exit_2_with_one_clear_line(tmp_path, args, field):
    out = tmp_path / "never"
    result = run("synth", *args, "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: ")
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_non_number_is_a_usage_error(tmp_path):
    result = run("synth", "--subjects", "many", "--seed", "1", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_non_empty_out_is_refused_without_overwrite(tmp_path):
    out = tmp_path / "c"
    out.mkdir()
    (out / "x").write_text("x")
    result = run("synth", "--subjects", "20", "--seed", "1", "--out", str(out))
    assert result.returncode == 2 and result.stderr.startswith("error: out: ")
    assert sorted(p.name for p in out.iterdir()) == ["x"]
    result = run("synth", "--subjects", "20", "--seed", "1", "--out", str(out), "--overwrite")
    assert result.returncode == 0, result.stderr
    assert (out / "manifest.json").is_file()
