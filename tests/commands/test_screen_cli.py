"""``haictrial screen PATIENT.json [--protocol FILE] [--format json]`` as docs/contracts/screen.md writes it.

The malformed-input corpus (tests/data/bad/*.json, expected messages in tests/data/bad/EXPECTED.tsv) runs
through the real command in a subprocess: exit 2, exactly one line on standard error naming the problem,
nothing on standard output, no traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.protocol import default_protocol_path

DATA = Path(__file__).parent.parent / "data"
BAD = DATA / "bad"
PATIENTS = DATA / "patients"
EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
VARIANT = DATA / "protocols" / "variant.yaml"


def haictrial(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, through ``cli.main()`` and its error mapping."""
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def expected_errors() -> dict[str, str]:
    rows = BAD.joinpath("EXPECTED.tsv").read_text(encoding="utf-8").splitlines()
    return dict(row.split("\t", 1) for row in rows if row and not row.startswith("#"))


runner = CliRunner()


# --- JSON output -----------------------------------------------------------------------------


def test_it_prints_one_json_document_for_the_contract_example():
    done = haictrial("screen", str(EXAMPLE), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    doc = json.loads(done.stdout)  # the whole of standard output is one document
    assert doc["subject_id"] == "CHA-001-0001"
    assert doc["eligible"] is True
    assert [c["id"] for c in doc["criteria"]] == [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]
    first = doc["criteria"][0]
    assert {k: first[k] for k in ("id", "kind", "status", "reason", "missing")} == {
        "id": "I1",
        "kind": "inclusion",
        "status": "pass",
        "reason": "age 65 years (18-75)",
        "missing": [],
    }
    assert set(first) - {"id", "kind", "status", "reason", "missing"} == {
        "reason_template",
        "reason_params",
        "reason_parts",
    }
    assert {c["status"] for c in doc["criteria"]} == {"pass"}
    assert {c["kind"] for c in doc["criteria"][8:]} == {"exclusion"}
    assert doc["child_pugh"]["score"] == 5 and doc["child_pugh"]["class"] == "A"
    assert doc["missing"] == []


@pytest.mark.parametrize(
    ("name", "eligible", "missing"),
    [
        ("ineligible.json", False, []),
        ("undecided.json", None, ["labs.albumin", "medical_history[0].date"]),
        ("conventional_units.json", True, []),
    ],
)
def test_it_exits_0_whatever_the_verdict(name, eligible, missing):
    result = runner.invoke(app, ["screen", str(PATIENTS / name), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["eligible"] is eligible
    assert doc["missing"] == missing
    if eligible is None:
        assert doc["child_pugh"] is None


def test_it_reads_standard_input():
    done = haictrial("screen", "-", "--format", "json", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["eligible"] is True


def test_a_variant_protocol_changes_the_verdict():
    # variant.yaml: platelets >= 100 x10^9/L (CHALLENGE-A1: >= 75).
    patient = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    patient["labs"]["platelets"] = {"value": 90, "unit": "10^9/L"}
    text = json.dumps(patient)
    default = runner.invoke(app, ["screen", "-", "--format", "json"], input=text)
    variant = runner.invoke(app, ["screen", "-", "--protocol", str(VARIANT), "--format", "json"], input=text)
    assert json.loads(default.stdout)["eligible"] is True
    doc = json.loads(variant.stdout)
    assert doc["eligible"] is False
    assert doc["protocol_version"] == "1.0-variant"
    i8 = next(c for c in doc["criteria"] if c["id"] == "I8")
    assert i8["status"] == "fail" and "platelets 90 x10^9/L below 100 x10^9/L" in i8["reason"]


# --- table output ----------------------------------------------------------------------------


def test_the_table_shows_every_criterion_child_pugh_missing_and_the_verdict():
    result = runner.invoke(app, ["screen", str(PATIENTS / "undecided.json")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for cid in [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]:
        assert f" {cid} " in out
    assert "Child-Pugh: not computable" in out
    assert "Missing: labs.albumin, medical_history[0].date" in out  # brackets survive rich markup
    assert "Verdict: undecided (I7, E5 unknown" in out


def test_the_table_names_the_failures():
    result = runner.invoke(app, ["screen", str(PATIENTS / "ineligible.json")])
    assert result.exit_code == 0
    assert "Child-Pugh: class B, 7 points" in result.stdout
    assert "Verdict: not eligible (fails I7, I8, E1)" in result.stdout
    assert "platelets 62 x10^9/L below 75" in result.stdout


def test_the_table_for_an_eligible_patient():
    result = runner.invoke(app, ["screen", str(EXAMPLE), "--format", "table"])
    assert result.exit_code == 0
    assert "age 65 years (18-75)" in result.stdout
    assert "Child-Pugh: class A, 5 points" in result.stdout
    assert "Missing: none" in result.stdout
    assert "Verdict: eligible" in result.stdout


# --- bad input -------------------------------------------------------------------------------

BAD_FILES = sorted(p.name for p in BAD.glob("*.json"))


def test_the_corpus_is_large_and_every_file_has_an_expected_message():
    assert len(BAD_FILES) >= 20
    assert set(expected_errors()) == set(BAD_FILES)


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_input_exits_2_with_one_line_naming_the_problem(name):
    done = haictrial("screen", str(BAD / name), "--format", "json")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert expected_errors()[name] in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["screen", "no/such/patient.json"], "file not found: no/such/patient.json"),
        (["screen", str(EXAMPLE), "--protocol", "no/such/protocol.yaml"], "file not found: no/such/protocol.yaml"),
        (["screen", str(EXAMPLE), "--protocol", str(EXAMPLE)], "is not a valid protocol"),
    ],
)
def test_unreadable_files_exit_2_with_one_line(args, fragment):
    done = haictrial(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert fragment in done.stderr


def run_main_in_process(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``haictrial ARGS`` through cli.main() (the same error mapping as the installed command), in process."""
    from haictrial import cli

    monkeypatch.setattr(sys, "argv", ["haictrial", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out, out.err


@pytest.mark.parametrize("command", [["plan"], ["calendar", "--start-date", "2026-12-01", "--cycles", "2"]])
@pytest.mark.parametrize("name", BAD_FILES)
def test_every_reader_of_the_patient_document_rejects_the_corpus_the_same_way(monkeypatch, capsys, command, name):
    # The corpus is bad for any consumer of the patient document: plan and calendar read it too.
    code, out, err = run_main_in_process(monkeypatch, capsys, command[0], str(BAD / name), *command[1:])
    assert code == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert expected_errors()[name] in lines[0]
    assert "Traceback" not in err
