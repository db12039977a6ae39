"""The compiled pre-screen against the per-patient engine (docs/contracts/prescreen.md, docs/contracts/screen.md).

The judge is :func:`haictrial.screen_document`: on every patient the compiled criteria must give the same
status per criterion, the same ``eligible`` and the same ``missing``; a row the engine refuses gets the
engine's one-line message as ``error`` and no verdict. References: NCT06988852 I1-I8, E1-E8.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import hypothesis.strategies as st
import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from haictrial import prescreen_table, screen_document
from haictrial.errors import DomainError
from haictrial.interop.prescreen.compiler import compile_prescreen
from haictrial.interop.prescreen.sources import connect, read_flat
from haictrial.protocol import load_protocol
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort
from haictrial.vocabulary.flat_layout import flat_table, flatten, unflatten
from haictrial.vocabulary.units import Analyte

START = dt.date(2023, 5, 1)
EXAMPLE = {
    "subject_id": "CHA-001-0001",
    "screening_date": "2026-11-20",
    "birth_date": "1961-03-02",
    "sex": "male",
    "ecog": 1,
    "lvef_percent": 60,
    "fev1_fvc_percent": 75,
    "pathology_confirmed_crlm": True,
    "other_malignancy_history": False,
    "prior_systemic_treatment": "progressed",
    "primary_tumor": {"site": "sigmoid_colon", "resected": True, "completely_resectable": True},
    "liver_lesions": [{"id": "L1", "segment": "S7", "longest_diameter_mm": 32}],
    "extrahepatic_metastasis": False,
    "peritoneal_spread": False,
    "ascites": "none",
    "hepatic_encephalopathy": "none",
    "labs": {
        "wbc": {"value": 5.1, "unit": "10^9/L"},
        "neutrophils": {"value": 3.0, "unit": "10^9/L"},
        "platelets": {"value": 180, "unit": "10^9/L"},
        "total_bilirubin": {"value": 12, "unit": "umol/L"},
        "albumin": {"value": 40, "unit": "g/L"},
        "inr": {"value": 1.0, "unit": "ratio"},
        "alt": {"value": 30, "unit": "U/L"},
        "ast": {"value": 28, "unit": "U/L"},
        "creatinine": {"value": 80, "unit": "umol/L"},
    },
    "medical_history": [],
    "allergies": [],
    "unable_to_tolerate": [],
    "prior_liver_directed_treatment": [],
    "data_complete": True,
}


def engine_row(doc: dict) -> dict:
    """What the per-patient engine says, in the --out row's terms."""
    try:
        result = screen_document(doc)
    except DomainError as exc:
        return {"error": str(exc), "eligible": None}
    row = {c["id"]: c["status"] for c in result["criteria"]}
    return {**row, "eligible": result["eligible"], "missing": result["missing"], "error": None}


def assert_agrees(docs: list[dict], out: pa.Table) -> None:
    rows = out.to_pylist()
    assert len(rows) == len(docs)
    for doc, got in zip(docs, rows, strict=True):
        want = engine_row(doc)
        assert {k: got[k] for k in want} == want, doc.get("subject_id")


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    """20 000 screened patients with 10 % faulted (haictrial synth --faults 0.1), written to disk."""
    out = tmp_path_factory.mktemp("synth")
    write_cohort(generate_cohort(20_000, 5, START, 0.1, verify=0), out)
    return out


def test_it_agrees_with_the_engine_on_20000_faulted_patients(synth_dir):
    # docs/contracts/prescreen.md: identical to `haictrial screen` on every patient, faults included.
    docs = [json.loads(line) for line in (synth_dir / "screening.jsonl").read_text().splitlines()]
    out = prescreen_table(read_flat(synth_dir / "screening.parquet"))
    assert len(docs) == out.num_rows == 20_000
    assert_agrees(docs, out)
    assert out["person_id"].to_pylist() == [d["subject_id"] for d in docs]


