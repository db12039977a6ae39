"""Every enrolled patient's course is internally consistent, and its imaging is a valid RECIST input whose
first progression is the recorded progression date.

References: NCT06988852 schedule (cycle every 21 days, imaging every 2 cycles, MDT review, resection);
RECIST 1.1 (Eisenhauer 2009, doi:10.1016/j.ejca.2008.10.026) via haictrial.clinical.recist.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from haictrial.synth.verify import recist_mismatches, sample_indices


def _last(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.groupby("subject_id", observed=True)[column].max()


def _str_ids(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(subject_id=frame["subject_id"].astype(str))


def test_dates_are_ordered_from_screening_to_the_first_cycle(cohort):
    s = cohort.tables["subjects"]
    assert (s["screening_date"] < s["enrolment_date"]).all()
    assert (s["enrolment_date"] < s["cycle_1_date"]).all()


def test_cycles_are_numbered_and_dated_in_order(cohort):
    cycles = _str_ids(cohort.tables["cycles"])
    subjects = cohort.tables["subjects"].set_index("subject_id")
    for sid, group in cycles.groupby("subject_id"):
        assert list(group["cycle"]) == list(range(1, len(group) + 1)), sid
        assert group["date"].is_monotonic_increasing and group["date"].is_unique, sid
        assert group["date"].iloc[0] == subjects.loc[sid, "cycle_1_date"]
        gaps = group["date"].diff().dropna().map(lambda d: d.days)
        assert (gaps >= 20).all(), sid  # 21-day cycles, jitter within the HAIC window
    given = cycles.groupby("subject_id")["cycle"].max()
    assert (subjects.loc[given.index, "cycles_given"] == given).all()


def test_targeted_agent_doses_are_given_on_their_cycle_days(cohort):
    adm = _str_ids(cohort.tables["administrations"]).merge(
        _str_ids(cohort.tables["cycles"])[["subject_id", "cycle", "date"]],
        on=["subject_id", "cycle"],
        suffixes=("", "_cycle"),
    )
    offset = (adm["date"] - adm["date_cycle"]).map(lambda d: d.days)
    assert (offset == adm["cycle_day"] - 1).all()
    agents = cohort.tables["subjects"].set_index("subject_id")["targeted_agent"]
    assert (adm["drug"].astype(str) == agents.loc[adm["subject_id"]].to_numpy()).all()


def test_assessments_start_at_screening_and_increase(cohort):
    a = _str_ids(cohort.tables["assessments"])
    subjects = cohort.tables["subjects"].set_index("subject_id")
    baseline = a[a["assessment_no"] == 0].set_index("subject_id")
    assert (baseline["date"] == subjects.loc[baseline.index, "screening_date"]).all()
    for sid, group in a.groupby("subject_id"):
        assert group["date"].is_monotonic_increasing and group["date"].is_unique, sid


def test_resection_only_after_an_mdt_decision_to_resect(cohort):
    mdt = _str_ids(cohort.tables["mdt"])
    res = _str_ids(cohort.tables["resections"])
    assert (mdt["date"] > mdt["assessment_date"]).all()
    resect = mdt[mdt["decision"] == "resect"].set_index("subject_id")
    assert set(res["subject_id"]) == set(resect.index)
    assert (res.set_index("subject_id")["date"] > resect.loc[res["subject_id"], "date"]).all()
    last = mdt.sort_values("date").groupby("subject_id").tail(1).set_index("subject_id")
    assert (last.loc[res["subject_id"], "decision"] == "resect").all(), "nothing is decided after resect"
    assert res["r_status"].isin(["R0", "R1", "R2"]).all()
    assert (res.loc[res["r_status"] == "R0", "margin_mm"] >= 1.0).all()  # endpoint ctrr: R0 = margin >= 1 mm
    assert (res.loc[res["r_status"] == "R1", "margin_mm"] < 1.0).all()


def test_death_is_last_and_nothing_follows_it(cohort):
    fu = cohort.tables["follow_up"].set_index("subject_id")
    dead = fu["death_date"].notna()
    limit = fu["death_date"].where(dead, fu["last_known_alive_date"])
    dated = [
        ("cycles", "date"), ("administrations", "date"), ("labs", "date"), ("adverse_events", "onset_date"),
        ("assessments", "date"), ("mdt", "date"), ("resections", "date"),
    ]  # fmt: skip
    for table, column in dated:
        latest = _last(_str_ids(cohort.tables[table]), column)
        assert (latest <= limit.loc[latest.index]).all(), table
    for column in ("progression_date", "recurrence_date"):
        known = fu[column].notna()
        assert (fu.loc[known, column] <= limit[known]).all(), column
    assert (fu.loc[dead, "last_known_alive_date"] == fu.loc[dead, "death_date"]).all()
    ae = cohort.tables["adverse_events"]
    resolved = ae["resolution_date"].notna()
    assert (ae.loc[resolved, "resolution_date"] >= ae.loc[resolved, "onset_date"]).all()


def test_recurrence_follows_resection_and_progression_is_not_after_it(cohort):
    fu = cohort.tables["follow_up"].set_index("subject_id")
    res = _str_ids(cohort.tables["resections"]).set_index("subject_id")
    recurred = fu["recurrence_date"].notna()
    assert set(fu.index[recurred]) <= set(res.index)
    assert (fu.loc[recurred, "recurrence_date"] > res.loc[fu.index[recurred], "date"]).all()
    assert (fu["pfs_months"] <= fu["os_months"] + 1e-9).all()


def test_recist_documents_are_valid_and_agree_with_progression(cohort, protocol):
    # RECIST 1.1: the first PD time point of the engine is the recorded progression date
    assert recist_mismatches(cohort, protocol, sample_indices(cohort.enrolled, 400)) == []


def test_target_lesions_are_the_two_largest_measurable(cohort):
    # RECIST 1.1 section 4.2: at most 2 target lesions per organ, each >= 10 mm at baseline
    docs = list(cohort.recist_documents())
    screening = {d["subject_id"]: d for d in cohort.screening_documents()}
    for doc in docs[:500]:
        lesions = sorted(screening[doc["subject_id"]]["liver_lesions"], key=lambda x: -x["longest_diameter_mm"])
        chosen = {t["id"] for t in doc["target_lesions"]}
        expect = [x for x in lesions if x["longest_diameter_mm"] >= 10][:2]
        assert {x["longest_diameter_mm"] for x in lesions if x["id"] in chosen} == {
            x["longest_diameter_mm"] for x in expect
        }
        assert len(chosen) == len(expect)
        assert dt.date.fromisoformat(doc["assessments"][0]["date"]) == dt.date.fromisoformat(
            screening[doc["subject_id"]]["screening_date"]
        )


def test_the_python_api_gives_whole_courses(cohort):
    first = next(cohort.courses())
    sid = first["subjects"][0]["subject_id"]
    assert first["screening"]["subject_id"] == sid == first["recist"]["subject_id"]
    assert {"cycles", "administrations", "labs", "adverse_events", "assessments", "mdt", "follow_up"} <= set(first)
    assert all(row["subject_id"] == sid for row in first["cycles"])
