"""``haictrial export ctgov``: the ClinicalTrials.gov v2 ``resultsSection`` (docs/contracts/interop.md).

Validated by the outside models of the v2 API (altissimo-clinicaltrials ``ResultsSection``) and by our
cross-checks, which catch what those models let through (unknown keys, group ids that point nowhere).
The primary outcome's exact CI is recomputed with SciPy (``binomtest(...).proportion_ci("exact")``, the
Clopper-Pearson interval: Clopper & Pearson, Biometrika 1934, doi:10.1093/biomet/26.4.404).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from clinicaltrials.models.results_section import ResultsSection
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.interop.ctgov.export import build_results_section, export_ctgov
from haictrial.interop.ctgov.results import FREQUENCY_THRESHOLD_PERCENT, outcome_measures
from haictrial.interop.ctgov.validate import cross_checks, validate_results_section
from haictrial.protocol import load_protocol
from haictrial.reports.from_synth import from_synth
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort


@pytest.fixture(scope="module")
def protocol():
    return load_protocol()


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory, protocol) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_cohort(generate_cohort(60, 11, dt.date(2023, 5, 1), 0.0, protocol), out)
    return out


@pytest.fixture(scope="module")
def document(synth_dir, protocol) -> dict:
    return build_results_section(from_synth(synth_dir, protocol), protocol)


def one_decimal(x: float) -> str:
    return str(Decimal(repr(100 * x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_it_passes_the_v2_models_and_our_checks(document):
    assert validate_results_section(document) == []
    section = ResultsSection.from_dict(document)
    assert section is not None
    assert section.participant_flow_module is not None and section.adverse_events_module is not None
    # the model round-trips the document: nothing we wrote was dropped as unknown
    dumped = section.to_dict()
    assert dumped.keys() == document.keys()


def test_it_reports_the_primary_ctrr_with_its_exact_ci(document, synth_dir, protocol):
    primary = [m for m in document["outcomeMeasuresModule"]["outcomeMeasures"] if m["type"] == "PRIMARY"]
    assert len(primary) == 1
    ctrr = primary[0]
    assert (ctrr["paramType"], ctrr["dispersionType"]) == ("NUMBER", "CONFIDENCE_95")
    assert ctrr["unitOfMeasure"] == "percentage of participants"
    n = int(ctrr["denoms"][0]["counts"][0]["value"])
    # x from the analysis data set itself: R0 resections among the enrolled (protocol endpoint ctrr)
    adsl = from_synth(synth_dir, protocol).adsl
    x = int((adsl["resection_margin"] == "R0").sum()) if "resection_margin" in adsl else None
    measurement = ctrr["classes"][0]["categories"][0]["measurements"][0]
    if x is None:
        x = round(float(measurement["value"]) * n / 100)
    ci = binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    assert measurement["value"] == one_decimal(x / n)
    assert measurement["lowerLimit"] == one_decimal(ci.low)
    assert measurement["upperLimit"] == one_decimal(ci.high)
    for key in ("value", "lowerLimit", "upperLimit"):
        assert len(measurement[key].split(".")[1]) == 1  # percent with one decimal (interop.md)


def test_the_flow_adds_up_and_starts_with_the_enrolled(document):
    period = document["participantFlowModule"]["periods"][0]
    milestones = {m["type"]: int(m["achievements"][0]["numSubjects"]) for m in period["milestones"]}
    reasons = sum(int(r["numSubjects"]) for d in period["dropWithdraws"] for r in d["reasons"])
    denom = int(document["baselineCharacteristicsModule"]["denoms"][0]["counts"][0]["value"])
    assert milestones["STARTED"] == denom
    assert milestones["NOT COMPLETED"] == milestones["STARTED"] - milestones["COMPLETED"] == reasons


def test_adverse_events_by_organ_system_with_the_threshold(document):
    events = document["adverseEventsModule"]
    assert events["frequencyThreshold"] == str(FREQUENCY_THRESHOLD_PERCENT)
    group = events["eventGroups"][0]
    for event in events["otherEvents"]:
        stats = event["stats"][0]
        assert 100 * stats["numAffected"] / stats["numAtRisk"] >= FREQUENCY_THRESHOLD_PERCENT
        assert event["organSystem"] != "Unknown system organ class"
    for event in events["seriousEvents"]:
        assert event["stats"][0]["numAffected"] <= group["seriousNumAffected"]
    assert events["seriousEvents"], "the synthetic cohort has serious adverse events"


def test_unknown_keys_and_dangling_groups_pass_the_models_but_not_our_checks(document):
    bad = copy.deepcopy(document)
    bad["outcomeMeasuresModule"]["outcomeMeasures"][0]["classes"][0]["categories"][0]["measurements"][0]["groupId"] = (
        "OG001"
    )
    bad["adverseEventsModule"]["seriousEvents"][0]["colour"] = "red"
    ResultsSection.from_dict(bad)  # the v2 models accept both
    problems = validate_results_section(bad)
    assert any("'OG001' is not a group defined" in p for p in problems)
    assert any(p.endswith("colour: not a field of the v2 AdverseEvent") for p in problems)


def test_a_wrong_type_is_reported_by_the_v2_models(document):
    bad = copy.deepcopy(document)
    bad["participantFlowModule"]["periods"][0]["milestones"][0]["achievements"][0]["numSubjects"] = 53
    assert any("numSubjects" in p or "achievements" in p for p in validate_results_section(bad))


def test_the_flow_must_add_up(document):
    bad = copy.deepcopy(document)
    bad["participantFlowModule"]["periods"][0]["dropWithdraws"][0]["reasons"][0]["numSubjects"] = "999"
    assert any("reasons add up to" in p for p in cross_checks(bad))


def _survival(n: int, events: int, median, lower, upper) -> dict:
    return {"n": n, "events": events, "median_days": median, "median_ci_days": [lower, upper]}


def test_a_median_not_reached_is_na_with_a_reason(protocol):
    rate = {"x": 3, "n": 10, "estimate": 0.3, "lower": 0.0667, "upper": 0.6525}
    data = {
        "ctrr": rate,
        "response": {"orr": rate},
        "survival": {"OS": _survival(10, 2, None, 400.0, None), "PFS": _survival(10, 6, 300.0, 200.0, None)},
    }
    measures = {m["title"]: m for m in outcome_measures(data, protocol)["outcomeMeasures"]}
    os_m = measures["Overall survival"]["classes"][0]["categories"][0]["measurements"][0]
    assert os_m["value"] == "NA" and os_m["upperLimit"] == "NA" and "not reached" in os_m["comment"]
    pfs = measures["Progression-free survival"]["classes"][0]["categories"][0]["measurements"][0]
    assert pfs["value"] == "9.9" and pfs["upperLimit"] == "NA"  # 300 days / (365.2425 / 12)
    doc = {"outcomeMeasuresModule": {"outcomeMeasures": list(measures.values())}}
    assert validate_results_section(doc) == []
    del os_m["comment"]
    assert any("'NA' without a comment" in p for p in validate_results_section(doc))


@given(st.integers(min_value=1, max_value=300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_rate_interval_always_contains_its_estimate(xn):
    x, n = xn
    ci = binomtest(x, n).proportion_ci(method="exact")
    rate = {"x": x, "n": n, "estimate": x / n, "lower": ci.low, "upper": ci.high}
    data = {"ctrr": rate, "response": {"orr": rate}, "survival": {"OS": _survival(n, 0, None, None, None)} | {}}
    data["survival"]["PFS"] = data["survival"]["OS"]
    doc = {"outcomeMeasuresModule": outcome_measures(data, load_protocol())}
    assert validate_results_section(doc) == []


def test_the_command_writes_results_json(synth_dir, tmp_path):
    out = tmp_path / "ct"
    result = CliRunner().invoke(
        app, ["export", "ctgov", "--from-synth", str(synth_dir), "--out", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["problems"] == []
    assert summary["files"][0]["path"].endswith("results.json") and len(summary["files"][0]["sha256"]) == 64
    written = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert "outcomeMeasuresModule" in written and "participantFlowModule" in written
    text = (out / "results.json").read_text(encoding="utf-8")
    assert "birth_date" not in text and "CHA-" not in text  # counts only: nothing identifying


def test_the_command_exits_1_when_the_document_fails_its_checks(synth_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "haictrial.interop.ctgov.export.validate_results_section", lambda doc: ["resultsSection.x: broken"]
    )
    result = CliRunner().invoke(
        app, ["export", "ctgov", "--from-synth", str(synth_dir), "--out", str(tmp_path), "--format", "json"]
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == ["resultsSection.x: broken"]


def test_export_ctgov_returns_the_problems(synth_dir, protocol, tmp_path):
    written = export_ctgov(from_synth(synth_dir, protocol), tmp_path, protocol)
    assert written.problems == [] and (tmp_path / "results.json").exists()