def test_it_writes_screening_parquet_with_the_jsonl_values(synth_dir):
    # screening.parquet holds the same patients and values as screening.jsonl (faults included).
    docs = [json.loads(line) for line in (synth_dir / "screening.jsonl").read_text().splitlines()]
    table = pq.read_table(synth_dir / "screening.parquet")
    for doc, row in zip(docs[:3000], table.slice(0, 3000).to_pylist(), strict=True):
        assert unflatten(row) == {k: v for k, v in _without_nulls(doc).items()}


def _without_nulls(doc: dict) -> dict:
    out = {}
    for key, value in doc.items():
        if isinstance(value, dict) and key != "labs":
            inner = {k: v for k, v in value.items() if v is not None}
            if inner:
                out[key] = inner
        elif key == "labs" and value:
            labs = {k: v for k, v in value.items() if v is not None}
            if labs:
                out[key] = labs
        elif value is not None:
            out[key] = value
    return out


def test_the_synthetic_twin_agrees_with_the_compiler(synth_dir):
    # synth/screening.py's vectorised verdicts (the analysis columns) equal the compiled ones.
    table = pq.read_table(synth_dir / "screening.parquet")
    out = prescreen_table(table.drop_columns(["eligible", "I1", "E1"]))
    # The twin knows nothing of entry refusals (plausibility limits, clinical/limits.py): it is held to the
    # rows the engine accepts; a refused row has no verdict at all.
    accepted = pc.is_null(out["error"])
    assert 0 < pc.sum(accepted.cast(pa.int64())).as_py() < out.num_rows
    assert set(out.filter(pc.invert(accepted))["eligible"].to_pylist()) == {None}
    out, table = out.filter(accepted), table.filter(accepted)
    for cid in ("I2", "I5", "I7", "I8", "E5", "E8"):
        assert out[cid].to_pylist() == table[cid].cast(pa.string()).to_pylist(), cid
    assert out["eligible"].to_pylist() == table["eligible"].to_pylist()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"labs": {**EXAMPLE["labs"], "alt": {"value": 30, "unit": "mmol/L"}}}, "labs.alt.unit"),
        ({"labs": {**EXAMPLE["labs"], "platelets": {"value": -5, "unit": "10^9/L"}}}, "labs.platelets.value"),
        ({"ecog": 7}, "ecog"),
        ({"sex": "unknown"}, "sex"),
        ({"allergies": ["aspirin"]}, "allergies[0]"),
        ({"birth_date": "2027-01-01"}, "birth_date"),
        ({"liver_lesions": [{"id": "L1", "longest_diameter_mm": 0}]}, "liver_lesions[0].longest_diameter_mm"),
        # Plausibility limits at entry (clinical/limits.py): a unit error, never a finding.
        ({"height_cm": 16200}, "height_cm"),
        ({"lvef_percent": 2}, "lvef_percent"),
        ({"labs": {**EXAMPLE["labs"], "platelets": {"value": 1.82e8, "unit": "10^9/L"}}}, "labs.platelets.value"),
        ({"labs": {**EXAMPLE["labs"], "albumin": {"value": 4.0, "unit": "g/L"}}}, "labs.albumin.value"),
        ({"age_years": 40}, "age_years"),
        ({"screening_date": "2099-01-02"}, "screening_date"),
        ({"medical_history": [{"condition": "cerebral_infarction", "date": "1800-12-01"}]}, "medical_history[0].date"),
    ],
)
def test_it_gives_a_refused_row_the_engines_message_and_no_verdict(change, field):
    # Rows the engine would refuse (a bad unit, an impossible value) get `error`, never a verdict.
    docs = [EXAMPLE, {**EXAMPLE, **change}]
    out = prescreen_table(flat_table(docs)).to_pylist()
    with pytest.raises(DomainError) as refused:
        screen_document(docs[1])
    assert out[1]["error"] == str(refused.value) and str(refused.value).startswith(field)
    assert out[1]["eligible"] is None and out[1]["I1"] is None
    assert out[0]["error"] is None and out[0]["eligible"] is True


