"""The screened population: every document is a valid screen-contract patient, and the vectorised
screening verdict is the screening engine's, criterion by criterion.

References: docs/contracts/screen.md; NCT06988852 criteria I1-I8, E1-E8 (haictrial.clinical.eligibility).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.eligibility import age_in_years
from haictrial.clinical.eligibility import months_before as engine_months_before
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.synth import text as T
from haictrial.synth.screening import age_years, months_before
from haictrial.synth.verify import sample_indices, screening_mismatches


def test_it_writes_a_valid_patient_document_for_every_screened_patient(cohort):
    # docs/contracts/screen.md: each line parses with the Patient model (haictrial.documents.parse_model)
    count = 0
    for doc in cohort.screening_documents():
        patient = parse_model(Patient, doc)
        assert patient.subject_id == doc["subject_id"]
        assert patient.liver_lesions, "every screened patient has at least one liver lesion"
        count += 1
    assert count == cohort.subjects == 3000


def test_it_keeps_faulted_documents_parseable(faulted):
    # Issue: data-quality faults never become type errors of the Patient model
    for doc in faulted.screening_documents():
        parse_model(Patient, doc)


def test_it_matches_the_screening_engine_on_a_sample(cohort, protocol):
    assert screening_mismatches(cohort, protocol, sample_indices(cohort.subjects, 600)) == []


def test_it_matches_the_screening_engine_on_faulted_documents(faulted, protocol):
    # missing values make criteria unknown (never pass), decimal slips and unit mix-ups change verdicts
    assert screening_mismatches(faulted, protocol, sample_indices(faulted.subjects, 600)) == []


def test_it_enrols_exactly_the_eligible(cohort):
    screening = cohort.tables["screening"]
    eligible = screening["eligible"].fillna(False).astype(bool)
    assert (screening["enrolled"] == eligible).all()
    assert set(screening.loc[eligible, "subject_id"]) == set(cohort.tables["subjects"]["subject_id"])


def test_it_spreads_screen_failures_across_the_criteria(cohort):
    screening = cohort.tables["screening"]
    failing = {
        c: int((screening[c] == "fail").sum()) for c in [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]
    }
    assert all(n > 0 for n in failing.values()), failing
    assert failing["E1"] == max(failing.values()), "extrahepatic disease is the commonest exclusion"


@settings(max_examples=200, deadline=None)
@given(
    birth=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31)),
    on=st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31)),
)
def test_age_and_lookback_agree_with_the_engine(birth, on):
    # I1 completed years (29 February reached on 1 March) and E5 calendar months, as the engine computes them
    b, o = np.array([T.day_number(birth)]), np.array([T.day_number(on)])
    assert age_years(b, o)[0] == age_in_years(birth, on)
    assert months_before(o, 6)[0] == T.day_number(engine_months_before(on, 6))


@pytest.mark.parametrize("n", [1, 7])
def test_it_handles_tiny_cohorts(protocol, n):
    from haictrial.synth.cohort import generate_cohort

    small = generate_cohort(n, 5, dt.date(2024, 1, 1), 0.0, protocol, verify=n)
    assert small.subjects == n
    assert len(list(small.screening_documents())) == n
