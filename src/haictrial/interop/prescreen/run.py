"""Running a pre-screen: the compiled criteria on a backend, the per-patient engine for the rows it must decide.

:func:`prescreen_table` is the public entry (docs/contracts/prescreen.md): a flat table in (pandas, pyarrow or
ibis), the ``--out`` table back. The compiled query (:mod:`haictrial.interop.prescreen.compiler`) decides
every row whose values lie inside the core's domain; a row the engine might refuse (``suspect``) is handed
to :func:`screen_document` itself, so its ``error`` is exactly the one-line message of ``haictrial screen``
and it never gets a verdict.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.common.exceptions
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from haictrial.clinical.eligibility import screen
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.entry_date import site_zone
from haictrial.errors import DomainError, InputError
from haictrial.interop.prescreen.compiler import (
    CRITERION_IDS,
    bind_sql,
    compile_prescreen,
    derived,
    known_unit_factors,
    prescreen_sql,
    standardise,
    suspect,
    unit_factors,
)
from haictrial.protocol import load_protocol
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.flat_layout import ROW, layout_of, unflatten

#: The ``--out`` table of docs/contracts/prescreen.md.
OUT_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("eligible", pa.bool_()),
        *((cid, pa.string()) for cid in CRITERION_IDS),
        ("missing", pa.list_(pa.string())),
        ("n_unknown", pa.int32()),
        ("n_fail", pa.int32()),
        ("error", pa.string()),
    ]
)


def _protocol(protocol: Protocol | str | Path | None) -> Protocol:
    return protocol if isinstance(protocol, Protocol) else load_protocol(protocol)


def site_today(protocol: Protocol) -> dt.date:
    """Today at the protocol's site (``settings.site_time_zone``): the date ``haictrial screen`` enters on."""
    return dt.datetime.now(site_zone(protocol)).date()


def screen_document(
    doc: dict[str, Any], protocol: Protocol | str | Path | None = None, *, today: dt.date | None = None
) -> dict[str, Any]:
    """Exactly the ``haictrial screen --format json`` document for one patient (docs/contracts/screen.md).

    The document is entered on ``today`` (default: today at the protocol's site), as ``haictrial screen``
    does: dates after it and values outside the plausibility limits (:mod:`haictrial.clinical.limits`) are
    refused. Raises :class:`~haictrial.errors.DomainError` (one line naming the field) for a document the
    engine refuses.
    """
    proto = _protocol(protocol)
    zone = site_zone(proto)
    patient = parse_model(Patient, doc, today=today or site_today(proto), zone=zone)
    return screen(patient, proto).as_contract()


def _engine_row(row: dict[str, Any], protocol: Protocol, today: dt.date) -> dict[str, Any]:
    """The ``--out`` row the per-patient engine gives for one flat row."""
    out: dict[str, Any] = {name: None for name in OUT_SCHEMA.names}
    out["person_id"] = row.get("person_id")
    try:
        result = screen_document(unflatten(row), protocol, today=today)
    except DomainError as exc:
        out["error"] = str(exc)
        return out
    statuses = {c["id"]: c["status"] for c in result["criteria"]}
    out.update(statuses)
    out["eligible"] = result["eligible"]
    out["missing"] = result["missing"]
    out["n_unknown"] = sum(s == "unknown" for s in statuses.values())
    out["n_fail"] = sum(s == "fail" for s in statuses.values())
    return out


def engine_rows(table: ir.Table, protocol: Protocol, today: dt.date) -> pa.Table:
    """The rows the compiled query leaves to the engine, decided by it (with ``_row``)."""
    std, layout = standardise(table)
    factors = unit_factors(std)
    flagged = derived(std, protocol, factors)
    flagged = flagged.filter(suspect(flagged, layout, factors, today)).select(*std.columns)
    picked = flagged.to_pyarrow()
    rows = [_engine_row(row, protocol, today) for row in picked.to_pylist()]
    decided = pa.Table.from_pylist(rows, schema=OUT_SCHEMA)
    return decided.append_column(ROW, picked[ROW])


