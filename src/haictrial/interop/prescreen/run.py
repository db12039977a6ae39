"""Running a pre-screen: the compiled criteria on a backend, the per-patient engine for the rows it must decide.

:func:`prescreen_table` is the public entry (docs/contracts/prescreen.md): a flat table in (pandas, pyarrow or
ibis), the ``--out`` table back. The compiled query (:mod:`haictrial.interop.prescreen.compiler`) decides
every row whose values lie inside the core's domain; a row the engine might refuse (``suspect``) is handed
to :func:`screen_document` itself, so its ``error`` is exactly the one-line message of ``haictrial screen``
and it never gets a verdict.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
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
    compile_prescreen,
    derived,
    standardise,
    suspect,
    unit_factors,
)
from haictrial.protocol import load_protocol
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.flat_layout import ROW, unflatten

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


def as_ibis(table: Any) -> ir.Table:
    """An ibis table of a pandas DataFrame, a pyarrow Table or an ibis table (row order kept in ``_row``)."""
    if isinstance(table, ir.Table):
        return table
    if isinstance(table, pa.Table):
        arrow = table
    else:
        import pandas as pd  # a dependency (ibis)

        if not isinstance(table, pd.DataFrame):
            raise InputError(f"expected a pandas, pyarrow or ibis table, got {type(table).__name__}", field="table")
        arrow = pa.Table.from_pandas(table, preserve_index=False)
    if ROW not in arrow.column_names:
        arrow = arrow.append_column(ROW, pa.array(range(arrow.num_rows), pa.int64()))
    return ibis.memtable(arrow)


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


def prescreen_table(
    table: Any, protocol: Protocol | str | Path | None = None, *, today: dt.date | None = None
) -> pa.Table:
    """The pre-screen of a flat table (docs/prescreen-columns.md): the ``--out`` table of docs/contracts/prescreen.md.

    One row per input row, in input order: ``person_id``, ``eligible`` (true/false/null), ``I1``...``E8``
    (``pass``/``fail``/``unknown``), ``missing``, ``n_unknown``, ``n_fail`` and ``error`` (null, or the
    one-line message ``haictrial screen`` gives for that row; such a row has no verdict).
    """
    proto = _protocol(protocol)
    today = today or site_today(proto)
    source = as_ibis(table)
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
