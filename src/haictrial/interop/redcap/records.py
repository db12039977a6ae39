"""The eCRF records as REDCap's flat export: one row per record and event (``redcap_event_name``), and one
per instance of a repeating instrument (``redcap_repeat_instrument``, ``redcap_repeat_instance``); values
as REDCap writes them (yes/no as 1/0, a checkbox as one ``var___code`` column per choice, date-times in
site time as ``YYYY-MM-DD HH:MM:SS``, the instrument's ``..._complete`` status 2 when source-verified).

Events are the protocol's visits (``<visit id>_arm_1``); a record belongs to the visit named after its
form, else to the first visit that lists the form.

References
----------
REDCap API documentation, "Export Records" (flat type, ``redcap_event_name``, ``redcap_repeat_instrument``,
``redcap_repeat_instance``, checkbox columns ``field___code``, form status 0 Incomplete, 1 Unverified,
2 Complete) and "Export Events" / "Export Instrument-Event Mappings".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from haictrial.interop.odm.document import home_visit
from haictrial.interop.odm.ecrf import Form, Item, ecrf_forms, rows_of
from haictrial.interop.odm.source import Snapshot
from haictrial.interop.redcap.dictionary import (
    RECORD_ID,
    Field,
    instrument_name,
    needs_parent,
    parent_variable,
    variable,
)
from haictrial.protocol.schema import Protocol

ARM = 1
REPEAT_COLUMNS = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")


def event_name(visit: str) -> str:
    return f"{visit}_arm_{ARM}"


def events(protocol: Protocol) -> list[dict[str, Any]]:
    """``content=event``: the protocol's visits."""
    return [
        {
            "event_name": visit.label,
            "arm_num": ARM,
            "unique_event_name": event_name(visit.id),
            "custom_event_label": visit.label_zh or "",
            "event_id": n,
            "days_offset": 0,
            "offset_min": 0,
            "offset_max": 0,
        }
        for n, visit in enumerate(protocol.schedule.visits, start=1)
    ]


def form_event_mapping(protocol: Protocol, forms: list[Form] | None = None) -> list[dict[str, Any]]:
    """``content=formEventMapping``: each instrument at each visit listing its form."""
    out: list[dict[str, Any]] = []
    for visit in protocol.schedule.visits:
        for form in forms or ecrf_forms():
            if form.name.value in visit.forms:
                out.extend(
                    {"arm_num": ARM, "unique_event_name": event_name(visit.id), "form": instrument_name(g)}
                    for g in form.groups
                )
    return out


def export_columns(dictionary: list[Field]) -> list[str]:
    """The columns of the flat export: record id, the event and repeat columns, every field (a checkbox as
    one column per choice) and each instrument's ``_complete`` status."""
    columns = [RECORD_ID, *REPEAT_COLUMNS]
    last = ""
    for f in dictionary[1:]:
        instrument = f.values["form_name"]
        if instrument != last and last:
            columns.append(f"{last}_complete")
        last = instrument
        if f.values["field_type"] == "checkbox" and f.item is not None:
            columns.extend(f"{f.name}___{code.lower()}" for code, _label in f.item.choices)
        else:
            columns.append(f.name)
    columns.append(f"{last}_complete")
    return columns


def _local(text: str, zone: ZoneInfo) -> str:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _cells(item: Item, name: str, value: Any, zone: ZoneInfo) -> dict[str, str]:
    if item.kind == "multi":
        if not isinstance(value, list):
            return {}
        chosen = {str(v) for v in value}
        return {f"{name}___{code.lower()}": "1" if code in chosen else "0" for code, _label in item.choices}
    if item.kind == "lab":
        if not isinstance(value, dict) or value.get("value") is None:
            return {}
        unit = str(value.get("unit") or "")
        code = str(item.units.index(unit) + 1) if unit in item.units else ""
        return {name: str(value["value"]), f"{name}_unit": code}
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {name: "1" if value else "0"}
    if item.kind == "datetime" and isinstance(value, str):
        return {name: _local(value, zone)}
    if isinstance(value, list):
        return {name: ",".join(str(v) for v in value)}
    return {name: str(value)}


