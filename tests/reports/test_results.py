"""The numbers of the report, recomputed independently from the same data sets."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from report_sources import make_source
from scipy import stats
from test_datasets import datasets, subject

from haictrial.reports.datasets import prepare
from haictrial.reports.results import compute_results
from haictrial.stats.survival import kaplan_meier


@pytest.fixture(scope="module")
def cohort(protocol):
    ds = prepare(make_source(180, seed=11), protocol, cutoff=dt.date(2026, 6, 30))
    return ds, compute_results(ds, protocol).data


def clopper_pearson(x: int, n: int) -> tuple[float, float]:
    """Clopper and Pearson 1934 (doi:10.1093/biomet/26.4.404): Beta quantiles, as R binom.test."""
    lower = 0.0 if x == 0 else stats.beta.ppf(0.025, x, n - x + 1)
    upper = 1.0 if x == n else stats.beta.ppf(0.975, x + 1, n - x)
    return lower, upper


def test_ctrr_is_r0_resections_over_enrolled_with_the_exact_interval(cohort):
    ds, r = cohort
    x = int((ds.adsl["resection_margin"] == "R0").sum())
    n = len(ds.adsl)
    lower, upper = clopper_pearson(x, n)
    assert r["enrolled"] == n and isinstance(r["enrolled"], int)
    assert (r["ctrr"]["x"], r["ctrr"]["n"]) == (x, n)
    assert r["ctrr"]["estimate"] == pytest.approx(x / n)
    assert r["ctrr"]["lower"] == pytest.approx(lower, abs=1e-10)
    assert r["ctrr"]["upper"] == pytest.approx(upper, abs=1e-10)
    assert 0 < x < n


@pytest.mark.parametrize(("group", "column"), [("by_targeted_agent", "targeted_agent"), ("by_sidedness", "sidedness")])
def test_ctrr_by_subgroup_adds_up_to_the_overall(cohort, group, column):
    ds, r = cohort
    parts = r["ctrr"][group]
    assert sum(p["x"] for p in parts.values()) == r["ctrr"]["x"]
    assert sum(p["n"] for p in parts.values()) == r["ctrr"]["n"]
    for level, p in parts.items():
        rows = ds.adsl[ds.adsl[column] == level]
        x, n = int((rows["resection_margin"] == "R0").sum()), len(rows)
        assert (p["x"], p["n"]) == (x, n)
        assert (p["lower"], p["upper"]) == pytest.approx(clopper_pearson(x, n), abs=1e-10)


def test_consort_counts_add_up(cohort):
    ds, r = cohort
    c = r["consort"]
    assert c["screened"] == c["not_eligible"] + c["eligible_not_enrolled"] + c["enrolled"]
    assert c["enrolled"] == sum(c["status"].values())
    assert c["enrolled"] >= c["treated"] >= c["assessed"] > 0
    assert c["resected"] == sum(c["resected_by_margin"].values())
    assert c["died"] == int(ds.adsl["death_date"].notna().sum())
    assert c["lost"] == int((ds.adsl["off_study_reason"] == "lost_to_follow_up").sum())
    # each failed criterion counted once per screening that failed it
    failed = ds.screening_log.loc[~ds.screening_log["eligible"], "failed_criteria"].str.split(";").explode()
    assert c["excluded_by_criterion"] == failed.value_counts().to_dict()
    assert sum(c["excluded_by_criterion"].values()) >= c["not_eligible"]


def test_survival_medians_are_the_stats_modules_on_times_from_the_dates(cohort):
    ds, r = cohort
    adsl = ds.adsl
    death = adsl["death_date"]
    os_days = ((death.fillna(adsl["last_contact_date"])) - adsl["enrolment_date"]).dt.days
    curve = kaplan_meier(os_days.to_numpy(float), death.notna().astype(int).to_numpy(), conf_type="log")
    assert r["survival"]["OS"]["median_days"] == curve.median
    assert r["survival"]["OS"]["median_ci_days"] == list(curve.median_ci)
    assert r["survival"]["OS"]["events"] == int(death.notna().sum())
    one_year = curve.survival_at(365.25)
    assert r["survival"]["OS"]["rates"]["1y"]["estimate"] == pytest.approx(one_year[0])
    pfs = ds.adtte[ds.adtte["endpoint"] == "PFS"]
    pfs_curve = kaplan_meier(pfs["time_days"].to_numpy(float), pfs["event"].to_numpy(int))
    assert r["survival"]["PFS"]["median_days"] == pfs_curve.median
    resected = adsl["resection_margin"].isin(["R0", "R1"])
    assert r["survival"]["RFS"]["n"] == int(resected.sum())


def test_response_rates_count_confirmed_responses_over_all_enrolled(cohort):
    ds, r = cohort
    bor = ds.adsl["best_overall_response"]
    n = len(ds.adsl)
    assert (r["response"]["orr"]["x"], r["response"]["orr"]["n"]) == (int(bor.isin(["CR", "PR"]).sum()), n)
    assert r["response"]["dcr"]["x"] == int(bor.isin(["CR", "PR", "SD", "NON_CR_NON_PD"]).sum())
    assert sum(r["response"]["best_overall_response"].values()) == n
    assert r["response"]["best_percent_change"]["median"] == pytest.approx(ds.adsl["best_percent_change"].median())
    assert sum(r["morphologic_response"]["counts"].values()) == n


def test_time_to_resection_is_from_enrolment(cohort):
    ds, r = cohort
    days = (ds.adsl["resection_date"] - ds.adsl["enrolment_date"]).dt.days.dropna()
    t = r["resection"]["time_to_resection_days"]
    assert (t["n"], t["median"], t["min"], t["max"]) == (len(days), days.median(), days.min(), days.max())


def test_baseline_table_counts_each_group(cohort):
    ds, r = cohort
    sex = [row for row in r["baseline"] if row["level"] == "male"][0]
    for group, frame in (("overall", ds.adsl), ("bevacizumab", ds.adsl[ds.adsl["targeted_agent"] == "bevacizumab"])):
        assert sex[group]["n"] == int((frame["sex"] == "male").sum())
        assert sex[group]["denominator"] == len(frame)
    age = r["baseline"][0]
    assert age["overall"]["median"] == pytest.approx(float(np.median(ds.adsl["age_years"].astype(float))))


def test_cox_model_has_the_prespecified_terms(cohort):
    _ds, r = cohort
    names = [c["name"] for c in r["cox"]["coefficients"]]
    assert names == ["sidedness=right", "ras_status=mutant", "lesion_count", "cea_above_200"]
    assert all(c["hr_ci"][0] < c["hr"] < c["hr_ci"][1] for c in r["cox"]["coefficients"])
    assert r["cox"]["excluded_missing"] > 0  # unknown RAS and missing CEA are left out, and counted


def test_accrual_counts_and_projects_from_the_registry_record(cohort, protocol):
    ds, r = cohort
    a = r["accrual"]
    assert a["target"] == protocol.registry.target_enrollment == 300
    assert a["enrolled"] == len(ds.adsl) == sum(a["by_month"].values())
    months = (pd.Timestamp("2026-06-30") - pd.Timestamp(protocol.registry.start_date)).days / (365.25 / 12)
    assert a["rate_per_month"] == pytest.approx(len(ds.adsl) / months)
    assert a["completion_date"] == protocol.registry.completion_date.isoformat()


# --- safety on a hand-made table ---------------------------------------------------------------------------


def test_safety_counts_each_patient_once_per_term_at_the_worst_grade(protocol):
    cycles = [
        {"subject_id": s, "cycle": 1, "cycle_date": "2024-01-05", "delay_days": d, "dose_modified": m}
        for s, d, m in (("CHA-001-0001", 0, True), ("CHA-001-0002", 5, False))
    ]

    def ae(s: str, term: str, grade: int, serious: bool = False, attribution: str = "possible") -> dict[str, object]:
        return {
            "subject_id": s,
            "term": term,
            "grade": grade,
            "serious": serious,
            "onset_date": "2024-01-10",
            "attribution": attribution,
        }

    events = [
        ae("CHA-001-0001", "Diarrhea", 2),
        ae("CHA-001-0001", "Diarrhea", 3, serious=True),
        ae("CHA-001-0002", "Diarrhea", 1),
        ae("CHA-001-0002", "Fatigue", 3, attribution="unrelated"),
        ae("CHA-001-0003", "Fatigue", 4),  # never treated: outside the safety population
    ]
    ds = prepare(
        datasets(
            [
                subject("CHA-001-0001", death_date="2024-01-30", last_contact_date="2024-01-30"),
                subject("CHA-001-0002"),
                subject("CHA-001-0003"),
            ],
            cycles=cycles,
            events=events,
        ),
        protocol,
    )
    s = compute_results(ds, protocol).data["safety"]
    assert s["n"] == 2
    terms = {t["term"]: t for t in s["by_term"]}
    assert (terms["Diarrhea"]["any_grade"], terms["Diarrhea"]["grade_3_or_more"]) == (2, 1)
    assert (terms["Fatigue"]["any_grade"], terms["Fatigue"]["grade_3_or_more"]) == (1, 1)
    assert terms["Diarrhea"]["any_grade_percent"] == 100.0
    assert s["any_grade_3_or_more"]["n"] == 2
    assert s["any_related_grade_3_or_more"]["n"] == 1
    assert (s["any_sae"]["n"], s["sae_events"]) == (1, 1)
    assert s["early_deaths"]["within_30_days_of_last_haic"] == 1  # died 25 days after its only cycle
    exposure = s["exposure"]
    assert exposure["patients_with_dose_modification"]["n"] == 1
    assert (exposure["patients_with_delay"]["n"], exposure["cycles_delayed"]) == (1, 1)


def test_landmark_classifies_by_resection_before_it_and_excludes_early_deaths(protocol):
    ds = prepare(
        datasets(
            [
                subject(
                    "CHA-001-0001", resection_date="2024-04-10", resection_margin="R0", last_contact_date="2025-06-01"
                ),  # R0 on day 100: converted
                subject(
                    "CHA-001-0002",
                    resection_date="2024-09-07",
                    resection_margin="R0",
                    death_date="2025-03-01",
                    last_contact_date="2025-03-01",
                ),  # R0 on day 250: not converted
                subject("CHA-001-0003", death_date="2024-05-30", last_contact_date="2024-05-30"),  # died day 150
                subject("CHA-001-0004", death_date="2024-12-01", last_contact_date="2024-12-01"),
            ]
        ),
        protocol,
        cutoff=dt.date(2025, 6, 1),
    )
    lm = compute_results(ds, protocol).data["landmark"]
    assert lm["landmark_days"] == 183
    assert (lm["enrolled"], lm["excluded_before_landmark"], lm["at_risk"]) == (4, 1, 3)
    assert lm["converted_after_landmark"] == 1
    assert (lm["groups"]["converted"]["n"], lm["groups"]["converted"]["events"]) == (1, 0)
    assert (lm["groups"]["not_converted"]["n"], lm["groups"]["not_converted"]["events"]) == (2, 2)
    assert lm["logrank"] is not None
    assert "guarantee-time bias" in lm["rationale"]


def test_patients_the_agent_rule_could_not_assign_form_their_own_group(protocol):
    """Protocol ``targeted_agent`` rule: left-sided with BRAF untested cannot be assigned (clinical/regimen)."""
    ds = prepare(
        datasets(
            [
                subject("CHA-001-0001", resection_date="2024-04-01", resection_margin="R0"),
                subject("CHA-001-0002", targeted_agent="bevacizumab", sidedness="right"),
                subject("CHA-001-0003", targeted_agent=None, braf_status="unknown"),
            ]
        ),
        protocol,
    )
    r = compute_results(ds, protocol).data
    groups = r["ctrr"]["by_targeted_agent"]
    assert list(groups) == ["bevacizumab", "cetuximab", "no_targeted_agent"]
    assert [(g["x"], g["n"]) for g in groups.values()] == [(0, 1), (1, 1), (0, 1)]
    sex = next(row for row in r["baseline"] if row["level"] == "female")
    assert sex["no_targeted_agent"]["denominator"] == 1


def test_non_target_only_disease_counts_as_disease_control():
    # RECIST 1.1 Table 2: with non-target disease only, the "stable" best response is NON_CR_NON_PD;
    # it is disease control (not an objective response).
    from haictrial.reports.efficacy import response

    adsl = pd.DataFrame(
        {
            "best_overall_response": ["PR", "NON_CR_NON_PD", "PD", None],
            "best_percent_change": [-40.0, None, 25.0, None],
        }
    )
    r = response(adsl)
    assert (r["orr"]["x"], r["dcr"]["x"], r["dcr"]["n"]) == (1, 2, 4)
    assert r["best_overall_response"]["NON_CR_NON_PD"] == 1
