"""Doses, dose modifications and laboratory toxicity of the generated courses, checked against the engines.

References: docs/contracts/plan.md and haictrial.clinical.dosing.plan_cycle (doses rounded half up to 0.1 mg);
protocol settings.dose_modification; CTCAE v5.0 (haictrial.clinical.ctcae.grade_lab).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.adverse_events import AdverseEvent
from haictrial.clinical.ctcae import TERM_FOR_TEST, grade_lab
from haictrial.clinical.dosing import dose_mg, round_half_up
from haictrial.synth.treatment import doses_mg, per_kg_doses_mg, round_half_up_array
from haictrial.synth.verify import planning_mismatches, sample_indices
from haictrial.vocabulary.units import Analyte


def test_planned_doses_equal_the_planning_engine(cohort, protocol):
    # Every planned dose of every given cycle = plan_cycle(patient, protocol, cycle, toxicity_history)
    ids = list(cohort.tables["subjects"]["subject_id"])
    sample = [ids[i] for i in sample_indices(len(ids), 150)]
    assert planning_mismatches(cohort, protocol, sample) == []


def test_it_records_the_dose_modifications_it_applies(cohort):
    cycles = cohort.tables["cycles"]
    reduced = cycles[(cycles["dose_level_oxaliplatin"] > 0)]
    assert len(reduced) > 0, "some patients have oxaliplatin reduced"
    assert reduced["dose_modified"].all()
    first = cycles[cycles["modification"].notna()]
    assert first["modification"].str.contains(r"\(after .* grade \d in cycle \d\)").all()
    delayed = cycles[cycles["delay_days"] > 0]
    assert len(delayed) > 0 and delayed["modification"].str.contains("delayed").all()


def test_unmodified_cycles_are_full_dose(cohort, protocol):
    cycles = cohort.tables["cycles"]
    plain = cycles[~cycles["dose_modified"]]
    per_m2 = protocol.regimen.chemotherapy[0].dose  # oxaliplatin 130 mg/m2
    subjects = cohort.tables["subjects"].set_index("subject_id")
    bsa = np.sqrt(subjects["height_cm"] * subjects["weight_kg"] / 3600.0)
    expected = np.floor(per_m2 * bsa.loc[plain["subject_id"].astype(str)].to_numpy() * 10 + 0.5) / 10
    assert np.allclose(plain["planned_oxaliplatin_mg"].to_numpy(), expected, atol=0.1001)


@settings(max_examples=300, deadline=None)
@given(
    per=st.sampled_from([130.0, 100.0, 85.0, 400.0, 320.0, 2400.0, 1920.0, 250.0, 200.0]),
    height=st.integers(140, 200),
    weight_tenths=st.integers(350, 1300),
)
def test_array_doses_equal_the_engines_rounding(per, height, weight_tenths):
    weight = weight_tenths / 10
    bsa = np.sqrt(np.array([height * weight / 3600.0]))
    assert doses_mg(per, bsa)[0] == dose_mg(per, float(bsa[0]))
    assert per_kg_doses_mg(7.5, np.array([weight]))[0] == dose_mg(7.5, weight)
    assert round_half_up_array(bsa, 2)[0] == round_half_up(float(bsa[0]), 2)


def test_lab_adverse_event_grades_are_the_ctcae_grade_of_the_lab(cohort, protocol):
    # CTCAE v5.0: the AE grade of a laboratory term is the grade of that cycle's panel value
    labs = cohort.tables["labs"]
    events = cohort.tables["adverse_events"]
    screening = cohort.tables["screening"].set_index("subject_id")
    ranges = protocol.settings.reference_ranges.value
    ids = list(cohort.tables["subjects"]["subject_id"])
    sample = set(ids[i] for i in sample_indices(len(ids), 120))
    labs = labs[labs["subject_id"].isin(sample)]
    worst = {(r.subject_id, r.cycle, r.term): r.grade for r in events[events["subject_id"].isin(sample)].itertuples()}
    checked = 0
    for row in labs.itertuples():
        test = Analyte(row.test)
        if test not in TERM_FOR_TEST:
            continue
        doc = screening.loc[row.subject_id]
        rng = ranges[test].for_sex(doc["sex"])
        baseline = doc[f"{row.test}_value"] * {
            "mg/dL": 17.1 if row.test == "total_bilirubin" else 88.4,
            "g/dL": 10.0,
        }.get(doc[f"{row.test}_unit"], 1.0)
        grade = grade_lab(test, row.value, rng.lln, rng.uln, baseline)
        assert worst.get((row.subject_id, row.cycle, TERM_FOR_TEST[test].value), 0) == grade, row
        checked += 1
    assert checked > 1000


def test_adverse_events_are_valid_adverse_event_records(cohort):
    # haictrial.clinical.adverse_events.AdverseEvent: term, grade, seriousness, dates, SAE clock
    events = cohort.tables["adverse_events"].head(3000)
    for row in events.to_dict(orient="records"):
        serious = [row["seriousness"]] if row["serious"] else []
        AdverseEvent.model_validate(
            {
                "subject_id": row["subject_id"],
                "term": row["term"],
                "grade": row["grade"],
                "seriousness": serious,
                "onset_date": row["onset_date"],
                "resolution_date": row["resolution_date"],
                "action_taken": row["action_taken"],
                "outcome": row["outcome"],
                "aware_at": None if row["aware_at"] is None or str(row["aware_at"]) == "NaT" else row["aware_at"],
                "reported_at": None
                if row["reported_at"] is None or str(row["reported_at"]) == "NaT"
                else row["reported_at"],
                "attribution": {"haic_procedure": row["attribution_haic"]},
            }
        )


def test_agent_specific_toxicities_follow_the_agent(cohort):
    events = cohort.tables["adverse_events"].merge(
        cohort.tables["subjects"][["subject_id", "targeted_agent"]], on="subject_id"
    )
    assert set(events.loc[events["term"] == "Rash acneiform", "targeted_agent"]) == {"cetuximab"}
    assert set(events.loc[events["term"] == "Hypertension", "targeted_agent"]) == {"bevacizumab"}
