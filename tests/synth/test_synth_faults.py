"""Data-quality faults: recorded in the ledger, present where the ledger says, never type errors.

References: docs/contracts/screen.md (units: bilirubin 17.1, creatinine 88.4, g/dL = 10 g/L); the issue's
fault kinds (missing, out of range, unit mix-up, dates out of order).
"""

from __future__ import annotations

import datetime as dt

import pytest

from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.synth.cohort import generate_cohort


def test_no_faults_without_a_rate(cohort):
    assert cohort.fault_table.num_rows == 0
    assert cohort.fault_ledger == []


def test_every_kind_of_fault_is_injected_and_recorded(faulted):
    ledger = faulted.fault_ledger
    kinds = {(f["table"], f["kind"]) for f in ledger}
    assert {
        ("screening", "missing"),
        ("screening", "out_of_range"),
        ("screening", "unit_mixup"),
        ("labs", "missing"),
        ("labs", "out_of_range"),
        ("labs", "unit_mixup"),
        ("cycles", "date_order"),
        ("adverse_events", "date_order"),
    } <= kinds
    assert len({f["fault_id"] for f in ledger}) == len(ledger)
    # about 30 % of documents carry one screening fault
    screening = [f for f in ledger if f["table"] == "screening"]
    assert abs(len(screening) / faulted.subjects - 0.3) < 0.04


def test_screening_faults_are_where_the_ledger_says(faulted):
    docs = {d["subject_id"]: d for d in faulted.screening_documents()}
    for fault in faulted.fault_ledger:
        if fault["table"] != "screening":
            continue
        doc = docs[fault["subject_id"]]
        value = doc
        for part in fault["field"].split("."):
            value = value[part]
        assert value == fault["injected"], fault
        assert fault["original"] != fault["injected"]
        parse_model(Patient, doc)  # a data-quality fault, not a type error
        if fault["kind"] == "unit_mixup":
            # the number of the other unit (rounded as the labelled unit is written), the label unchanged
            assert value["unit"] == fault["original"]["unit"]
            ratio = fault["original"]["value"] / value["value"]
            assert ratio > 4 or ratio < 0.25, fault


def test_missing_values_make_the_screening_unknown_never_pass(faulted):
    screening = faulted.tables["screening"].set_index("subject_id")
    criterion = {"birth_date": "I1", "ecog": "I6", "lvef_percent": "I6", "extrahepatic_metastasis": "E1",
                 "data_complete": "E8", "medical_history": "E5", "labs.platelets": "I8", "labs.albumin": "I7"}  # fmt: skip
    for fault in faulted.fault_ledger:
        if fault["kind"] == "missing" and fault["field"] in criterion:
            status = screening.loc[fault["subject_id"], criterion[fault["field"]]]
            assert status in ("unknown", "fail"), fault
            assert screening.loc[fault["subject_id"], "eligible"] is not True


def test_course_faults_are_in_the_tables(faulted):
    labs = faulted.tables["labs"].assign(
        subject_id=lambda f: f["subject_id"].astype(str), test=lambda f: f["test"].astype(str)
    )
    cycles = faulted.tables["cycles"].assign(subject_id=lambda f: f["subject_id"].astype(str))
    aes = faulted.tables["adverse_events"].assign(
        subject_id=lambda f: f["subject_id"].astype(str), term=lambda f: f["term"].astype(str)
    )
    for fault in faulted.fault_ledger:
        rec = fault["record"]
        if fault["table"] == "labs":
            row = labs[
                (labs["subject_id"] == fault["subject_id"])
                & (labs["cycle"] == rec["cycle"])
                & (labs["test"] == rec["test"])
            ]
            value = row["value"].iloc[0]
            if fault["kind"] == "missing":
                assert value != value  # NaN: null in the Parquet table
            else:
                assert value == pytest.approx(fault["injected"]["value"], abs=0.006)
        elif fault["table"] == "cycles":
            rows = cycles[cycles["subject_id"] == fault["subject_id"]].set_index("cycle")
            assert rows.loc[rec["cycle"], "date"] == dt.date.fromisoformat(fault["injected"])
            assert rows.loc[rec["cycle"], "date"] < rows.loc[rec["cycle"] - 1, "date"], "dates out of order"
        elif fault["table"] == "adverse_events":
            row = aes[
                (aes["subject_id"] == fault["subject_id"])
                & (aes["cycle"] == rec["cycle"])
                & (aes["term"] == rec["term"])
            ]
            assert row["resolution_date"].iloc[0] < row["onset_date"].iloc[0]


def test_faulted_recist_documents_stay_valid(faulted, protocol):
    from haictrial.synth.verify import recist_mismatches, sample_indices

    assert recist_mismatches(faulted, protocol, sample_indices(faulted.enrolled, 200)) == []


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_a_rate_outside_0_1_is_refused(rate):
    from haictrial.errors import InputError

    with pytest.raises(InputError) as err:
        generate_cohort(10, 1, dt.date(2024, 1, 1), rate)
    assert err.value.field == "faults"
