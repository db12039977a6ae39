"""The flat pre-screening layout: one row per patient, the screen.md fields flattened (docs/prescreen-columns.md).

A nested field's dotted path becomes its column name with ``_`` for ``.`` (``labs.wbc.value`` ->
``labs_wbc_value``, ``primary_tumor.site`` -> ``primary_tumor_site``). A list becomes a count column
(``liver_lesions_count``: null when the list was not reported, 0 for an empty list) and one group of
columns per entry, numbered from 0 as the engine numbers them (``liver_lesions_0_longest_diameter_mm``,
``medical_history_1_date``, ``allergies_0``); entries at or beyond the count are ignored.

:func:`flatten` turns a screen.md document into a row and :func:`unflatten` a row back into the document
that ``haictrial screen`` reads, so a row can always be handed to the per-patient engine (for its exact
error message, or to prefill a screening form). :func:`standardise` gives any ibis table every column of
the layout, with the layout's types, so the compiled criteria see one schema whatever the source held.

References: docs/contracts/screen.md (fields, units), docs/contracts/prescreen.md (the flat source).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from haictrial.errors import InputError
from haictrial.vocabulary.units import Analyte

#: Scalar fields of screen.md: (dotted path, kind). Kinds: string, date, int, float, bool.
SCALARS: tuple[tuple[str, str], ...] = (
    ("subject_id", "string"),
    ("screening_date", "date"),
    ("birth_date", "date"),
    ("age_years", "int"),
    ("sex", "string"),
    ("height_cm", "float"),
    ("weight_kg", "float"),
    ("ecog", "int"),
    ("lvef_percent", "float"),
    ("fev1_fvc_percent", "float"),
    ("pathology_confirmed_crlm", "bool"),
    ("other_malignancy_history", "bool"),
    ("prior_systemic_treatment", "string"),
    ("primary_tumor.site", "string"),
    ("primary_tumor.resected", "bool"),
    ("primary_tumor.completely_resectable", "bool"),
    ("molecular.kras", "string"),
    ("molecular.nras", "string"),
    ("molecular.braf", "string"),
    ("extrahepatic_metastasis", "bool"),
    ("peritoneal_spread", "bool"),
    ("ascites", "string"),
    ("hepatic_encephalopathy", "string"),
    *((f"labs.{a.value}.{part}", kind) for a in Analyte for part, kind in (("value", "float"), ("unit", "string"))),
    ("data_complete", "bool"),
)

#: Lists of objects: name -> ((entry field, kind), ...).
OBJECT_LISTS: dict[str, tuple[tuple[str, str], ...]] = {
    "liver_lesions": (("id", "string"), ("segment", "string"), ("longest_diameter_mm", "float")),
    "medical_history": (("condition", "string"), ("date", "date")),
}
#: Lists of codes (drug names, intolerances, treatments).
CODE_LISTS: tuple[str, ...] = ("allergies", "unable_to_tolerate", "prior_liver_directed_treatment")
LISTS: tuple[str, ...] = (*OBJECT_LISTS, *CODE_LISTS)

#: ibis type of each kind. Whole numbers are read as float64 so that a fractional value in a source
#: reaches the engine as entered (and is refused there) instead of being rounded by a cast.
IBIS_TYPES = {"string": "string", "date": "date", "int": "float64", "float": "float64", "bool": "boolean"}
#: Input row key, in order of preference.
KEY_COLUMNS = ("person_id", "subject_id")
#: Row position column added by the readers (and kept through the compiled query).
ROW = "_row"


def column(path: str) -> str:
    """The flat column name of a dotted screen.md path."""
    return path.replace(".", "_")


def count_column(name: str) -> str:
    return f"{name}_count"


def item_column(name: str, index: int, part: str | None = None) -> str:
    return f"{name}_{index}" if part is None else f"{name}_{index}_{part}"


@dataclass(frozen=True)
class Layout:
    """The columns of one source: the scalars, and how many entries of each list it has columns for."""

    entries: Mapping[str, int]

    def columns(self) -> dict[str, str]:
        """Every column name -> kind, in documented order."""
        out = {column(path): kind for path, kind in SCALARS}
        for name in LISTS:
            out[count_column(name)] = "int"
            for i in range(self.entries.get(name, 0)):
                if name in OBJECT_LISTS:
                    for part, kind in OBJECT_LISTS[name]:
                        out[item_column(name, i, part)] = kind
                else:
                    out[item_column(name, i)] = "string"
        return out


_ITEM = re.compile(r"^(?P<name>" + "|".join(LISTS) + r")_(?P<index>\d+)(?:_(?P<part>[a-z_]+))?$")


def layout_of(names: list[str]) -> Layout:
    """The layout of a source with these column names: the highest entry number of each list, plus one."""
    entries: dict[str, int] = {}
    for name in names:
        match = _ITEM.match(name)
        if match:
            key = match["name"]
            entries[key] = max(entries.get(key, 0), int(match["index"]) + 1)
    return Layout(entries)


# --- document <-> row --------------------------------------------------------------------------


def _get(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for name in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _scalar_in(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def flatten(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A screen.md document as one flat row (dates as :class:`datetime.date`)."""
    row: dict[str, Any] = {column(path): _scalar_in(_get(doc, path), kind) for path, kind in SCALARS}
    for name in LISTS:
        entries = doc.get(name)
        row[count_column(name)] = None if entries is None else len(entries)
        for i, entry in enumerate(entries or []):
            if name in OBJECT_LISTS:
                for part, kind in OBJECT_LISTS[name]:
                    value = entry.get(part) if isinstance(entry, Mapping) else None
                    row[item_column(name, i, part)] = _scalar_in(value, kind)
            else:
                row[item_column(name, i)] = entry
    return row


