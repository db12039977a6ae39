"""Where a pre-screen runs and what it reads: the backend connection and the flat source file.

DuckDB (embedded, in memory) is the default backend. ``--backend`` takes a database URL that ibis
connects to (``postgres://user@host:5432/db``, ``trino://user@host:8080/catalog/schema``) or ``spark``
(the active ``pyspark`` session); the same compiled expressions run there unchanged.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from haictrial.errors import InputError
from haictrial.vocabulary.flat_layout import ROW, layout_of

FLAT_SUFFIXES = (".parquet", ".csv")


def connect(backend: str | None = None) -> Any:
    """An ibis backend: DuckDB in memory by default, else the database ``backend`` names."""
    if backend is None or backend in ("duckdb", ""):
        return ibis.duckdb.connect()
    if backend == "spark":
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise InputError("pyspark is not installed: pip install pyspark", field="backend") from None
        return ibis.pyspark.connect(SparkSession.builder.getOrCreate())
    if "://" not in backend:
        raise InputError(f"{backend!r}: use postgres://..., trino://... or spark", field="backend")
    try:
        return ibis.connect(backend)
    except Exception as exc:  # noqa: BLE001 - any driver's connection failure is the user's to fix
        raise InputError(
            f"cannot connect to {backend.split('@')[-1]}: {exc}".splitlines()[0], field="backend"
        ) from None


def read_flat(path: str | Path, con: Any | None = None) -> ir.Table:
    """A flat Parquet or CSV file (docs/prescreen-columns.md) as an ibis table on ``con``, with ``_row``."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file}: no such file", field="SOURCE")
    suffix = file.suffix.lower()
    if suffix not in FLAT_SUFFIXES:
        raise InputError(f"{file}: expected a .parquet or .csv file", field="SOURCE")
    con = con or ibis.duckdb.connect()
    if con.name == "duckdb":
        try:
            if suffix == ".parquet":
                table = con.read_parquet(file, file_row_number=True)
                return table.rename({ROW: "file_row_number"})
            types = _csv_types(file)
            raw = con.read_csv(file, types=types)
            # DuckDB converts the typed columns while it copies the rows: a bad cell is found here.
            return con.create_table("prescreen_source", raw.mutate(**{ROW: ibis.row_number()}), temp=True)
        except Exception as exc:  # noqa: BLE001 - DuckDB's reader errors are the file's problems
            raise _read_error(file, str(exc)) from None
    arrow = _read_arrow(file)
    arrow = arrow.append_column(ROW, pa.array(range(arrow.num_rows), pa.int64()))
    # A fresh temporary name: ibis's PostgreSQL ``create_table(temp=True, overwrite=True)`` emits an empty DROP.
    return con.create_table(f"prescreen_source_{uuid.uuid4().hex}", arrow, temp=True)


_BAD_CELL = re.compile(r'converting column "(?P<column>[^"]+)"')
_LINE = re.compile(r"CSV Error on Line: (?P<line>\d+)")
_TYPE_WORDS = {"VARCHAR": "text", "DATE": "dates", "DOUBLE": "numbers", "BOOLEAN": "true/false"}


def _read_error(file: Path, text: str) -> InputError:
    """One line for a file DuckDB cannot read: the column and the line of a cell of the wrong type."""
    bad, line = _BAD_CELL.search(text), _LINE.search(text)
    if bad is not None and file.suffix.lower() == ".csv":
        column = bad["column"]
        kind = _TYPE_WORDS.get(_csv_types(file).get(column, ""), "values of the layout's type")
        where = f" (line {line['line']})" if line else ""
        return InputError(f"expected {kind}, the CSV holds another value{where}", field=column)
    return InputError(f"{file}: cannot read: {text.splitlines()[0]}", field="SOURCE")


_DUCKDB_TYPES = {"string": "VARCHAR", "date": "DATE", "int": "DOUBLE", "float": "DOUBLE", "bool": "BOOLEAN"}


def _csv_types(file: Path) -> dict[str, str]:
    """The layout's type of each CSV column named in the header (an all-empty column is not text)."""
    import csv

    with file.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    kinds = layout_of(header).columns()
    return {name: _DUCKDB_TYPES[kinds[name]] for name in header if name in kinds}


def _read_arrow(file: Path) -> pa.Table:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    try:
        return pq.read_table(file) if file.suffix.lower() == ".parquet" else pcsv.read_csv(file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{file}: cannot read: {str(exc).splitlines()[0]}", field="SOURCE") from None
