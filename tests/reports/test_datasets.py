"""The analysis data sets: dictionary checks, the data cut-off, derived columns, ADTTE and the files."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from report_sources import make_source

from haictrial.errors import InputError
from haictrial.reports.datasets import AnalysisDatasets, prepare, write_datasets
from haictrial.reports.dictionary import SPECS, dictionary_rows


def subject(sid: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "subject_id": sid,
        "site": "001",
        "enrolment_date": "2024-01-01",
        "age_years": 60,
        "sex": "male",
        "ecog": 0,
        "primary_site": "sigmoid_colon",
        "sidedness": "left",
        "ras_status": "wild_type",
        "braf_status": "wild_type",
        "lesion_count": 3,
        "largest_lesion_mm": 40.0,
        "cea_ng_ml": 12.0,
        "targeted_agent": "cetuximab",
        "best_overall_response": None,
        "best_percent_change": None,
        "response_confirmed": None,
        "morphologic_response": None,
        "mdt_decision": None,
        "resection_date": None,
        "resection_margin": None,
        "progression_date": None,
        "recurrence_date": None,
        "death_date": None,
        "last_contact_date": "2024-06-01",
        "off_study_reason": None,
    }
    row.update(kw)
    return row


def datasets(
    subjects: list[dict[str, object]],
    cycles: list[dict[str, object]] | None = None,
    events: list[dict[str, object]] | None = None,
) -> AnalysisDatasets:
    log = [
        {
            "screening_id": f"S{i}",
            "site": "001",
            "screening_date": "2023-12-20",
            "eligible": True,
            "failed_criteria": None,
            "subject_id": s["subject_id"],
        }
        for i, s in enumerate(subjects)
    ]
    return AnalysisDatasets(
        adsl=pd.DataFrame(subjects),
        adrs=pd.DataFrame(
            columns=["subject_id", "assessment_date", "baseline", "sum_mm", "percent_change", "overall_response"]
        ),
        adae=pd.DataFrame(
            events or [], columns=["subject_id", "term", "grade", "serious", "onset_date", "attribution"]
        ),
        adex=pd.DataFrame(cycles or [], columns=["subject_id", "cycle", "cycle_date", "delay_days", "dose_modified"]),
        screening_log=pd.DataFrame(log),
    )


# --- a record that breaks the dictionary is a data issue, left out of that part only -----------------------


def issue_of(ds: AnalysisDatasets, field: str) -> dict[str, object]:
    found = [i for i in ds.data_issues if i["field"] == field]
    assert found, f"no data issue on {field}: {ds.data_issues}"
    return found[0]


@pytest.mark.parametrize(
    ("change", "field", "words", "form"),
    [
        ({"sex": "unknown"}, "sex", "not one of male, female", "screening"),
        ({"ecog": 1.5}, "ecog", "not a whole number", "screening"),
        ({"ecog": 7}, "ecog", "ECOG must be 0-5", "screening"),  # Oken 1982: ECOG 0-5
        ({"targeted_agent": "panitumumab"}, "targeted_agent", "not one of", "screening"),
        ({"resection_margin": "R0"}, "resection_date", "without a resection date", "resection"),
        ({"death_date": "2023-12-01"}, "death_date", "before the enrolment", "follow_up"),
        ({"death_date": "3397-01-01"}, "death_date", "not a date between 1900-01-01 and today", "follow_up"),
        ({"last_contact_date": None}, "last_contact_date", "required value is missing", "follow_up"),
        (
            {"resection_date": "2024-03-01", "resection_margin": "R0", "recurrence_date": "2024-02-01"},
            "recurrence_date",
            "before the resection",
            "follow_up",
        ),
    ],
)
def test_a_value_that_breaks_the_dictionary_is_a_named_data_issue(protocol, change, field, words, form):
    good = subject("CHA-001-0002")
    ds = prepare(datasets([subject("CHA-001-0001", **change), good]), protocol, dt.date(2025, 1, 1))
    issue = issue_of(ds, field)
    assert issue["subject_id"] == "CHA-001-0001" and issue["form"] == form
    assert words in str(issue["problem"])
    assert ds.adsl["subject_id"].tolist() == ["CHA-001-0001", "CHA-001-0002"]  # still enrolled, still counted


def test_an_event_before_enrolment_leaves_the_subject_out_of_those_endpoints_only(protocol):
    ds = prepare(datasets([subject("CHA-001-0001", death_date="2023-12-01"), subject("CHA-001-0002")]), protocol)
    assert issue_of(ds, "death_date")["left_out"] == ["OS", "PFS", "RFS"]
    os_ = ds.adtte[ds.adtte["endpoint"] == "OS"]
    assert os_["subject_id"].tolist() == ["CHA-001-0002"]
    ds = prepare(datasets([subject("CHA-001-0001", progression_date="2023-12-01"), subject("CHA-001-0002")]), protocol)
    assert sorted(ds.adtte.loc[ds.adtte["endpoint"] == "OS", "subject_id"]) == ["CHA-001-0001", "CHA-001-0002"]
    assert ds.adtte.loc[ds.adtte["endpoint"] == "PFS", "subject_id"].tolist() == ["CHA-001-0002"]


def test_a_screening_dated_3397_is_left_out_of_the_screening_log_only(protocol):
    ds = datasets([subject("CHA-001-0001")])
    extra = {"screening_id": "S9", "site": "001", "screening_date": dt.date(3397, 1, 1), "eligible": False,
             "failed_criteria": "I1", "subject_id": None}  # fmt: skip
    ds.screening_log = pd.concat([ds.screening_log, pd.DataFrame([extra])], ignore_index=True)
    out = prepare(ds, protocol)
    issue = issue_of(out, "screening_date")
    assert issue["subject_id"] == "S9" and issue["form"] == "screening" and "3397-01-01" in str(issue["problem"])
    assert out.screening_log["screening_id"].tolist() == ["S0"]
    assert out.cutoff == dt.date(2024, 6, 1)  # the default cut-off is not dragged to 3397


def test_it_rejects_a_missing_required_column(protocol):
    ds = datasets([subject("CHA-001-0001")])
    ds.adsl = ds.adsl.drop(columns=["site"])
    with pytest.raises(InputError) as err:
        prepare(ds, protocol)
    assert err.value.field == "adsl.site"


def test_events_of_an_unknown_subject_and_grades_outside_ctcae_are_left_out(protocol):
    ae = {
        "subject_id": "CHA-001-0099",
        "term": "Diarrhea",
        "grade": 2,
        "serious": False,
        "onset_date": "2024-02-01",
        "attribution": "possible",
    }
    ds = prepare(datasets([subject("CHA-001-0001")], events=[ae]), protocol)
    assert issue_of(ds, "subject_id")["subject_id"] == "CHA-001-0099" and ds.adae.empty
    # CTCAE v5.0: grades 1-5 only
    ds = prepare(
        datasets([subject("CHA-001-0001")], events=[ae | {"subject_id": "CHA-001-0001", "grade": 6}]), protocol
    )
    assert issue_of(ds, "grade")["form"] == "adverse_events" and ds.adae.empty


def test_an_enrolled_subject_missing_from_the_screening_log_is_named(protocol):
    ds = datasets([subject("CHA-001-0001"), subject("CHA-001-0002")])
    ds.screening_log = ds.screening_log.iloc[:1]
    out = prepare(ds, protocol)
    assert issue_of(out, "subject_id")["subject_id"] == "CHA-001-0002"
    assert len(out.adsl) == 2


# --- derivations ------------------------------------------------------------------------------------------


def test_it_derives_conversion_exposure_and_status(protocol):
    cycles = [
        {"subject_id": "CHA-001-0001", "cycle": 1, "cycle_date": "2024-01-05", "delay_days": 0, "dose_modified": False},
        {"subject_id": "CHA-001-0001", "cycle": 2, "cycle_date": "2024-02-01", "delay_days": 6, "dose_modified": True},
    ]
    ds = prepare(
        datasets(
            [
                subject("CHA-001-0001", resection_date="2024-04-01", resection_margin="R0"),
                subject(
                    "CHA-001-0002",
                    resection_date="2024-04-01",
                    resection_margin="R1",
                    death_date="2024-05-01",
                    last_contact_date="2024-04-20",
                    off_study_reason="death",
                ),
                subject("CHA-001-0003", off_study_reason="lost_to_follow_up"),
            ],
            cycles=cycles,
        ),
        protocol,
    )
    adsl = ds.adsl.set_index("subject_id")
    assert adsl["converted"].tolist() == [True, False, False]
    assert adsl["resected"].tolist() == [True, True, False]
    assert adsl["cycles_received"].tolist() == [2, 0, 0]
    assert adsl.loc["CHA-001-0001", "last_treatment_date"] == pd.Timestamp("2024-02-01")
    assert adsl["status"].tolist() == ["in_follow_up", "died", "lost_to_follow_up"]
    # last contact is never before a recorded event (the death on 2024-05-01)
    assert adsl.loc["CHA-001-0002", "last_contact_date"] == pd.Timestamp("2024-05-01")
    # delayed = beyond the protocol's HAIC window (3 days in CHALLENGE-A1)
    assert protocol.schedule.haic_window_days == 3
    assert ds.adex["delayed"].tolist() == [False, True]


def test_adtte_follows_the_protocol_endpoint_definitions(protocol):
    ds = prepare(
        datasets(
            [
                # progression on day 60, death on day 200
                subject(
                    "CHA-001-0001",
                    progression_date="2024-03-01",
                    death_date="2024-07-19",
                    last_contact_date="2024-07-19",
                ),
                # R0 at day 91, recurrence day 182, alive at day 366
                subject(
                    "CHA-001-0002",
                    resection_date="2024-04-01",
                    resection_margin="R0",
                    recurrence_date="2024-07-01",
                    last_contact_date="2025-01-01",
                ),
                # R2: no RFS row; censored everywhere
                subject("CHA-001-0003", resection_date="2024-04-01", resection_margin="R2"),
            ]
        ),
        protocol,
        cutoff=dt.date(2025, 1, 1),
    )
    tte = {(r.subject_id, r.endpoint): (r.time_days, r.event) for r in ds.adtte.itertuples()}
    assert tte[("CHA-001-0001", "OS")] == (200, 1)
    assert tte[("CHA-001-0001", "PFS")] == (60, 1)
    assert tte[("CHA-001-0002", "OS")] == (366, 0)
    assert tte[("CHA-001-0002", "PFS")] == (182, 1)  # recurrence after resection counts for PFS
    assert tte[("CHA-001-0002", "RFS")] == (91, 1)
    assert tte[("CHA-001-0003", "OS")] == (152, 0)
    assert ("CHA-001-0003", "RFS") not in tte


def test_the_cutoff_drops_later_data_and_censors_at_it(protocol):
    cutoff = dt.date(2024, 3, 1)
    cycles = [
        {"subject_id": "CHA-001-0001", "cycle": c, "cycle_date": d, "delay_days": 0, "dose_modified": False}
        for c, d in ((1, "2024-01-05"), (2, "2024-01-26"), (3, "2024-03-10"))
    ]
    ds = prepare(
        datasets(
            [
                subject(
                    "CHA-001-0001",
                    resection_date="2024-04-01",
                    resection_margin="R0",
                    death_date="2024-05-01",
                    off_study_reason="death",
                    last_contact_date="2024-05-01",
                ),
                subject("CHA-001-0002", enrolment_date="2024-03-05", last_contact_date="2024-03-20"),
            ],
            cycles=cycles,
        ),
        protocol,
        cutoff=cutoff,
    )
    assert ds.cutoff == cutoff
    assert ds.adsl["subject_id"].tolist() == ["CHA-001-0001"]  # enrolled after the cut-off: not yet
    row = ds.adsl.iloc[0]
    assert pd.isna(row["resection_date"]) and pd.isna(row["resection_margin"]) and pd.isna(row["death_date"])
    assert not row["converted"] and row["status"] == "in_follow_up"
    assert row["cycles_received"] == 2
    assert row["last_contact_date"] == pd.Timestamp(cutoff)
    # the second subject's screening stays in the log, not enrolled at the cut-off
    assert ds.screening_log["subject_id"].isna().sum() == 1
    os_row = ds.adtte[ds.adtte["endpoint"] == "OS"].iloc[0]
    assert (os_row["time_days"], os_row["event"]) == ((pd.Timestamp(cutoff) - pd.Timestamp("2024-01-01")).days, 0)


def test_prepare_is_idempotent(protocol):
    once = prepare(make_source(40, seed=3), protocol)
    twice = prepare(once, protocol, cutoff=once.cutoff)
    for name, frame in once.frames().items():
        pd.testing.assert_frame_equal(frame, twice.frames()[name], check_dtype=True, obj=name)


# --- files ------------------------------------------------------------------------------------------------


def test_it_writes_csv_parquet_and_the_data_dictionary(protocol, tmp_path):
    ds = prepare(make_source(25, seed=5), protocol)
    written = write_datasets(ds, tmp_path)
    for name, frame in ds.frames().items():
        csv, parquet = written[name]
        assert pd.read_csv(csv).shape == frame.shape
        back = pd.read_parquet(parquet)
        assert list(back.columns) == list(frame.columns) and len(back) == len(frame)
    assert set(SPECS) == set(ds.frames())
    dictionary = pd.read_csv(tmp_path / "data_dictionary.csv")
    for name, frame in ds.frames().items():
        assert set(dictionary.loc[dictionary["dataset"] == name, "column"]) == set(frame.columns)
    assert dictionary["definition"].notna().all() and dictionary["source"].notna().all()
    markdown = (tmp_path / "data_dictionary.md").read_text()
    assert all(f"| {row['column']} |" in markdown for row in dictionary_rows())
    assert "| cea_ng_ml | float, nullable | ng/mL |" in markdown


def test_a_response_confirmed_after_the_cutoff_is_not_confirmed_yet(protocol):
    """RECIST 1.1 Table 3 and section 4.6.1: a PR needs a second PR >= 28 days later; without it a PR
    at least 42 days (min SD duration, protocol setting recist_min_sd_days) after baseline counts as SD."""
    ds = datasets(
        [
            subject(
                "CHA-001-0001",
                best_overall_response="PR",
                best_percent_change=-45.0,
                response_confirmed=True,
                last_contact_date="2024-04-01",
            )
        ]
    )
    ds.adrs = pd.DataFrame(
        [
            {
                "subject_id": "CHA-001-0001",
                "assessment_date": "2023-12-28",
                "baseline": True,
                "sum_mm": 100.0,
                "percent_change": 0.0,
                "overall_response": None,
            },
            {
                "subject_id": "CHA-001-0001",
                "assessment_date": "2024-02-12",
                "baseline": False,
                "sum_mm": 60.0,
                "percent_change": -40.0,
                "overall_response": "PR",
            },
            {
                "subject_id": "CHA-001-0001",
                "assessment_date": "2024-03-25",
                "baseline": False,
                "sum_mm": 55.0,
                "percent_change": -45.0,
                "overall_response": "PR",
            },
        ]
    )
    whole = prepare(ds, protocol, cutoff=dt.date(2024, 4, 1)).adsl.iloc[0]
    assert (whole["best_overall_response"], whole["response_confirmed"], whole["best_percent_change"]) == (
        "PR",
        True,
        -45.0,
    )
    early = prepare(ds, protocol, cutoff=dt.date(2024, 3, 1)).adsl.iloc[0]
    assert (early["best_overall_response"], early["response_confirmed"], early["best_percent_change"]) == (
        "SD",
        False,
        -40.0,
    )
    before_any = prepare(ds, protocol, cutoff=dt.date(2024, 2, 1)).adsl.iloc[0]
    assert pd.isna(before_any["best_overall_response"]) and pd.isna(before_any["best_percent_change"])
