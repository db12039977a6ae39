"""The statistics commands of docs/contracts/stats.md, run as a user runs them.

Success paths run in-process through ``haictrial.cli.main`` (argv patched), error paths check the
``main()`` mapping: one line on stderr naming the field, exit code 2; one case runs in a real subprocess.
Reference numbers are R 4.2.2 / survival 3.5-3 (see tests/stats/ for the R calls).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lifelines.datasets import load_lung

from haictrial import cli

DATA = Path(__file__).parent.parent / "data" / "stats"


def run(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["haictrial", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, monkeypatch, *args: str) -> dict:
    code, out, err = run(capsys, monkeypatch, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def assert_user_error(capsys, monkeypatch, *args: str, field: str) -> str:
    code, out, err = run(capsys, monkeypatch, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert field in lines[0]
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def lung_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stats") / "lung.csv"
    load_lung().to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------------------------- ci binomial


def test_ci_binomial_contract_example(capsys, monkeypatch):
    doc = run_json(capsys, monkeypatch, "ci", "binomial", "5", "20")
    assert doc == {
        "x": 5,
        "n": 20,
        "estimate": 0.25,
        "lower": 0.0866,
        "upper": 0.4910,
        "level": 0.95,
        "method": "clopper-pearson",
    }


def test_ci_binomial_wilson_level_and_test(capsys, monkeypatch):
    # R: prop.test(5, 20, conf.level=0.95, correct=FALSE)$conf.int -> 0.1119, 0.4687
    doc = run_json(capsys, monkeypatch, "ci", "binomial", "5", "20", "--method", "wilson", "--p0", "0.1")
    assert (doc["lower"], doc["upper"], doc["method"]) == (0.1119, 0.4687, "wilson")
    assert doc["p_value_one_sided"] == pytest.approx(
        0.0431744952845
    )  # R: binom.test(5, 20, 0.1, alternative="greater")


def test_ci_binomial_table(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "ci", "binomial", "5", "20")
    assert code == 0 and "0.0866" in out and "0.4910" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [(("21", "20"), "x"), (("3", "0"), "n"), (("3", "20", "--level", "1.2"), "level")],
)
def test_ci_binomial_bad_input(capsys, monkeypatch, args, field):
    assert_user_error(capsys, monkeypatch, "ci", "binomial", *args, field=field)


def test_ci_binomial_negative_is_a_usage_error(capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "ci", "binomial", "--", "-1", "20")
    assert code == 2 and "Traceback" not in err


# ----------------------------------------------------------------------------------------------- design


def test_design_simon_contract_shape(capsys, monkeypatch):
    doc = run_json(
        capsys, monkeypatch, "design", "simon", "--p0", "0.2", "--p1", "0.4", "--alpha", "0.05", "--power", "0.8"
    )
    assert (doc["p0"], doc["p1"], doc["alpha"], doc["power"]) == (0.2, 0.4, 0.05, 0.8)
    # Simon 1989 Table 1 (and docs/contracts/stats.md): optimal 3/13, 12/43; minimax 4/18, 10/33
    opt, mm = doc["optimal"], doc["minimax"]
    assert (opt["r1"], opt["n1"], opt["r"], opt["n"], opt["en_p0"], opt["pet_p0"]) == (3, 13, 12, 43, 20.6, 0.747)
    assert (mm["r1"], mm["n1"], mm["r"], mm["n"], mm["en_p0"], mm["pet_p0"]) == (4, 18, 10, 33, 22.3, 0.716)
    for design in (opt, mm):
        assert design["actual_alpha"] <= 0.05 and design["actual_power"] >= 0.8


def test_design_simon_table_and_errors(capsys, monkeypatch):
    code, out, _ = run(
        capsys, monkeypatch, "design", "simon", "--p0", "0.05", "--p1", "0.25", "--alpha", "0.05", "--power", "0.8"
    )
    assert code == 0 and "0/9" in out and "2/17" in out and "0/12" in out and "2/16" in out
    assert_user_error(
        capsys,
        monkeypatch,
        "design",
        "simon",
        "--p0",
        "0.4",
        "--p1",
        "0.2",
        "--alpha",
        "0.05",
        "--power",
        "0.8",
        field="p1",
    )
    line = assert_user_error(
        capsys,
        monkeypatch,
        "design",
        "simon",
        "--p0",
        "0.2",
        "--p1",
        "0.4",
        "--alpha",
        "0.05",
        "--power",
        "0.8",
        "--nmax",
        "20",
        field="nmax",
    )
    assert "raise nmax" in line


def test_design_predictive(capsys, monkeypatch):
    doc = run_json(
        capsys, monkeypatch, "design", "predictive", "--p0", "0.2", "--p1", "0.4", "--nmax", "30",
        "--prior-a", "0.2", "--prior-b", "0.8", "--theta-t", "0.9", "--theta-l", "0.05", "--first-look", "5",
    )  # fmt: skip
    assert doc["boundaries"][0]["patients"] == 5 and doc["boundaries"][-1]["patients"] == 29
    assert 0 < doc["type_i_error"] < doc["power"] < 1
    assert doc["under_p0"]["prob_reject_h0"] == doc["type_i_error"]
    assert doc["prob_early_stop_p0"] == doc["under_p0"]["prob_early_stop"]
    code, out, _ = run(
        capsys, monkeypatch, "design", "predictive", "--p0", "0.2", "--p1", "0.4", "--nmax", "30",
        "--prior-a", "0.2", "--prior-b", "0.8", "--theta-t", "0.9", "--theta-l", "0.05",
    )  # fmt: skip
    assert code == 0 and "Type I error" in out


def test_design_toxicity(capsys, monkeypatch):
    doc = run_json(
        capsys, monkeypatch, "design", "toxicity", "--limit", "0.3", "--threshold", "0.8", "--prior-a", "1",
        "--prior-b", "1", "--nmax", "30", "--true-rate", "0.1", "--true-rate", "0.5",
    )  # fmt: skip
    assert [b["stop_if_toxicities_at_least"] for b in doc["boundaries"][:3]] == [1, 2, 2]
    rates = [row["true_rate"] for row in doc["operating_characteristics"]]
    assert rates == [0.1, 0.5]
    assert doc["operating_characteristics"][0]["prob_stop"] < doc["operating_characteristics"][1]["prob_stop"]
    assert_user_error(
        capsys, monkeypatch, "design", "toxicity", "--limit", "0.3", "--threshold", "0.8", "--prior-a", "1",
        "--prior-b", "1", "--nmax", "30", "--true-rate", "2", field="true_rate",
    )  # fmt: skip


def test_design_precision(capsys, monkeypatch):
    doc = run_json(capsys, monkeypatch, "design", "precision", "--p", "0.15", "--n", "300")
    assert doc["x"] == 45
    assert doc["half_width"] == pytest.approx((0.195516440684 - 0.111562522430) / 2, abs=1e-10)  # R binom.test(45, 300)
    assert_user_error(capsys, monkeypatch, "design", "precision", "--p", "0.15", "--n", "0", field="n")


# ---------------------------------------------------------------------------------------------- survival


def test_km_lung_contract_example(capsys, monkeypatch, lung_csv):
    doc = run_json(capsys, monkeypatch, "survival", "km", str(lung_csv), "--time", "time", "--event", "status")
    assert doc["groups"] == [{"group": None, "n": 228, "events": 165, "median": 310, "median_ci": [285, 363]}]
    assert doc["logrank"] is None


def test_km_lung_by_sex_with_times(capsys, monkeypatch, lung_csv):
    doc = run_json(
        capsys, monkeypatch, "survival", "km", str(lung_csv), "--time", "time", "--event", "status",
        "--group", "sex", "--conf-type", "log-log", "--at", "365",
    )  # fmt: skip
    groups = {g["group"]: g for g in doc["groups"]}
    # R: quantile(survfit(Surv(time, status) ~ sex, data=lung, conf.type="log-log"), 0.5)
    assert (groups[1]["median"], groups[1]["median_ci"]) == (270, [210, 306])
    assert (groups[2]["median"], groups[2]["median_ci"]) == (426, [345, 524])
    assert groups[1]["at"][0]["n_risk"] == 35  # R: summary(survfit(...), times=365)$n.risk
    assert groups[1]["at"][0]["survival"] == pytest.approx(0.336087834639)
    assert doc["logrank"]["df"] == 1
    assert doc["logrank"]["p"] == pytest.approx(0.00131116452, rel=1e-8)  # R survdiff


def test_km_na_is_null_and_table_form(capsys, monkeypatch):
    doc = run_json(
        capsys, monkeypatch, "survival", "km", str(DATA / "km_not_reached.csv"), "--time", "time", "--event", "event"
    )
    assert doc["groups"][0]["median"] is None and doc["groups"][0]["median_ci"] == [20, None]
    code, out, _ = run(
        capsys, monkeypatch, "survival", "km", str(DATA / "synthetic_survival.csv"), "--time", "time_days",
        "--event", "event", "--group", "stage", "--at", "365",
    )  # fmt: skip
    assert code == 0 and "Log-rank" in out and "III" in out


@pytest.mark.parametrize(
    ("csv", "args", "field", "words"),
    [
        ("time,event\n1,1\n2,0\n", ("--time", "days", "--event", "event"), "days", "no such column"),
        ("time,event\n1,1\nsoon,0\n", ("--time", "time", "--event", "event"), "time", "row 2"),
        ("time,event\n1,1\n-3,0\n", ("--time", "time", "--event", "event"), "time", "negative"),
        ("time,event\n1,1\n3,2\n", ("--time", "time", "--event", "event"), "event", "1 (event) or 0"),
        ("time,event\n1,1\n3,\n", ("--time", "time", "--event", "event"), "event", "missing value"),
        ("time,event,arm\n1,1,a\n3,0,\n", ("--time", "time", "--event", "event", "--group", "arm"), "arm", "missing"),
    ],
)
def test_km_bad_files(capsys, monkeypatch, tmp_path, csv, args, field, words):
    path = tmp_path / "data.csv"
    path.write_text(csv)
    line = assert_user_error(capsys, monkeypatch, "survival", "km", str(path), *args, field=field)
    assert words in line


def test_km_missing_file(capsys, monkeypatch, tmp_path):
    line = assert_user_error(
        capsys,
        monkeypatch,
        "survival",
        "km",
        str(tmp_path / "nope.csv"),
        "--time",
        "t",
        "--event",
        "e",
        field="nope.csv",
    )
    assert "not found" in line


def test_cox_lung_sex_contract_example(capsys, monkeypatch, lung_csv):
    doc = run_json(
        capsys,
        monkeypatch,
        "survival",
        "cox",
        str(lung_csv),
        "--time",
        "time",
        "--event",
        "status",
        "--covariate",
        "sex",
    )
    assert (doc["n"], doc["events"]) == (228, 165)
    (sex,) = doc["coefficients"]
    # docs/contracts/stats.md and R coxph: coef -0.531, se 0.167, hr 0.588, hr_ci [0.424, 0.816], p 0.0015
    assert sex["name"] == "sex"
    assert round(sex["coef"], 3) == -0.531 and round(sex["se"], 3) == 0.167 and round(sex["hr"], 3) == 0.588
    assert [round(v, 3) for v in sex["hr_ci"]] == [0.424, 0.816]
    assert round(sex["p"], 4) == 0.0015


def test_cox_categorical_reference(capsys, monkeypatch):
    args = ("survival", "cox", str(DATA / "synthetic_survival.csv"), "--time", "time_days", "--event", "event")
    doc = run_json(capsys, monkeypatch, *args, "--covariate", "arm", "--covariate", "stage", "--reference", "stage=II")
    assert doc["references"] == {"arm": "control", "stage": "II"}
    names = [c["name"] for c in doc["coefficients"]]
    assert names == ["arm=haic", "stage=I", "stage=III"]
    code, out, _ = run(capsys, monkeypatch, *args, "--covariate", "stage")
    assert code == 0 and "Reference level of stage: I" in out
    assert_user_error(capsys, monkeypatch, *args, "--covariate", "stage", "--reference", "stage=IV", field="stage")
    assert_user_error(capsys, monkeypatch, *args, "--covariate", "grade", field="grade")
    assert_user_error(capsys, monkeypatch, *args, "--covariate", "stage", "--reference", "stageII", field="reference")


# ---------------------------------------------------------------------------------------------- interim


def test_interim_predictive_contract_example(capsys, monkeypatch):
    # Lee and Liu 2008 example: 16/23 responses, Nmax 40, p0 0.6, Beta(0.6, 0.4), theta_T 0.9 -> PP 0.5656
    doc = run_json(
        capsys, monkeypatch, "interim", "predictive", "--responses", "16", "--patients", "23", "--nmax", "40",
        "--p0", "0.6", "--prior-a", "0.6", "--prior-b", "0.4", "--theta-t", "0.9", "--theta-l", "0.001", "--theta-u", "0.999",
    )  # fmt: skip
    assert (doc["responses"], doc["patients"], doc["nmax"]) == (16, 23, 40)
    assert round(doc["predictive_probability"], 4) == 0.5656
    assert doc["posterior_prob_above_p0"] == pytest.approx(0.835980805221)
    assert doc["decision"] == "continue"


def test_interim_predictive_errors_in_a_real_process():
    result = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "interim", "predictive", "--responses", "30", "--patients", "23",
         "--nmax", "40", "--p0", "0.6", "--prior-a", "0.6", "--prior-b", "0.4", "--theta-t", "0.9"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == ["error: responses: must be a whole number from 0 to 23 (got 30)"]
