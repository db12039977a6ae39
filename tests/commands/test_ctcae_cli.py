"""``haictrial ctcae LABS.json [--protocol FILE] [--format json]`` (docs/contracts/ctcae.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.protocol import default_protocol_path

DATA = Path(__file__).parent.parent / "data" / "ctcae"
EXAMPLE = DATA / "labs.example.json"
runner = CliRunner()


def run_main(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed entry point, with cli.main()'s error mapping."""
    return subprocess.run(
        [sys.executable, "-c", "from haictrial.cli import main; main()", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_it_prints_the_contract_json():
    result = runner.invoke(app, ["ctcae", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["subject_id"] == "CHA-001-0001"
    first = out["grades"][0]
    assert {k: first[k] for k in ("date", "test", "term", "grade")} == {
        "date": "2026-02-01",
        "test": "neutrophils",
        "term": "Neutrophil count decreased",
        "grade": 3,  # CTCAE v5.0 Neutrophil count decreased G3 <1.0 - 0.5 x10^9/L
    }
    # Every grade of the example, from the CTCAE v5.0 definitions (female default ranges):
    assert out["worst"] == {
        "White blood cell decreased": 2,  # 2.5: G2 <3.0 - 2.0
        "Neutrophil count decreased": 3,  # worst of 0.8 (G3) and 1.6 (G1 <LLN 1.8 - 1.5)
        "Platelet count decreased": 0,  # 180 within 125-350
        "Anemia": 2,  # 9.5 g/dL = 95 g/L: G2 <100 - 80
        "Blood bilirubin increased": 1,  # 1.5 mg/dL = 25.65 umol/L, ULN 21: G1 >ULN - 1.5 x ULN
        "Alanine aminotransferase increased": 2,  # 130 U/L, ULN 40 (input): G2 >3.0 - 5.0 x ULN
        "Aspartate aminotransferase increased": 0,  # 30 within 13-35
        "Creatinine increased": 2,  # 88.4 umol/L > 1.5 x baseline 53.04 (0.6 mg/dL): G2
    }
    alt = next(g for g in out["grades"] if g["test"] == "alt")
    assert alt["range"]["origin"] == "input" and alt["range"]["uln"] == 40
    ast = next(g for g in out["grades"] if g["test"] == "ast")
    assert ast["range"]["origin"] == "protocol" and ast["range"]["uln"] == 35
    assert out["reference_ranges"]["alt"]["origin"] == "input"


def test_the_table_shows_values_ranges_grades_and_worst():
    result = runner.invoke(app, ["ctcae", str(EXAMPLE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    for expected in (
        "Neutrophil count decreased",
        "0.8 10^9/L",
        "1.8-6.3 10^9/L (protocol)",
        "0-40 U/L (input)",
        "9.5 g/dL (= 95 g/L)",
        "Worst grade per term",
        "NCI CTCAE v5.0",
    ):
        assert expected in text, expected


def test_a_protocol_file_changes_the_default_ranges(tmp_path: Path):
    data = yaml.safe_load(default_protocol_path().read_text(encoding="utf-8"))
    data["settings"]["reference_ranges"]["value"]["neutrophils"]["lln"] = 2.0
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(data), encoding="utf-8")
    labs = tmp_path / "labs.json"
    labs.write_text(
        json.dumps({"results": [{"date": "2026-02-01", "test": "neutrophils", "value": 1.9, "unit": "10^9/L"}]}),
        encoding="utf-8",
    )
    default = json.loads(runner.invoke(app, ["ctcae", str(labs), "--format", "json"]).stdout)
    changed = json.loads(runner.invoke(app, ["ctcae", str(labs), "--protocol", str(site), "--format", "json"]).stdout)
    assert default["worst"] == {"Neutrophil count decreased": 0}
    assert changed["worst"] == {"Neutrophil count decreased": 1}


def test_it_reads_standard_input():
    result = run_main("ctcae", "-", "--format", "json", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["worst"]["Neutrophil count decreased"] == 3


def _bad(tmp_path: Path, results: list[dict]) -> Path:
    path = tmp_path / "labs.json"
    path.write_text(json.dumps({"subject_id": "X", "results": results}), encoding="utf-8")
    return path


def test_an_unknown_unit_exits_2_with_one_line_naming_the_result(tmp_path: Path):
    path = _bad(
        tmp_path,
        [
            {"date": "2026-02-01", "test": "wbc", "value": 4, "unit": "10^9/L"},
            {"date": "2026-02-01", "test": "creatinine", "value": 1.0, "unit": "mmol/L"},
        ],
    )
    result = run_main("ctcae", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: results[1].unit: unknown unit 'mmol/L' for creatinine")


def test_an_unknown_test_exits_2_naming_the_test(tmp_path: Path):
    path = _bad(tmp_path, [{"date": "2026-02-01", "test": "albumin", "value": 30, "unit": "g/L"}])
    result = run_main("ctcae", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: results[0].test: unknown test 'albumin'")
    assert "Traceback" not in result.stderr


def test_malformed_input_exits_2(tmp_path: Path):
    missing_value = _bad(tmp_path, [{"date": "2026-02-01", "test": "alt", "unit": "U/L"}])
    result = run_main("ctcae", str(missing_value))
    assert result.returncode == 2 and "results[0].value" in result.stderr
    not_json = tmp_path / "broken.json"
    not_json.write_text("{not json", encoding="utf-8")
    assert run_main("ctcae", str(not_json)).returncode == 2
    assert run_main("ctcae", str(tmp_path / "absent.json")).returncode == 2
