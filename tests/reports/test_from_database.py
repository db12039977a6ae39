"""``haictrial report`` from the EDC database: a fresh SQLite EDC seeded in a subprocess, then the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SEED = Path(__file__).parent / "data" / "seed_edc.py"


@pytest.fixture(scope="module")
def edc(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("edc")
    env = os.environ | {"HAICTRIAL_DATA_DIR": str(data_dir), "HAICTRIAL_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, str(SEED)], env=env, check=True, capture_output=True, timeout=300)
    return env


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "report", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_the_report_reads_screenings_and_subjects_from_the_database(edc, tmp_path):
    done = run(edc, "--out", str(tmp_path), "--no-pdf", "--format", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["enrolled"] == 2 and summary["ctrr"]["n"] == 2
    results = json.loads((tmp_path / "results.json").read_text())
    consort = results["consort"]
    assert (consort["screened"], consort["not_eligible"], consort["enrolled"]) == (3, 1, 2)
    assert consort["excluded_by_criterion"] == {"I6": 1, "E1": 1}  # failed and unknown criteria
    assert results["report"]["source"].startswith("EDC database")
    # subject 1's eCRFs: R0 resection (3 mm margin), a PR confirmed 35 days later, two cycles, CEA 245 ng/mL
    assert (results["ctrr"]["x"], results["consort"]["treated"]) == (1, 1)
    assert results["response"]["best_overall_response"]["PR"] == 1
    adsl = pd.read_csv(tmp_path / "datasets" / "adsl.csv", dtype=str)
    assert adsl["subject_id"].tolist() == ["CHA-001-0001", "CHA-001-0002"]
    # enrolled 18:30 UTC on 11 March = 12 March in the site's time zone (Asia/Shanghai)
    assert adsl.loc[0, "enrolment_date"] == "2025-03-12"
    # splenic flexure is left-sided by the protocol's splenic_flexure_side setting; KRAS mutant -> RAS mutant
    assert adsl.loc[1, ["sidedness", "ras_status", "lesion_count", "largest_lesion_mm"]].tolist() == [
        "left",
        "mutant",
        "5",
        "30.0",
    ]
    # the baseline eCRF replaces the screening values where it has them (2 lesions, 48 mm, CEA)
    assert adsl.loc[0, ["lesion_count", "largest_lesion_mm", "cea_ng_ml", "cycles_received"]].tolist() == [
        "2",
        "48.0",
        "245.0",
        "2",
    ]


def test_an_unconfigured_database_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAICTRIAL_", "DJANGO_", "DATABASE_URL"))}
    done = run(env, "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: database:") and len(done.stderr.strip().splitlines()) == 1
    assert "--from-synth" in done.stderr
