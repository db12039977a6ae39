"""Writing the package: SAS XPORT v5 (pyreadstat), Dataset-JSON v1.1 (dsjframe), define.xml and define.html.

XPT v5 limits are checked before writing (SAS Technical Note TS-140, the XPORT v5 format): names
``^[A-Z][A-Z0-9_]{0,7}$``, variable and dataset labels at most 40 bytes, character values at most 200
bytes as written. pyreadstat cuts a long label without a word and writes a long value into a v5 file
without complaint, so a value that does not fit is reported as a problem and the file is not written;
nothing is cut. Dataset-JSON keeps every value (Chinese text included).
"""

from __future__ import annotations

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
            sizes = values.map(lambda v: len(v.encode(XPT_ENCODING)))
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
    import dsjframe

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
    dsjframe.write_dataset(data, path, metadata, output_format="json", json_indent=None)


def file_entry(path: Path, rows: int | None) -> dict[str, Any]:
    return {"path": str(path), "rows": rows, "sha256": sha256(path)}


def dataset_names(package: Package) -> list[str]:
    return list(package.frames)
