"""Analysis rows of one subject from the eCRFs (haictrial.reports.from_forms)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from haictrial.clinical.crf_models import SubjectForms
from haictrial.documents import parse_model
from haictrial.reports.from_forms import subject_rows


def cycle(number: int, admission: str, level: int = 0) -> dict[str, Any]:
    return {
        "cycle": number,
        "admission_date": admission,
        "infusions": [
            {"drug": "oxaliplatin", "planned_dose_mg": 200.0, "planned_dose_level": level, "given_dose_mg": 200.0}
        ],
    }


def forms(**changes: Any) -> SubjectForms:
    document: dict[str, Any] = {
        "subject_id": "CHA-001-0001",
        "enrolment_date": "2026-01-12",
        "baseline": {
            "visit_date": "2026-01-10",
            "tumour_markers": {"date": "2026-01-08", "cea_ng_per_ml": 245.0},
            "baseline_imaging_date": "2026-01-08",
            "lesions": [
                {"id": "T1", "segments": ["S7"], "longest_diameter_mm": 48, "role": "target"},
                {"id": "T2", "segments": ["S4"], "longest_diameter_mm": 31, "role": "target"},
                {"id": "NT1", "segments": ["S2"], "longest_diameter_mm": 12, "role": "non_target"},
            ],
            "ecog": 1,
        },
        # cycle 2 on time (21 days after cycle 1), cycle 3 five days late and one dose level down
        "haic_cycles": [cycle(1, "2026-01-15"), cycle(2, "2026-02-05"), cycle(3, "2026-03-03", level=1)],
        # docs/contracts/recist.md sizes: 48 + 31 = 79 -> 50 mm is -36.7 % (PR), confirmed 42 days later
        "imaging": [
            {"date": "2026-02-19", "after_cycle": 2, "target_mm": {"T1": 30, "T2": 20},
             "non_target": {"NT1": "present"}, "new_lesions": False},
            {"date": "2026-04-02", "after_cycle": 3, "target_mm": {"T1": 28, "T2": 18},
             "non_target": {"NT1": "present"}, "new_lesions": False},
        ],
        "adverse_events": [
            {"term": "Nausea", "grade": 1, "onset_date": "2026-01-16", "action_taken": "none", "outcome": "recovered",
             "attribution": {"oxaliplatin": "possible", "haic_procedure": "probable"}},
            {"term": "Diarrhea", "grade": 3, "onset_date": "2026-02-08", "action_taken": "none",
             "outcome": "recovered", "seriousness": ["hospitalisation"], "aware_at": "2026-02-08T10:00:00+08:00",
             "attribution": {"fluorouracil": "unlikely"}},
        ],
        "mdt_reviews": [{"date": "2026-04-05", "imaging_date": "2026-04-02", "decision": "resect"}],
        "resections": [{"date": "2026-04-20", "macroscopic_residual": False, "pathology": {"margin_mm": 2.0}}],
        "follow_up": [
            {"date": "2026-09-01", "vital_status": "alive", "disease_event": "recurrence", "event_date": "2026-08-25",
             "event_sites": ["liver"]},
        ],
    }  # fmt: skip
    document.update(changes)
    return parse_model(SubjectForms, document)


@pytest.fixture(scope="module")
def rows(protocol):
    return subject_rows(forms(), protocol)


def test_baseline_values_come_from_the_baseline_ecrf(rows):
    assert rows.adsl["cea_ng_ml"] == 245.0 and rows.adsl["ecog"] == 1
    assert (rows.adsl["lesion_count"], rows.adsl["largest_lesion_mm"]) == (3, 48)


def test_response_is_the_recist_engines_from_the_imaging_ecrfs(rows):
    """docs/contracts/recist.md example: 79 -> 50 mm = -36.7 % (PR); a second PR 42 days later confirms it."""
    assert rows.adsl["best_overall_response"] == "PR" and rows.adsl["response_confirmed"] is True
    assert rows.adsl["best_percent_change"] == pytest.approx(-41.8, abs=0.05)  # 46 of 79 mm at the second
    assert [(r["baseline"], r["overall_response"]) for r in rows.adrs] == [(True, None), (False, "PR"), (False, "PR")]
    assert rows.adrs[1]["percent_change"] == pytest.approx(-36.7, abs=0.05)


def test_cycles_give_delays_from_the_protocol_cycle_length_and_dose_modifications(rows, protocol):
    assert protocol.regimen.cycle_length_days == 21
    assert [(c["cycle"], c["delay_days"], c["dose_modified"]) for c in rows.adex] == [
        (1, 0, False),
        (2, 0, False),
        (3, 5, True),
    ]


def test_adverse_events_carry_seriousness_and_the_strongest_attribution(rows):
    assert [(e["term"], e["grade"], e["serious"], e["attribution"]) for e in rows.adae] == [
        ("Nausea", 1, False, "probable"),
        ("Diarrhea", 3, True, "unlikely"),
    ]


def test_mdt_resection_recurrence_and_last_contact(rows):
    a = rows.adsl
    assert a["mdt_decision"] == "resect"
    assert (a["resection_date"], a["resection_margin"]) == (dt.date(2026, 4, 20), "R0")  # margin >= 1 mm
    assert a["recurrence_date"] == dt.date(2026, 8, 25) and a["progression_date"] is None
    assert a["death_date"] is None and a["last_contact_date"] == dt.date(2026, 9, 1)
    assert a["off_study_reason"] is None and rows.issues == []


def test_a_resection_waiting_for_pathology_is_not_counted_yet_and_death_ends_the_study(protocol):
    found = subject_rows(
        forms(
            resections=[{"date": "2026-04-20", "macroscopic_residual": False}],
            follow_up=[{"date": "2026-06-01", "vital_status": "dead", "death_date": "2026-05-28"}],
            end_of_study={"date": "2026-06-01", "reason": "death", "death_date": "2026-05-28"},
        ),
        protocol,
    )
    assert found.adsl["resection_date"] is None and found.adsl["resection_margin"] is None
    assert found.adsl["death_date"] == dt.date(2026, 5, 28) and found.adsl["off_study_reason"] == "death"
