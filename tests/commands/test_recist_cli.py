"""``haictrial recist ASSESSMENTS.json [--min-sd-days N] [--protocol FILE] [--format json]`` (docs/contracts/recist.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from haictrial.cli import app

DATA = Path(__file__).parent.parent / "data"
EXAMPLE = DATA / "recist" / "contract_example.json"
VARIANT = DATA / "protocols" / "variant.yaml"
runner = CliRunner()

CONTRACT_OUTPUT = {
    "subject_id": "CHA-001-0001",
    "timepoints": [
        {
            "date": "2026-02-20",
            "sum_mm": 50,
            "change_from_baseline_pct": -36.7,
            "change_from_nadir_pct": -36.7,
            "target_response": "PR",
            "non_target_response": "NON_CR_NON_PD",
            "new_lesions": False,
            "overall_response": "PR",
        }
    ],
    "best_overall_response": "SD",
    "confirmed": False,
    "best_percent_change": -36.7,
}


def run_json(*args: str) -> dict:
    result = runner.invoke(app, ["recist", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_it_prints_the_contract_example_output():
    # docs/contracts/recist.md: the PR of 2026-02-20 is unconfirmed (no later scan, RECIST 1.1 section 4.6.1)
    # and 46 days after baseline >= the protocol's 42-day minimum, so the best response is SD.
    out = run_json(str(EXAMPLE))
    for key, value in CONTRACT_OUTPUT.items():
        if key == "timepoints":
            assert [{k: tp[k] for k in value[0]} for tp in out["timepoints"]] == value
        else:
            assert out[key] == value
    assert (out["min_sd_days"], out["confirmation_days"], out["protocol_version"]) == (42, 28, "1.0")


def test_it_lets_min_sd_days_override_the_protocol():
    out = run_json(str(EXAMPLE), "--min-sd-days", "47")
    # 46 days < 47: the unconfirmed PR cannot count as SD and no PD occurred -> NE (RECIST 1.1 section 4.4.3).
    assert (out["best_overall_response"], out["min_sd_days"]) == ("NE", 47)


def test_it_takes_the_minimum_sd_duration_from_the_protocol_file():
    # The variant protocol sets recist_min_sd_days to 56.
    out = run_json(str(EXAMPLE), "--protocol", str(VARIANT))
    assert (out["best_overall_response"], out["min_sd_days"]) == ("NE", 56)


def test_it_reads_standard_input():
    result = runner.invoke(app, ["recist", "-", "--format", "json"], input=EXAMPLE.read_text())
    assert result.exit_code == 0
    assert json.loads(result.stdout)["best_overall_response"] == "SD"


def test_it_prints_a_readable_table():
    result = runner.invoke(app, ["recist", str(EXAMPLE)])
    assert result.exit_code == 0
    assert "NON_CR_NON_PD" in result.stdout
    assert "Best overall response: SD" in result.stdout
    assert "-36.7" in result.stdout


def test_it_exits_2_with_one_line_naming_the_lesion(tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    doc["target_lesions"].append({"id": "T3", "organ": "liver"})
    doc["assessments"][0]["target_mm"]["T3"] = 20
    doc["assessments"][1]["target_mm"]["T3"] = 20
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    proc = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "recist", str(bad), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: target_lesions[2]: lesion T3 is a third target lesion in the liver")
    assert "Traceback" not in proc.stderr


def test_it_exits_2_for_a_baseline_lesion_under_10_mm(tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    doc["assessments"][0]["target_mm"]["T2"] = 8
    bad = tmp_path / "small.json"
    bad.write_text(json.dumps(doc))
    proc = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "recist", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: assessments[0].target_mm.T2: lesion T2: 8 mm at baseline is under 10 mm")


def test_it_rejects_a_negative_min_sd_days():
    result = runner.invoke(app, ["recist", str(EXAMPLE), "--min-sd-days", "-1"])
    assert result.exit_code == 2


def test_it_reports_a_missing_file():
    proc = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "recist", "/nonexistent/x.json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: file not found: /nonexistent/x.json"


def test_it_evaluates_nodes_reader_responses_and_morphology_together():
    # Baseline 52 + 34 + node 18 (short axis) = 104 mm (RECIST 1.1 section 4.2). Day 56: 69 mm, -33.7 %: PR.
    # Day 112: T2 not evaluated -> NE (section 4.4.2). Day 168: reader PR, confirming the day-56 PR with one NE
    # between (section 4.6.1). Day 224: new lesions -> PD (section 4.3.4); the reader time point has no sum,
    # so the nadir stays 69 mm. Morphology (Chun 2009): worst group 3 -> 2 (incomplete) -> 1 (optimal).
    out = run_json(str(DATA / "recist" / "confirmed_pr_morphology.json"))
    tps = out["timepoints"]
    assert [tp["overall_response"] for tp in tps] == ["PR", "NE", "PR", "PD"]
    assert [tp["sum_mm"] for tp in tps] == [69, None, None, 64]
    assert tps[3]["change_from_nadir_pct"] == -7.2
    assert (out["best_overall_response"], out["confirmed"], out["confirmation_date"]) == ("PR", True, "2026-06-22")
    assert (out["progression_date"], out["best_percent_change"]) == ("2026-08-17", -38.5)
    assert [tp["morphologic_response"] for tp in tps] == ["incomplete", "optimal", None, None]
    assert (out["baseline_morphologic_group"], out["morphologic_response"]) == (3, "optimal")
