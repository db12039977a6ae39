"""The report of the demo database as ``make run`` makes it (``haictrial demo``, here a small cohort of 20 to
keep the suite quick; ``bench/bench_report.py --from-database`` builds the default 300): ``haictrial report``
builds every file, and results.json is valid against the results schema of :mod:`test_always_builds`
(server contract, "Reports as background jobs"), CTRR with its exact Clopper-Pearson interval over the
enrolled (Clopper and Pearson, Biometrika 1934;26:404-413, doi:10.1093/biomet/26.4.404)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from scipy import stats
from test_always_builds import check_results

SUBJECTS = 20


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A fresh SQLite EDC filled by ``haictrial demo --subjects 20``, and ``haictrial report`` of it."""
    root = tmp_path_factory.mktemp("demo")
    env = os.environ | {"HAICTRIAL_DATA_DIR": str(root / "data"), "HAICTRIAL_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "haictrial.cli"]
    made = subprocess.run([*cli, "demo", "--subjects", str(SUBJECTS), "--seed", "3"], env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = root / "report"
    done = subprocess.run([*cli, "report", "--out", str(out), "--format", "json"], env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out, json.loads(done.stdout)


def test_the_demo_report_builds_every_file(demo):
    out, _summary = demo
    for name in ("report.html", "report.pdf", "results.json", "datasets/adsl.csv", "tables"):
        assert (out / name).exists(), name
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    figures = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert figures == sorted(p.stem for p in (out / "figures").glob("*.svg")) and len(figures) == 9


def test_the_demo_results_are_valid_against_the_schema(demo):
    out, summary = demo
    doc = json.loads((out / "results.json").read_text())
    check_results(doc)
    assert doc["report"]["source"].startswith("EDC database")
    assert doc["enrolled"] == summary["enrolled"] == SUBJECTS
    assert doc["consort"]["screened"] >= doc["consort"]["enrolled"] == SUBJECTS
    assert doc["data_issues"] == []  # the demo's records are all usable


def test_the_demo_ctrr_is_the_exact_interval_recomputed_from_the_subject_data_set(demo):
    out, _summary = demo
    doc = json.loads((out / "results.json").read_text())
    adsl = pd.read_csv(out / "datasets" / "adsl.csv")
    assert len(adsl) == SUBJECTS
    ctrr = doc["ctrr"]
    # CTRR: R0 resections over all enrolled (protocol primary endpoint)
    assert ctrr["method"] == "clopper-pearson" and ctrr["n"] == SUBJECTS
    assert ctrr["x"] == int((adsl["resection_margin"] == "R0").sum())
    exact = stats.binomtest(ctrr["x"], SUBJECTS).proportion_ci(0.95, method="exact")
    assert (ctrr["lower"], ctrr["upper"]) == pytest.approx((exact.low, exact.high), abs=1e-9)