def _scalar_out(value: Any, kind: str) -> Any:
    """A cell as the JSON value the engine reads: ISO dates, whole floats of integer fields as ints."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind in ("int", "float") and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)  # as a JSON document writes it: 180, not 180.0 (the engine's messages quote it)
    return value


def _put(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = doc
    for name in parents:
        target = target.setdefault(name, {})
    target[last] = value


def unflatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """The screen.md document of a flat row: absent and null cells are left out (the engine's "not reported").

    A laboratory value is ``{value, unit}`` when either cell is set (a value without a unit is the engine's
    error, never a silent default). List entries are taken up to the count column.
    """
    doc: dict[str, Any] = {}
    for path, kind in SCALARS:
        if path.startswith("labs."):
            continue
        value = row.get(column(path))
        if value is not None:
            _put(doc, path, _scalar_out(value, kind))
    labs: dict[str, Any] = {}
    for analyte in Analyte:
        value, unit = row.get(f"labs_{analyte.value}_value"), row.get(f"labs_{analyte.value}_unit")
        if value is not None or unit is not None:
            labs[analyte.value] = {"value": _scalar_out(value, "float"), "unit": unit}
    if labs:
        doc["labs"] = labs
    for name in LISTS:
        count = row.get(count_column(name))
        if count is None:
            continue
        if not isinstance(count, int | float) or count < 0 or not float(count).is_integer():
            raise InputError(f"must be a whole number >= 0 (got {count!r})", field=count_column(name))
        entries: list[Any] = []
        for i in range(int(count)):
            if name in OBJECT_LISTS:
                entry = {}
                for part, kind in OBJECT_LISTS[name]:
                    value = row.get(item_column(name, i, part))
                    if value is not None:
                        entry[part] = _scalar_out(value, kind)
                entries.append(entry)
            else:
                entries.append(row.get(item_column(name, i)))
        doc[name] = entries
    return doc


def flat_table(docs: list[Mapping[str, Any]]) -> Any:
    """Screen.md documents as a pyarrow table in the flat layout (every column of every row's lists)."""
    import pyarrow as pa

    rows = [flatten(doc) for doc in docs]
    entries: dict[str, int] = {}
    for row in rows:
        for name in LISTS:
            entries[name] = max(entries.get(name, 0), row.get(count_column(name)) or 0)
    kinds = Layout(entries).columns()
    types = {"string": pa.string(), "date": pa.date32(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    schema = pa.schema([(name, types[kind]) for name, kind in kinds.items()])
    return pa.Table.from_pylist(rows, schema=schema)