def test_a_lab_on_its_plausibility_limit_is_decided_as_the_engine_decides():
    # LAB_LIMITS_SI albumin 10-70 g/L (clinical/limits.py, inclusive, rounding-robust): 1.0 g/dL is on it.
    on = {**EXAMPLE, "labs": {**EXAMPLE["labs"], "albumin": {"value": 1.0, "unit": "g/dL"}}}
    below = {**EXAMPLE, "labs": {**EXAMPLE["labs"], "albumin": {"value": 0.99, "unit": "g/dL"}}}
    out = prescreen_table(flat_table([on, below]), today=dt.date(2026, 12, 1))
    assert_agrees([on, below], out)
    assert out["error"].to_pylist()[0] is None and out["error"].to_pylist()[1].startswith("labs.albumin.value")


def test_dates_after_the_entry_day_are_refused_as_the_engine_refuses():
    # docs/contracts/screen.md: a document is entered on the site's date; a later screening date is an error.
    out = prescreen_table(flat_table([EXAMPLE]), today=dt.date(2026, 11, 19)).to_pylist()[0]
    assert out["error"].startswith("screening_date") and out["eligible"] is None
    assert prescreen_table(flat_table([EXAMPLE]), today=dt.date(2026, 11, 20)).to_pylist()[0]["eligible"] is True


def test_a_value_on_a_limit_in_another_unit_is_on_the_limit():
    # I8 total bilirubin <= 30 umol/L; 30/17.1 mg/dL converts back with float rounding (units.at_most).
    doc = {**EXAMPLE, "labs": {**EXAMPLE["labs"], "total_bilirubin": {"value": 30 / 17.1, "unit": "mg/dL"}}}
    over = {**EXAMPLE, "labs": {**EXAMPLE["labs"], "total_bilirubin": {"value": 1.76, "unit": "mg/dL"}}}
    out = prescreen_table(flat_table([doc, over])).to_pylist()
    assert out[0]["I8"] == "pass" and out[1]["I8"] == "fail"


def test_e5_uses_calendar_months_clamped_to_month_end():
    # E5: within 6 calendar months before screening_date; 2026-08-31 minus 6 months is 2026-02-28.
    base = {**EXAMPLE, "screening_date": "2026-08-31"}
    docs = [
        {**base, "medical_history": [{"condition": "cerebral_infarction", "date": "2026-02-28"}]},
        {**base, "medical_history": [{"condition": "cerebral_infarction", "date": "2026-02-27"}]},
        {**base, "medical_history": [{"condition": "cerebral_infarction"}, {"condition": "gastrointestinal_ulcer"}]},
        {**base, "medical_history": [{"condition": "cerebral_hemorrhage"}]},
    ]
    out = prescreen_table(flat_table(docs)).to_pylist()
    assert [r["E5"] for r in out] == ["fail", "pass", "fail", "unknown"]
    assert out[3]["missing"] == ["medical_history[0].date"]
    assert_agrees(docs, prescreen_table(flat_table(docs)))


LAB_UNITS = {"10^9/L": 1, "x10^9/L": 1, "10^3/uL": 1, "/uL": 1000, "cells/uL": 1000}
maybe = st.one_of(st.none(), st.just("drop"))


@st.composite
def documents(draw):
    doc = json.loads(json.dumps(EXAMPLE))
    for key in ("birth_date", "ecog", "lvef_percent", "data_complete", "ascites", "medical_history", "allergies"):
        if draw(st.booleans()) and draw(st.integers(0, 4)) == 0:
            doc.pop(key)
    doc["ecog"] = draw(st.integers(0, 4)) if "ecog" in doc else None
    doc["lvef_percent"] = draw(st.floats(30, 80, allow_nan=False)) if draw(st.booleans()) else 45.0
    unit = draw(st.sampled_from(sorted(LAB_UNITS)))
    doc["labs"]["platelets"] = {"value": draw(st.floats(40, 120)) * LAB_UNITS[unit], "unit": unit}
    doc["labs"]["total_bilirubin"] = draw(
        st.sampled_from(
            [{"value": 30, "unit": "umol/L"}, {"value": 30 / 17.1, "unit": "mg/dL"}, {"value": 2.0, "unit": "mg/dL"}]
        )
    )
    doc["labs"]["albumin"] = {
        "value": draw(st.sampled_from([2.8, 3.5, 3.6, 27.9])),
        "unit": draw(st.sampled_from(["g/dL", "g/L"])),
    }
    doc["labs"]["inr"] = {"value": draw(st.sampled_from([1.69, 1.7, 2.3, 2.31])), "unit": "ratio"}
    lesions = draw(st.lists(st.one_of(st.none(), st.floats(5, 30)), max_size=3))
    doc["liver_lesions"] = [
        {"id": f"L{i}", **({} if d is None else {"longest_diameter_mm": d})} for i, d in enumerate(lesions)
    ]
    doc["birth_date"] = draw(st.sampled_from(["1951-11-20", "1951-11-21", "2008-11-20", "2008-11-21", "1980-02-29"]))
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=1, max_size=8))
def test_it_agrees_on_boundaries_units_and_unknowns(docs):
    # Invariant: compiled == engine on limits (I1 ages 18/75 on the birthday, Child-Pugh bands, I8 limits).
    assert_agrees(docs, prescreen_table(flat_table(docs)))


