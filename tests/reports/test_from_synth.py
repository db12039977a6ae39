"""Reports from a synthetic cohort directory, and the ``haictrial report`` command on it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest
from scipy import stats

from haictrial.clinical.recist import evaluate_recist
from haictrial.clinical.recist_models import RecistInput
from haictrial.errors import InputError
from haictrial.reports.datasets import prepare
from haictrial.reports.from_synth import from_synth
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synth")
    write_cohort(generate_cohort(260, 5, dt.date(2023, 5, 1)), directory, overwrite=True)
    return directory


@pytest.fixture(scope="module")
def prepared(synth_dir, protocol):
    return prepare(from_synth(synth_dir, protocol), protocol)


def test_the_data_sets_hold_every_enrolled_subject_at_the_manifests_cutoff(synth_dir, prepared):
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    subjects = pd.read_parquet(synth_dir / "subjects.parquet")
    assert prepared.cutoff == dt.date.fromisoformat(manifest["data_cutoff"])
    assert sorted(prepared.adsl["subject_id"]) == sorted(subjects["subject_id"])
    assert len(prepared.adsl) == manifest["subjects_enrolled"]
    assert len(prepared.screening_log) == manifest["subjects_screened"]


def test_conversions_and_deaths_match_the_synthetic_tables(synth_dir, prepared):
    resections = pd.read_parquet(synth_dir / "resections.parquet")
    follow_up = pd.read_parquet(synth_dir / "follow_up.parquet")
    assert int(prepared.adsl["converted"].sum()) == int((resections["r_status"] == "R0").sum()) > 0
    os_ = prepared.adtte[prepared.adtte["endpoint"] == "OS"]
    assert int(os_["event"].sum()) == int(follow_up["death_date"].notna().sum())


def test_responses_are_the_recist_engines(synth_dir, prepared, protocol):
    settings = protocol.settings
    lines = (synth_dir / "recist.jsonl").read_text().splitlines()
    adsl = prepared.adsl.set_index("subject_id")
    for line in lines[:25]:
        result = evaluate_recist(
            RecistInput.model_validate_json(line),
            settings.recist_confirmation_days.value,
            settings.recist_min_sd_days.value,
        )
        row = adsl.loc[result.subject_id]
        if result.timepoints:
            assert row["best_overall_response"] == result.best_overall_response.value
            assert bool(row["response_confirmed"]) == result.confirmed
        else:
            assert pd.isna(row["best_overall_response"])


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "report", *args], capture_output=True, text=True, timeout=300
    )


def test_the_command_writes_the_report_from_a_synth_directory(synth_dir, prepared, tmp_path):
    done = run("--from-synth", str(synth_dir), "--out", str(tmp_path), "--no-pdf", "--format", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    results = json.loads((tmp_path / "results.json").read_text())
    x, n = int(prepared.adsl["converted"].sum()), len(prepared.adsl)
    assert (results["ctrr"]["x"], results["ctrr"]["n"], results["enrolled"]) == (x, n, n)
    assert results["ctrr"]["lower"] == pytest.approx(stats.beta.ppf(0.025, x, n - x + 1), abs=1e-10)
    assert summary["ctrr"] == {k: results["ctrr"][k] for k in ("x", "n", "estimate", "lower", "upper")}
    assert (tmp_path / "report.html").stat().st_size > 0 and not (tmp_path / "report.pdf").exists()


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--from-synth", "/nonexistent/synth"], "error: --from-synth: not a directory"),
        (["--cutoff", "2026-02-30"], "error: --cutoff: not a date"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(synth_dir, tmp_path, args, start):
    if args[0] == "--cutoff":
        args = [*args, "--from-synth", str(synth_dir)]
    done = run(*args, "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.startswith(start) and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_directory_without_a_manifest_is_refused(tmp_path, protocol):
    with pytest.raises(InputError) as err:
        from_synth(tmp_path, protocol)
    assert err.value.field == "--from-synth" and "manifest.json" in err.value.message
