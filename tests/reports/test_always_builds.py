"""The report always builds (server contract, "Reports as background jobs"): every estimate the data cannot
support is ``null`` with a ``note``; results.json is valid against the schema below for synthetic cohorts of
0 to 60 screened patients over many seeds; CTRR always carries its exact Clopper-Pearson interval over the
enrolled (Clopper and Pearson, Biometrika 1934;26:404-413, doi:10.1093/biomet/26.4.404)."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_sources import empty_source
from scipy import stats
from test_datasets import datasets, subject

from haictrial.reports import survival
from haictrial.reports.build import build_report
from haictrial.reports.cox import cox_model
from haictrial.reports.efficacy import proportion
from haictrial.reports.from_synth import from_synth
from haictrial.stats.cox import cox_regression
from haictrial.stats.errors import NotEstimableError
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort

NUM = {"type": ["number", "null"]}
RATE = {
    "type": "object",
    "required": ["x", "n", "estimate", "lower", "upper", "level", "method"],
    "properties": {"x": {"type": "integer"}, "n": {"type": "integer"}, "estimate": NUM, "lower": NUM, "upper": NUM},
    # a null estimate says why
    "if": {"properties": {"estimate": {"type": "null"}}},
    "then": {"required": ["note"], "properties": {"note": {"type": "string", "minLength": 1}}},
}
CURVE = {
    "type": "object",
    "required": ["n", "events", "median_days", "median_ci_days", "rates"],
    "properties": {"n": {"type": "integer"}, "events": {"type": "integer"}, "median_days": NUM},
}
ISSUE = {
    "type": "object",
    "required": ["subject_id", "form", "field", "problem"],
    "properties": {
        "subject_id": {"type": ["string", "null"]},
        "form": {"type": "string", "minLength": 1},
        "field": {"type": "string", "minLength": 1},
        "problem": {"type": "string", "minLength": 1},
    },
}
#: The part of results.json that users and the contract rely on.
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["report", "enrolled", "ctrr", "consort", "survival", "landmark", "cox", "interim", "data_issues"],
    "properties": {
        "enrolled": {"type": "integer", "minimum": 0},
        "ctrr": RATE,
        "survival": {"type": "object", "required": ["OS", "PFS", "RFS"], "additionalProperties": CURVE},
        "landmark": {
            "type": "object",
            "required": ["at_risk", "groups", "logrank"],
            "if": {"properties": {"logrank": {"type": "null"}}},
            "then": {"required": ["note"]},
        },
        "cox": {
            "type": "object",
            "required": ["coefficients"],
            "if": {"properties": {"coefficients": {"type": "null"}}},
            "then": {"required": ["note"]},
            "properties": {"coefficients": {"type": ["array", "null"]}},
        },
        "interim": {
            "type": "object",
            "required": ["evaluable", "responses", "simon", "predictive", "toxicity"],
            "properties": {
                "simon": {"type": "object", "required": ["inputs", "decision"]},
                "predictive": {"type": "object", "required": ["inputs", "predictive_probability", "decision"]},
                "toxicity": {"type": "object", "required": ["inputs", "status"]},
            },
        },
        "data_issues": {"type": "array", "items": ISSUE},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}


def check_results(doc: dict) -> None:
    jsonschema.validate(doc, RESULTS_SCHEMA)
    ctrr = doc["ctrr"]
    assert ctrr["n"] == doc["enrolled"]
    if ctrr["n"]:
        exact = stats.binomtest(ctrr["x"], ctrr["n"]).proportion_ci(0.95, method="exact")
        assert (ctrr["lower"], ctrr["upper"]) == pytest.approx((exact.low, exact.high), abs=1e-9)
    else:
        assert ctrr["estimate"] is None and ctrr["note"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(screened=st.integers(0, 60), seed=st.integers(0, 10_000))
def test_the_report_builds_for_any_small_cohort(protocol, tmp_path_factory, screened, seed):
    tmp = tmp_path_factory.mktemp("cohort")
    if screened == 0:
        source = empty_source()
    else:
        write_cohort(generate_cohort(screened, seed, dt.date(2024, 1, 1), verify=0), tmp / "synth")
        source = from_synth(tmp / "synth", protocol)
    result = build_report(source, tmp / "out", protocol, pdf=False)
    check_results(json.loads(result.results_json.read_text()))
    assert all(png.stat().st_size > 0 for png, _svg in result.figures.values())


# --- each degraded estimate, with its note ------------------------------------------------------------------


def separated() -> pd.DataFrame:
    # every patient with the factor dies before every patient without it: the partial likelihood is monotone
    # and the log hazard ratio runs off to infinity (Bryson and Johnson, Technometrics 1981;23:381-383)
    return pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 1, 0, 0, 0, 0], "x": [1, 1, 1, 1, 0, 0, 0, 0]})


def test_a_separating_cox_covariate_is_not_estimable_not_an_overflow():
    with pytest.raises(NotEstimableError) as err:
        cox_regression(separated(), "t", "e", ["x"])
    assert err.value.field in ("x", "covariate") and (
        "infinity" in err.value.message or "converge" in err.value.message
    )


def test_the_report_writes_a_separated_cox_model_as_null_with_a_note():
    n = 8
    adsl = pd.DataFrame({
        "subject_id": [f"S{i}" for i in range(n)], "sidedness": ["right"] * 4 + ["left"] * 4,
        "ras_status": ["wild_type"] * n, "lesion_count": [2.0] * n, "cea_ng_ml": [np.nan] * n,
    })  # fmt: skip
    adtte = pd.DataFrame({"subject_id": adsl["subject_id"], "endpoint": "OS", "time_days": np.arange(1, n + 1.0),
                          "event": [1, 1, 1, 1, 0, 0, 0, 0]})  # fmt: skip
    result = cox_model(adsl, adtte)
    assert result["coefficients"] is None and result["n"] is None
    assert result["note"].startswith("not estimable")


def test_kaplan_meier_without_events_has_no_median_and_says_so():
    adtte = pd.DataFrame({"subject_id": ["A", "B"], "endpoint": "OS", "time_days": [100, 200], "event": [0, 0]})
    result, _curves = survival.survival(adtte)
    assert result["OS"]["median_days"] is None and "median is not reached" in result["OS"]["note"]
    assert result["RFS"]["n"] == 0 and "R0/R1" in result["RFS"]["note"]


def test_a_binomial_rate_over_nobody_is_null_with_a_note():
    p = proportion(0, 0)
    assert (p["estimate"], p["lower"], p["upper"]) == (None, None, None) and p["note"]


def test_landmark_with_nobody_at_risk_and_log_rank_with_one_group_say_so(protocol, tmp_path):
    # everyone censored before the 183-day landmark: nobody at risk, no log-rank test
    early = [subject(f"CHA-001-{i:04d}", last_contact_date="2024-02-01") for i in range(1, 4)]
    result = build_report(datasets(early), tmp_path / "a", protocol, pdf=False).results
    assert result["landmark"]["at_risk"] == 0 and result["landmark"]["logrank"] is None
    assert "needs patients in both groups" in result["landmark"]["note"]
    assert all(g["note"] for g in result["landmark"]["groups"].values())
    # alive past the landmark but nobody converted: one group only
    one = [subject(f"CHA-001-{i:04d}", death_date="2024-12-01" if i == 1 else None,
                   last_contact_date="2024-12-01") for i in range(1, 4)]  # fmt: skip
    result = build_report(datasets(one), tmp_path / "b", protocol, pdf=False).results
    assert result["landmark"]["at_risk"] == 3 and result["landmark"]["logrank"] is None and result["landmark"]["note"]
    check_results(json.loads((tmp_path / "b" / "results.json").read_text()))


def test_an_empty_trial_builds_with_every_estimate_null_and_figures_stating_why(protocol, tmp_path):
    result = build_report(empty_source(), tmp_path / "out", protocol, pdf=False)
    doc = json.loads(result.results_json.read_text())
    check_results(doc)
    assert doc["cox"]["coefficients"] is None and doc["cox"]["note"]
    assert doc["interim"]["toxicity"]["status"] is None and doc["interim"]["toxicity"]["note"]
    assert doc["interim"]["simon"]["decision"] is None and doc["interim"]["simon"]["note"]
    svg = result.figures["km_os"][1].read_text()
    assert "No enrolled patient." in svg  # the reason in place of the plot


def test_a_screening_dated_3397_is_a_data_issue_and_the_report_still_builds(protocol, tmp_path):
    ds = datasets([subject("CHA-001-0001"), subject("CHA-001-0002", death_date="2023-06-01")])
    extra = {"screening_id": "S9", "site": "001", "screening_date": "3397-01-01", "eligible": False,
             "failed_criteria": "I1", "subject_id": None}  # fmt: skip
    ds.screening_log = pd.concat([ds.screening_log, pd.DataFrame([extra])], ignore_index=True)
    result = build_report(ds, tmp_path / "out", protocol)
    doc = json.loads(result.results_json.read_text())
    check_results(doc)
    fields = {(i["subject_id"], i["field"]) for i in doc["data_issues"]}
    assert fields == {("S9", "screening_date"), ("CHA-001-0002", "death_date")}
    assert doc["report"]["cutoff"] == "2024-06-01" and doc["enrolled"] == 2
    assert doc["survival"]["OS"]["n"] == 1  # the inconsistent subject left out of OS only
    html = result.html.read_text()
    assert "Data issues" in html and "S9" in html and "Interim analysis" in html
