"""The eCRFs as exchange metadata: every form of the catalogue, its item groups (the form's own fields and
each repeating part) and its items with data type, unit and choices, read from the layouts the pages use
(:mod:`haictrial.edc.crfs.layouts`), so that ODM and REDCap describe exactly the fields a site enters.

Shared by the ODM 1.3.2 export (:mod:`haictrial.interop.odm`) and the REDCap data dictionary
(:mod:`haictrial.interop.redcap`). Item names are the payload paths of the core's models
(``demographics.height_cm``; inside a repeating group relative to its row: ``given_dose_mg``).

The imaging form is laid out per subject (one input per baseline lesion); here its per-lesion inputs are
one repeating group ``lesions`` (lesion id, target diameter, non-target state, morphology group), filled
from the payload's ``target_mm`` / ``non_target`` / ``morphology`` maps.

References
----------
Units: The Unified Code for Units of Measure (UCUM), Regenstrief Institute, version 2.1, section 4
(``mm``, ``kg``, ``mg``, ``%``, ``[Ch]`` for the French catheter gauge, ``ng/mL``, ``[U]/mL``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import override

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.recist_models import NonTargetState
from haictrial.edc.crfs.catalogue import FORMS
from haictrial.edc.crfs.layouts import MORPHOLOGY, Field, Rows, choices, layout_for

#: Field-name suffix -> UCUM unit (UCUM 2.1 section 4; the house rule puts the unit in the field name).
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_ng_per_ml", "ng/mL"),
    ("_u_per_ml", "[U]/mL"),
    ("_mm", "mm"),
    ("_cm", "cm"),
    ("_kg", "kg"),
    ("_mg", "mg"),
    ("_percent", "%"),
    ("_fr", "[Ch]"),
    ("_l", "L"),
)
#: Payload paths holding a direct identifier (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i)(C): dates of birth).
IDENTIFIER_PATHS = {(FormName.baseline, "demographics.birth_date")}
IMAGING_LESIONS = "lesions"
_IMAGING_MAPS = {"target_mm": "target_mm", "non_target": "non_target", "morphology": "morphology"}


@dataclass(frozen=True)
class Item:
    """One input: ``kind`` as in the layouts (date, datetime, int, float, text, textarea, choice, intchoice,
    bool, check, multi, lab, intlist); ``units`` are the accepted units of a lab value (canonical first)."""

    name: str
    label: str
    kind: str
    section: str
    choices: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    units: tuple[str, ...] = ()
    readonly: bool = False
    identifier: bool = False
    help: str = ""


@dataclass(frozen=True)
class Group:
    """The form's own fields (``key`` empty) or one repeating part (``key`` the dotted list path from the
    form, ``parent`` the key of the group whose rows hold it)."""

    form: FormName
    key: str
    path: str
    label: str
    parent: str | None
    items: tuple[Item, ...]

    @property
    def repeating(self) -> bool:
        return self.key != ""


@dataclass(frozen=True)
class Form:
    name: FormName
    label: str
    repeating: bool
    groups: tuple[Group, ...]

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)


def unit_of(name: str) -> str | None:
    """The UCUM unit the field name carries (``weight_kg`` -> ``kg``), or None."""
    leaf = name.rsplit(".", 1)[-1]
    return next((unit for suffix, unit in UNIT_SUFFIXES if leaf.endswith(suffix)), None)


def _item(form: FormName, f: Field, section: str) -> Item:
    name = f.path
    units = tuple(code for code, _label in f.choices) if f.kind == "lab" else ()
    return Item(
        name=name,
        label=str(f.label),
        kind=f.kind,
        section=section,
        choices=() if f.kind == "lab" else tuple((code, str(label)) for code, label in f.choices),
        unit=units[0] if units else unit_of(name),
        units=units,
        readonly=f.readonly,
        identifier=(form, name) in IDENTIFIER_PATHS,
        help=str(f.help),
    )


def _walk(form: FormName, items: tuple[Field | Rows, ...], section: str, key: str, out: list[Group]) -> list[Item]:
    mine: list[Item] = []
    for entry in items:
        if isinstance(entry, Rows):
            child = f"{key}.{entry.path}" if key else entry.path
            index = len(out)
            out.append(Group(form, child, entry.path, str(entry.label), key, ()))  # placeholder: parents first
            rows = _walk(form, entry.fields, section, child, out)
            out[index] = Group(form, child, entry.path, str(entry.label), key, tuple(rows))
        else:
            mine.append(_item(form, entry, section))
    return mine


def _imaging_lesions(section: str) -> Group:
    return Group(
        FormName.imaging,
        IMAGING_LESIONS,
        IMAGING_LESIONS,
        "Lesions of the baseline assessment",
        "",
        (
            Item("lesion_id", "Lesion id (baseline)", "text", section),
            Item("target_mm", "Target lesion longest diameter (mm)", "float", section, unit="mm"),
            Item("non_target", "Non-target lesion state", "choice", section, choices=_str(choices(NonTargetState))),
            Item("morphology", "CT morphology group (Chun, 1-3)", "intchoice", section, choices=_str(MORPHOLOGY)),
        ),
    )


def _str(pairs: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((code, str(label)) for code, label in pairs)


def build_form(name: FormName) -> Form:
    """One eCRF as exchange metadata, labels in English (the exchange language; codes stay English)."""
    spec = FORMS[name]
    with override("en"):
        layout = layout_for(name)
        groups: list[Group] = []
        top: list[Item] = []
        for section in layout.sections:
            title = str(section.title)
            top.extend(_walk(name, section.items, title, "", groups))
        if name == FormName.imaging:
            groups.insert(0, _imaging_lesions(str(layout.sections[1].title)))
        own = Group(name, "", "", str(spec.label), None, tuple(top))
        return Form(name, str(spec.label), spec.repeating, (own, *groups))


def ecrf_forms() -> list[Form]:
    """Every eCRF of the catalogue, in the catalogue's order."""
    return [build_form(name) for name in FORMS]