def _is_duckdb(table: ir.Table) -> bool:
    try:
        return bool(table._find_backend().name == "duckdb")
    except ibis.common.exceptions.IbisError:  # an unbound or in-memory expression: no backend yet
        return False


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _DuckRun:
    """One pre-screen on a DuckDB connection: the cached SQL (:func:`~.compiler.prescreen_sql`) over the source
    view, materialised as a temporary table; the ``suspect`` rows decided by the engine, in one batch, and
    written back into it. Nothing leaves DuckDB but those rows."""

    def __init__(self, conn: Any, source: str, protocol: Protocol, today: dt.date, *, sort: bool = False) -> None:
        self.conn, self.source, self.protocol, self.today, self.sort = conn, source, protocol, today, sort
        tag = uuid.uuid4().hex[:12]
        self.result, self.decided = f"haictrial_prescreen_result_{tag}", f"haictrial_prescreen_decided_{tag}"
        described = conn.sql(f"SELECT * FROM {_quote(source)} LIMIT 0").to_arrow_table().schema
        self.schema = ibis.schema(described)
        self.layout_names = described.names

    def run(self) -> None:
        factors = known_unit_factors()
        self._materialise(factors)
        flagged = self._count_flagged()
        if flagged > max(1000, self.rows // 100):
            # Many rows left to the engine: perhaps spellings of units it folds (normalise_unit) that the
            # query does not know; look them up once in the data and run again with them.
            found = self._spellings()
            merged = {a: {**factors[a], **found.get(a, {})} for a in factors}
            if merged != factors:
                self.conn.execute(f"DROP TABLE {_quote(self.result)}")
                self._materialise(merged)
                flagged = self._count_flagged()
        if flagged:
            self._decide_flagged()

    def _materialise(self, factors: dict[Any, dict[str, float]]) -> None:
        sql, self.std_sql = prescreen_sql(self.schema, self.protocol, factors, self.today)
        self.conn.execute(
            f"CREATE TEMP TABLE {_quote(self.result)} AS "
            f"SELECT *, CAST(NULL AS VARCHAR) AS error FROM ({bind_sql(sql, _quote(self.source))})"
        )
        self.rows = self.conn.sql(f"SELECT count(*) FROM {_quote(self.result)}").fetchone()[0]

    def _count_flagged(self) -> int:
        return int(self.conn.sql(f"SELECT count(*) FROM {_quote(self.result)} WHERE suspect").fetchone()[0])

    def _spellings(self) -> dict[Any, dict[str, float]]:
        from haictrial.vocabulary.units import _LOOKUP, Analyte, normalise_unit

        columns = [a for a in Analyte if f"labs_{a.value}_unit" in self.layout_names]
        if not columns:
            return {}
        lists = ", ".join(f"list_distinct(list({_quote(f'labs_{a.value}_unit')}))" for a in columns)
        found = self.conn.sql(f"SELECT {lists} FROM {_quote(self.source)}").fetchone()
        out: dict[Any, dict[str, float]] = {}
        for analyte, spellings in zip(columns, found, strict=True):
            factors = _LOOKUP[analyte]
            out[analyte] = {
                u: factors[normalise_unit(u)] for u in spellings or [] if u is not None and normalise_unit(u) in factors
            }
        return out

    def _decide_flagged(self) -> None:
        """The ``suspect`` rows, read in one query and decided by the engine; their ``--out`` columns replaced."""
        std = bind_sql(self.std_sql, _quote(self.source))
        picked = self.conn.sql(
            f"SELECT s.* FROM ({std}) AS s WHERE s.{ROW} IN (SELECT {ROW} FROM {_quote(self.result)} WHERE suspect)"
        ).to_arrow_table()
        rows = [_engine_row(row, self.protocol, self.today) for row in picked.to_pylist()]
        decided = pa.Table.from_pylist(rows, schema=OUT_SCHEMA).append_column(ROW, picked[ROW])
        self.conn.register(self.decided, decided)
        columns = [name for name in OUT_SCHEMA.names if name != "person_id"]
        assignments = ", ".join(f"{_quote(c)} = d.{_quote(c)}" for c in columns)
        self.conn.execute(
            f"UPDATE {_quote(self.result)} AS r SET {assignments} FROM {_quote(self.decided)} AS d "
            f"WHERE r.{ROW} = d.{ROW}"
        )
        self.conn.unregister(self.decided)
        # DuckDB updates a list column (``missing``) as a delete and an insert: the updated rows move to the end.
        self.sort = True

    def select_out(self) -> str:
        """The ``--out`` columns of the result, in input order: the order of the scan, which DuckDB keeps through the
        query and the temporary table (``preserve_insertion_order``), or sorted by ``_row``."""
        order = f" ORDER BY {ROW}" if self.sort else ""
        return f"SELECT {', '.join(_quote(c) for c in OUT_SCHEMA.names)} FROM {_quote(self.result)}{order}"

    def arrow(self) -> pa.Table:
        return self.conn.sql(self.select_out()).to_arrow_table().cast(OUT_SCHEMA)

    def summary(self, seconds: float | None = None) -> dict[str, Any]:
        """:func:`summary` computed by DuckDB over the result table (one aggregate)."""
        decided = "error IS NULL"
        parts = [
            "count(*)",
            f"count_if({decided} AND eligible)",
            f"count_if({decided} AND NOT eligible)",
            f"count_if({decided} AND eligible IS NULL)",
            "count_if(error IS NOT NULL)",
        ]
        for cid in CRITERION_IDS:
            parts += [f"count_if({decided} AND {_quote(cid)} = '{s}')" for s in ("pass", "fail", "unknown")]
        values = self.conn.sql(f"SELECT {', '.join(parts)} FROM {_quote(self.result)}").fetchone()
        doc: dict[str, Any] = dict(
            zip(("patients", "eligible", "ineligible", "unknown", "errors"), values[:5], strict=True)
        )
        doc["by_criterion"] = {
            cid: dict(zip(("pass", "fail", "unknown"), values[5 + 3 * i : 8 + 3 * i], strict=True))
            for i, cid in enumerate(CRITERION_IDS)
        }
        if seconds is not None:
            doc["seconds"] = round(seconds, 4)
            doc["patients_per_second"] = round(doc["patients"] / seconds) if seconds > 0 else None
        return doc

    def close(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {_quote(self.result)}")


def _duckdb_source(table: Any) -> tuple[Any, str, bool] | None:
    """A DuckDB connection, the name of a view holding ``table`` with ``_row`` and whether the result must be
    sorted by ``_row`` (an ibis table's scan order need not be its ``_row`` order; an Arrow table's is); None
    for a table of another backend (it runs there, through ibis)."""
    if isinstance(table, ir.Table):
        if table.op().find(ops.InMemoryTable):
            table = table.to_pyarrow()
        elif _is_duckdb(table):
            con = table._find_backend()
            name = f"haictrial_prescreen_source_{uuid.uuid4().hex[:12]}"
            if ROW not in table.columns:
                table = table.mutate(**{ROW: ibis.row_number()})
            con.con.execute(f"CREATE TEMP VIEW {_quote(name)} AS {ibis.to_sql(table, dialect='duckdb')}")
            return con.con, name, True
        else:
            return None
    arrow = as_arrow(table)
    conn = duckdb.connect()
    name = "haictrial_prescreen_source"
    conn.register(name, arrow)
    return conn, name, False


def as_arrow(table: Any) -> pa.Table:
    """A pyarrow table of a pandas DataFrame or a pyarrow Table, with ``_row`` (the input order)."""
    if isinstance(table, pa.Table):
        arrow = table
    else:
        import pandas as pd  # a dependency (ibis)

        if not isinstance(table, pd.DataFrame):
            raise InputError(f"expected a pandas, pyarrow or ibis table, got {type(table).__name__}", field="table")
        arrow = pa.Table.from_pandas(table, preserve_index=False)
    if ROW not in arrow.column_names:
        arrow = arrow.append_column(ROW, pa.array(range(arrow.num_rows), pa.int64()))
    # An all-null column (pandas object of Nones) has Arrow's null type, which DuckDB reads as INTEGER:
    # give it the layout's type.
    kinds = layout_of(arrow.column_names).columns()
    for i, field in enumerate(arrow.schema):
        if pa.types.is_null(field.type):
            arrow = arrow.set_column(
                i, field.name, pa.nulls(arrow.num_rows, _ARROW_TYPES[kinds.get(field.name, "string")])
            )
    return arrow


_ARROW_TYPES = {
    "string": pa.string(),
    "date": pa.date32(),
    "int": pa.float64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}


def prescreen_table(
    table: Any, protocol: Protocol | str | Path | None = None, *, today: dt.date | None = None
) -> pa.Table:
    """The pre-screen of a flat table (docs/prescreen-columns.md): the ``--out`` table of docs/contracts/prescreen.md.

    One row per input row, in input order: ``person_id``, ``eligible`` (true/false/null), ``I1``...``E8``
    (``pass``/``fail``/``unknown``), ``missing``, ``n_unknown``, ``n_fail`` and ``error`` (null, or the
    one-line message ``haictrial screen`` gives for that row; such a row has no verdict).

    On DuckDB (pandas and pyarrow tables, DuckDB ibis tables) the SQL compiled once per protocol and schema
    runs directly; a table of another backend runs there through the ibis expressions.
    """
    proto = _protocol(protocol)
    today = today or site_today(proto)
    found = _duckdb_source(table)
    if found is None:
        return _prescreen_ibis(table, proto, today)
    conn, source, numbered = found
    run = _DuckRun(conn, source, proto, today, sort=numbered)
    try:
        run.run()
        return run.arrow()
    finally:
        run.close()


def prescreen_file(
    source: str | Path,
    out: str | Path | None = None,
    protocol: Protocol | str | Path | None = None,
    *,
    today: dt.date | None = None,
    began: float | None = None,
) -> dict[str, Any]:
    """Pre-screen a flat Parquet or CSV file into the ``--out`` Parquet file ``out``, all inside DuckDB (it reads
    the file with projection pushdown and writes the result with ``COPY``); returns :func:`summary`'s document.

    ``began``: the :func:`time.perf_counter` the ``seconds`` of the summary count from (default: now).
    """
    import time

    from haictrial.interop.prescreen.sources import read_flat

    began = time.perf_counter() if began is None else began
    proto = _protocol(protocol)
    today = today or site_today(proto)
    con = ibis.duckdb.connect()
    found = _duckdb_source(read_flat(source, con))
    assert found is not None
    conn, view, _ = found
    # A Parquet file's rows are numbered by DuckDB's reader in file order (file_row_number) and kept in it.
    run = _DuckRun(conn, view, proto, today, sort=Path(source).suffix.lower() != ".parquet")
    try:
        run.run()
        if out is not None:
            target = str(Path(out)).replace("'", "''")
            run.conn.execute(f"COPY ({run.select_out()}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
        return run.summary(time.perf_counter() - began)
    finally:
        run.close()


def _prescreen_ibis(table: ir.Table, proto: Protocol, today: dt.date) -> pa.Table:
    """:func:`prescreen_table` on a backend other than DuckDB: the ibis expressions run by that backend."""
    source = table
    result = compile_prescreen(source, proto, today=today).to_pyarrow()
    result = result.append_column("error", pa.nulls(result.num_rows, pa.string()))
    flagged = pc.fill_null(result["suspect"], False)
    if pc.any(flagged).as_py():
        clean = result.filter(pc.invert(flagged))
        decided = engine_rows(source, proto, today)
        clean = clean.select([*OUT_SCHEMA.names, ROW]).cast(decided.schema)
        result = pa.concat_tables([clean, decided])
    result = result.sort_by(ROW) if result.num_rows else result
    return result.select(OUT_SCHEMA.names).cast(OUT_SCHEMA)


def summary(out: pa.Table, seconds: float | None = None) -> dict[str, Any]:
    """The printed summary of docs/contracts/prescreen.md: counts by verdict and by criterion status."""
    n = out.num_rows
    errors = n - pc.count(out["error"], mode="only_null").as_py() if n else 0
    decided = out.filter(pc.is_null(out["error"])) if errors else out
    eligible = pc.sum(pc.cast(pc.fill_null(pc.equal(decided["eligible"], True), False), pa.int64())).as_py() or 0
    ineligible = pc.sum(pc.cast(pc.fill_null(pc.equal(decided["eligible"], False), False), pa.int64())).as_py() or 0
    by_criterion = {}
    for cid in CRITERION_IDS:
        counts = {str(v["values"]): int(v["counts"]) for v in pc.value_counts(decided[cid]).to_pylist()}
        by_criterion[cid] = {k: counts.get(k, 0) for k in ("pass", "fail", "unknown")}
    doc: dict[str, Any] = {
        "patients": n,
        "eligible": eligible,
        "ineligible": ineligible,
        "unknown": decided.num_rows - eligible - ineligible,
        "errors": errors,
        "by_criterion": by_criterion,
    }
    if seconds is not None:
        doc["seconds"] = round(seconds, 4)
        doc["patients_per_second"] = round(n / seconds) if seconds > 0 else None
    return doc