def test_flatten_and_unflatten_are_inverse():
    assert unflatten(flatten(EXAMPLE)) == EXAMPLE


def test_it_reads_csv_pandas_and_ibis_tables(tmp_path):
    table = flat_table([EXAMPLE, {**EXAMPLE, "ecog": 3}])
    path = tmp_path / "extract.csv"
    table.to_pandas().to_csv(path, index=False)
    for source in (read_flat(path), table.to_pandas(), ibis.memtable(table)):
        assert prescreen_table(source)["eligible"].to_pylist() == [True, False]


def test_a_text_column_where_numbers_belong_names_the_column():
    table = flat_table([EXAMPLE]).set_column(7, "ecog", pa.array(["one"]))
    with pytest.raises(DomainError, match="^ecog: expected whole numbers"):
        prescreen_table(table)


@pytest.mark.parametrize(
    ("dialect", "sqlglot_dialect"), [("trino", "trino"), ("databricks", "spark"), ("postgres", "postgres")]
)
def test_the_same_expressions_compile_for_warehouse_engines(dialect, sqlglot_dialect):
    # Spark and Trino run the same ibis expressions: their SQL must at least parse in that dialect.
    import sqlglot

    source = ibis.table(flat_table([EXAMPLE]).schema, name="screening")
    factors = {a: {"10^9/L": 1.0} for a in Analyte}
    sql = ibis.to_sql(compile_prescreen(source, load_protocol(), factors), dialect=dialect)
    assert sqlglot.parse_one(sql, read=sqlglot_dialect) is not None


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("HAICTRIAL_TEST_POSTGRES_URL"), reason="HAICTRIAL_TEST_POSTGRES_URL not set")
def test_it_runs_on_postgresql(tmp_path):
    docs = [EXAMPLE, {**EXAMPLE, "ecog": 3}, {k: v for k, v in EXAMPLE.items() if k != "labs"}]
    path = tmp_path / "extract.parquet"
    pq.write_table(flat_table(docs), path)
    # The throwaway cluster of scripts/postgres-test (`make test`): a database of our own on it.
    import psycopg

    url = os.environ["HAICTRIAL_TEST_POSTGRES_URL"]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "haictrial_prescreen_test"')
        connection.execute('CREATE DATABASE "haictrial_prescreen_test"')
    out = prescreen_table(read_flat(path, connect(url.rsplit("/", 1)[0] + "/haictrial_prescreen_test")))
    assert_agrees(docs, out)


def test_the_cli_prints_the_summary(tmp_path):
    import typer

    from haictrial.commands.prescreen import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    path = tmp_path / "extract.parquet"
    pq.write_table(flat_table([EXAMPLE, {**EXAMPLE, "ecog": 3}]), path)
    result = CliRunner().invoke(app, ["prescreen", str(path), "--format", "json", "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["patients"], doc["eligible"], doc["ineligible"], doc["errors"]) == (2, 1, 1, 0)
    assert doc["by_criterion"]["I6"] == {"pass": 1, "fail": 1, "unknown": 0}
    assert pq.read_table(tmp_path / "o.parquet").column_names[:3] == ["person_id", "eligible", "I1"]