# --- data -----------------------------------------------------------------------------------------


def get_path(document: Any, path: str) -> Any:
    value = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Row:
    """One row of one group of one record: ``key`` its position (the row index in each enclosing list, from
    1), ``values`` item name -> the stored JSON value (None when absent)."""

    group: Group
    key: tuple[int, ...]
    values: dict[str, Any]

    @property
    def repeat_key(self) -> str:
        return ".".join(str(k) for k in self.key)


def rows_of(form: Form, payload: dict[str, Any]) -> Iterator[Row]:
    """Every row of a record's payload, the form's own row first, then each group's rows in order."""
    top = form.groups[0]
    yield Row(top, (), {item.name: get_path(payload, item.name) for item in top.items})
    if form.name == FormName.imaging:
        yield from _imaging_rows(form.group(IMAGING_LESIONS), payload)
    yield from _group_rows(form, "", payload, ())


def _group_rows(form: Form, parent: str, row: dict[str, Any], key: tuple[int, ...]) -> Iterator[Row]:
    for group in form.groups:
        if group.parent != parent or group.key == IMAGING_LESIONS and form.name == FormName.imaging:
            continue
        entries = get_path(row, group.path)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                continue
            here = (*key, index)
            yield Row(group, here, {item.name: get_path(entry, item.name) for item in group.items})
            yield from _group_rows(form, group.key, entry, here)


def _imaging_rows(group: Group, payload: dict[str, Any]) -> Iterator[Row]:
    maps: dict[str, dict[str, Any]] = {}
    for item, key in _IMAGING_MAPS.items():
        found = payload.get(key)
        maps[item] = found if isinstance(found, dict) else {}
    lesions: list[str] = []
    for per_lesion in maps.values():
        lesions.extend(k for k in per_lesion if k not in lesions)
    for index, lesion in enumerate(lesions, start=1):
        values = {"lesion_id": lesion, **{item: maps[item].get(lesion) for item in _IMAGING_MAPS}}
        yield Row(group, (index,), values)
