"""A save derives only what the saved form can change (clinical/course_inputs.py): the derived values of
each form, computed on the casebook restricted to the forms ``DERIVED_FROM`` declares, equal those computed
on the whole casebook; so a declared input too few fails here. The complete example subject has records of
every form (protocol settings.dose_modification; RECIST 1.1, Eisenhauer 2009, for the imaging time points)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from crf_examples import complete_subject, parse
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.course import derive
from haictrial.clinical.course_inputs import DERIVED_FROM, DEVIATIONS_FROM, affected_by, inputs_of, restricted
from haictrial.clinical.crf_models import FORM_ATTRIBUTES, FormName
from haictrial.clinical.deviations import Enrolment, detect_deviations
from haictrial.clinical.patient import Patient
from haictrial.clinical.visit_schedule import RecordFacts, subject_schedule
from haictrial.protocol import load_protocol

EXAMPLE = Path(__file__).parents[2] / "src" / "haictrial" / "protocols" / "examples" / "patient.example.json"
NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
PROTOCOL = load_protocol()


def _casebook():
    document = complete_subject()
    # Every form present: a death 71 days after the resection (2026-03-10), recorded at the end of study, and
    # a follow-up visit alive before it, so that the resection's 90-day mortality reads both forms.
    document["follow_up"] = [{"record_id": "fu-1", "date": "2026-04-20", "vital_status": "alive"}]
    document["end_of_study"] = {"date": "2026-05-25", "reason": "death", "death_date": "2026-05-20"}
    return parse(document)


FORMS = _casebook()
PATIENT = Patient.model_validate(json.loads(EXAMPLE.read_text(encoding="utf-8")))
FULL = derive(FORMS, PROTOCOL, NOW, PATIENT)


def _of(derived, form: FormName):
    records = {k: v for k, v in derived.records.items() if k[0] == form}
    codes = {k: v for k, v in derived.codes.items() if k[0] == form}
    return records, codes


def test_the_example_casebook_has_records_of_every_form():
    assert all(FORMS.instances(form) for form in FormName), [f for f in FormName if not FORMS.instances(f)]


@pytest.mark.parametrize("form", list(FormName), ids=lambda f: f.value)
def test_a_forms_derived_values_need_only_its_declared_inputs(form):
    scoped = derive(restricted(FORMS, DERIVED_FROM[form] | {form}), PROTOCOL, NOW, PATIENT)
    assert _of(scoped, form) == _of(FULL, form)


def test_every_form_is_declared():
    assert set(DERIVED_FROM) == set(FormName) == set(FORM_ATTRIBUTES)


def test_nothing_is_derived_from_a_concomitant_medication():
    assert affected_by(FormName.concomitant_medications) == frozenset()
    assert _of(FULL, FormName.concomitant_medications) == ({}, {})


@given(st.sets(st.sampled_from(list(FormName)), min_size=1))
@settings(max_examples=30, deadline=None)
def test_a_save_of_any_forms_is_derived_as_on_the_whole_casebook(changed):
    """Invariant: for every set of saved forms, the affected forms' values from the restricted casebook are
    those of the whole casebook, and restricting keeps the records' indexes (their keys)."""
    affected = set().union(*(affected_by(f) for f in changed))
    scoped = derive(restricted(FORMS, inputs_of(affected) | affected), PROTOCOL, NOW, PATIENT)
    for form in affected:
        assert _of(scoped, form) == _of(FULL, form)


def _facts(forms, with_medications: bool):
    facts = [
        RecordFacts(record_id=100 + i, form=FormName.haic_cycle.value, cycle=c.cycle, date=c.admission_date)
        for i, c in enumerate(forms.haic_cycles)
    ]
    if with_medications:
        facts += [
            RecordFacts(record_id=200 + i, form=FormName.concomitant_medications.value, cycle=None, date=m.start_date)
            for i, m in enumerate(forms.concomitant_medications)
        ]
    return facts


def _deviations(forms, with_medications: bool):
    visits = subject_schedule(
        status="on_treatment",
        enrolment_date=forms.enrolment_date,
        treatment_start_date=forms.haic_cycles[0].admission_date,
        targeted_agent=None,
        records=_facts(forms, with_medications),
        protocol=PROTOCOL,
        today=NOW.date(),
    )
    # Consent signed the day after the first HAIC admission: a consent deviation on that procedure (ICH E6(R3) 2.8).
    signed = forms.haic_cycles[0].admission_date + dt.timedelta(days=1)
    enrolment = Enrolment(eligible=True, criteria=[], consent_signed_on=signed)
    return detect_deviations(forms, visits, PROTOCOL, enrolment=enrolment)


def test_a_concomitant_medication_changes_no_deviation():
    """Deviations (protocol visit windows, doses, consent) found with and without the medications are the same;
    the consent is dated after the first procedure, so that there is a deviation to find."""
    assert FormName.concomitant_medications not in DEVIATIONS_FROM
    without = restricted(FORMS, DEVIATIONS_FROM)
    found = _deviations(FORMS, True)
    assert found
    assert _deviations(without, False) == found
