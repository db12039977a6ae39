"""OMOP CDM 5.4 as a pre-screening source: an ibis query turning the CDM tables into the flat layout.

The flat table then goes through the same compiler as any extract (one definition of the criteria). What
is mapped, and how (docs/prescreen-omop.md):

- ``person``: ``person_id``; ``birth_date`` from ``birth_datetime`` or year/month/day of birth; ``sex`` from
  the OMOP gender concepts 8507 (MALE) and 8532 (FEMALE) (OMOP CDM 5.4 ``person.gender_concept_id``).
- ``measurement``: the screening laboratory values by their LOINC code (``concept.vocabulary_id = 'LOINC'``,
  :data:`LOINC`), the unit from ``unit_concept_id``'s UCUM code (else ``unit_source_value``), UCUM spellings
  translated to the layout's (:data:`UCUM`); an unknown unit reaches the engine as written and is refused
  there (``error``), never guessed.
- The index date (``screening_date``) is ``index_date`` when given, else the person's latest measurement of
  a mapped laboratory test; each value is the latest one in the ``lookback_days`` (default 30) before and
  on the index date (ties on a date: the highest ``measurement_id``).

- ``condition_occurrence``, ``procedure_occurrence``, ``observation`` (when present): I2, I4, E1, E3, E4, E5,
  E7, I6 fields and the primary tumour site through the concept sets of
  :mod:`haictrial.interop.prescreen.omop_concepts` (:mod:`haictrial.interop.prescreen.omop_history`); a
  record found is evidence, none found is not a "no".

What OMOP CDM 5.4 cannot hold (treatment response for I3, lesion sizes for I5, E2, E6, E8, the Child-Pugh
ascites and encephalopathy grades) is left unreported, so those criteria are ``unknown`` with the fields to
obtain: the worklist says what to ask for, never a guessed verdict.

References: OMOP CDM 5.4 (https://ohdsi.github.io/CommonDataModel/cdm54.html); LOINC 2.76 codes;
UCUM (https://ucum.org/ucum) for unit codes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from haictrial.errors import InputError
from haictrial.interop.prescreen.omop_history import OPTIONAL_TABLES, history_columns
from haictrial.protocol import load_protocol
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.flat_layout import ROW
from haictrial.vocabulary.units import Analyte

#: LOINC code of each screening laboratory test (LOINC 2.76 long common names in the comments).
LOINC: dict[Analyte, str] = {
    Analyte.wbc: "6690-2",  # Leukocytes [#/volume] in Blood by Automated count
    Analyte.neutrophils: "751-8",  # Neutrophils [#/volume] in Blood by Automated count
    Analyte.platelets: "777-3",  # Platelets [#/volume] in Blood by Automated count
    Analyte.hemoglobin: "718-7",  # Hemoglobin [Mass/volume] in Blood
    Analyte.total_bilirubin: "1975-2",  # Bilirubin.total [Mass/volume] in Serum or Plasma
    Analyte.albumin: "1751-7",  # Albumin [Mass/volume] in Serum or Plasma
    Analyte.inr: "6301-6",  # INR in Platelet poor plasma by Coagulation assay
    Analyte.alt: "1742-6",  # Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    Analyte.ast: "1920-8",  # Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    Analyte.creatinine: "2160-0",  # Creatinine [Mass/volume] in Serum or Plasma
}

#: UCUM unit codes -> the layout's spelling (docs/contracts/screen.md units); others pass through unchanged.
UCUM: dict[str, str] = {
    "10*9/L": "10^9/L",
    "10*3/uL": "10^3/uL",
    "10*3/mm3": "10^3/uL",
    "{INR}": "ratio",
    "{ratio}": "ratio",
}

#: OMOP gender concepts (OMOP CDM 5.4 person.gender_concept_id, Gender domain).
GENDER: dict[int, str] = {8507: "male", 8532: "female"}

TABLES = ("person", "measurement", "concept")
LOOKBACK_DAYS = 30


def omop_tables(con: Any, schema: str | None = None) -> dict[str, ir.Table]:
    """The CDM tables the mapping reads, from an ibis connection (``schema``: the CDM schema, if any)."""
    names = set(con.list_tables(database=schema) if schema else con.list_tables())
    found = {n.lower(): n for n in names}
    missing = [t for t in TABLES if t not in found]
    if missing:
        raise InputError(f"not an OMOP CDM 5.4 schema: no {', '.join(missing)} table", field="SOURCE")
    out = {}
    for name in (*TABLES, *(t for t in OPTIONAL_TABLES if t in found)):
        table = con.table(found[name], database=schema) if schema else con.table(found[name])
        # Column names are case-insensitive in the CDM (Eunomia's DuckDB spells them in capitals).
        out[name] = table.rename({c.lower(): c for c in table.columns if c != c.lower()})
    return out


def connect_omop(source: str | Path) -> Any:
    """An ibis connection to an OMOP source: a DuckDB file (opened read-only) or a database URL."""
    text = str(source)
    if "://" in text:
        from haictrial.interop.prescreen.sources import connect

        return connect(text)
    file = Path(text)
    if not file.is_file():
        raise InputError(f"{file}: no such file", field="SOURCE")
    try:
        return ibis.duckdb.connect(file, read_only=True)
    except Exception as exc:  # noqa: BLE001 - DuckDB's open errors are the file's problems
        raise InputError(f"{file}: cannot open: {str(exc).splitlines()[0]}", field="SOURCE") from None


def omop_flat(
    tables: dict[str, ir.Table],
    *,
    index_date: dt.date | None = None,
    lookback_days: int = LOOKBACK_DAYS,
    protocol: Protocol | None = None,
) -> ir.Table:
    """The flat layout (docs/prescreen-columns.md) of an OMOP CDM 5.4 population, one row per person.

    Besides the laboratory values and demographics, the conditions, procedures and organ-function
    observations of :mod:`haictrial.interop.prescreen.omop_history` (the protocol gives E5's window).
    """
    person, measurement, concept = tables["person"], tables["measurement"], tables["concept"]
    by_code = {code: analyte.value for analyte, code in LOINC.items()}
    labs = concept.filter((concept.vocabulary_id == "LOINC") & concept.concept_code.isin(list(by_code)))
    labs = labs.select(lab_concept_id=labs.concept_id, analyte=labs.concept_code.substitute(by_code))
    units = concept.filter(concept.vocabulary_id == "UCUM").select(
        unit_id=concept.concept_id, ucum=concept.concept_code
    )
    m = measurement.join(labs, measurement.measurement_concept_id == labs.lab_concept_id)
    m = m.left_join(units, m.unit_concept_id == units.unit_id)
    raw_unit = ibis.coalesce(m.ucum, m.unit_source_value.nullif(""))
    m = m.select(
        "person_id",
        "analyte",
        "measurement_id",
        day=m.measurement_date.cast("date"),
        value=m.value_as_number.try_cast("float64"),
        unit=raw_unit.substitute(UCUM, else_=raw_unit),
    )
    if index_date is None:
        index = m.group_by("person_id").aggregate(index_day=m.day.max())
    else:
        index = person.select("person_id", index_day=ibis.literal(index_date))
    m = m.join(index, "person_id")
    m = m.filter((m.day <= m.index_day) & (m.day > m.index_day - ibis.interval(days=lookback_days)))
    latest = ibis.row_number().over(
        group_by=[m.person_id, m.analyte], order_by=[ibis.desc(m.day), ibis.desc(m.measurement_id)]
    )
    m = m.mutate(_rank=latest).filter(lambda t: t._rank == 0)
    pivot: dict[str, ir.Value] = {}
    for analyte in LOINC:
        hit = m.analyte == analyte.value
        pivot[f"labs_{analyte.value}_value"] = m.value.max(where=hit)
        pivot[f"labs_{analyte.value}_unit"] = m.unit.max(where=hit)
    wide = m.group_by("person_id").aggregate(**pivot)
    birth = ibis.coalesce(
        person.birth_datetime.cast("date"),
        ibis.date(person.year_of_birth, person.month_of_birth.fill_null(1), person.day_of_birth.fill_null(1)),
    )
    base = person.select(
        "person_id",
        birth_date=birth,
        sex=person.gender_concept_id.cast("int64").substitute(GENDER, else_=ibis.null("string")),
    )
    out = base.left_join(index, "person_id").left_join(wide, "person_id")
    extra: list[str] = []
    for table in history_columns(tables, index, protocol or load_protocol(), lookback_days):
        extra += [c for c in table.columns if c != "person_id"]
        out = out.left_join(table, "person_id")
    columns = {
        "person_id": out.person_id.cast("string"),
        "screening_date": out.index_day,
        "birth_date": out.birth_date,
        "sex": out.sex,
        **{name: out[name] for name in pivot},
        **{name: out[name] for name in extra},
    }
    flat = out.select(**columns)
    return flat.mutate(**{ROW: ibis.row_number().over(order_by=flat.person_id).cast("int64")})