def record_rows(snapshot: Snapshot, protocol: Protocol, forms: list[Form] | None = None) -> list[dict[str, str]]:
    """The flat rows (column -> text; absent columns are empty), subjects in order, events in visit order."""
    forms = forms or ecrf_forms()
    by_name = {f.name: f for f in forms}
    zone = ZoneInfo(protocol.settings.site_time_zone.value)
    order = {v.id: n for n, v in enumerate(protocol.schedule.visits)}
    out: list[dict[str, str]] = []
    for subject in snapshot.subjects:
        event_rows: dict[str, dict[str, str]] = {}
        repeats: list[tuple[int, str, str, int, dict[str, str]]] = []
        counters: dict[tuple[str, str], int] = defaultdict(int)
        for record in subject.records:
            form = by_name[record.form]
            visit = home_visit(record.form, protocol)
            status = "2" if record.verified else "1"
            instances: dict[tuple[str, tuple[int, ...]], int] = {}
            for row in rows_of(form, record.payload):
                group = row.group
                instrument = instrument_name(group)
                cells: dict[str, str] = {f"{instrument}_complete": status}
                for item in group.items:
                    cells.update(_cells(item, variable(group, item.name), row.values.get(item.name), zone))
                repeating = group.repeating or form.repeating
                if not repeating:
                    event_rows.setdefault(visit, {}).update(cells)
                    continue
                counters[(visit, instrument)] += 1
                instance = counters[(visit, instrument)]
                instances[(group.key, row.key)] = instance
                if needs_parent(form, group):
                    parent_key = row.key[:-1] if group.parent else ()
                    cells[parent_variable(group)] = str(instances[(group.parent or "", parent_key)])
                repeats.append((order[visit], visit, instrument, instance, cells))
        for visit in sorted(set(event_rows) | {r[1] for r in repeats}, key=order.__getitem__):
            if visit in event_rows:
                out.append({RECORD_ID: subject.subject_id, "redcap_event_name": event_name(visit), **event_rows[visit]})
            for _n, here, instrument, instance, cells in sorted(
                (r for r in repeats if r[1] == visit), key=lambda r: (r[2], r[3])
            ):
                out.append(
                    {
                        RECORD_ID: subject.subject_id,
                        "redcap_event_name": event_name(here),
                        "redcap_repeat_instrument": instrument,
                        "redcap_repeat_instance": str(instance),
                        **cells,
                    }
                )
    return out


def select(
    rows: list[dict[str, str]],
    columns: list[str],
    dictionary: list[Field],
    records: list[str] | None = None,
    fields_wanted: list[str] | None = None,
    forms_wanted: list[str] | None = None,
) -> tuple[list[dict[str, str]], list[str]]:
    """The rows and columns a ``records[]`` / ``fields[]`` / ``forms[]`` request asks for (REDCap: no field
    and no form filter means every field; ``record_id`` and the event columns always come)."""
    keep = set(columns) if not (fields_wanted or forms_wanted) else {RECORD_ID, *REPEAT_COLUMNS}
    wanted = set(fields_wanted or [])
    instruments = set(forms_wanted or [])
    for f in dictionary:
        if f.name in wanted or f.values["form_name"] in instruments:
            keep.update(c for c in columns if c == f.name or c.startswith(f"{f.name}___") or c == f"{f.name}_unit")
    for instrument in instruments | {w.removesuffix("_complete") for w in wanted if w.endswith("_complete")}:
        keep.add(f"{instrument}_complete")
    chosen = [c for c in columns if c in keep]
    selected = [r for r in rows if not records or r[RECORD_ID] in set(records)]
    if fields_wanted or forms_wanted:
        selected = [r for r in selected if any(k in keep for k in r if k not in (RECORD_ID, *REPEAT_COLUMNS))]
    return [{c: r.get(c, "") for c in chosen} for r in selected], chosen


def records_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()
