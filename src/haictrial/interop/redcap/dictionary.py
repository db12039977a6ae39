"""The REDCap data dictionary of the eCRFs (:mod:`haictrial.interop.odm.ecrf`): REDCap's 18 columns in
REDCap's order, ``record_id`` first, each instrument's fields contiguous.

- Instruments: each eCRF is one instrument (``baseline``); each repeating part of a form is a repeating
  instrument of its own (``haic_cycle_infusions``), with a ``..._parent`` field holding the instance of
  the row it belongs to where that row repeats (REDCap has no nested repeats).
- Variables: ``<form code>_<payload path>`` with dots as underscores (``bl_demographics_height_cm``); the
  Field Annotation keeps the payload path (``haictrial:baseline::demographics.height_cm``), so that the
  dictionary reads back to our metadata names (:func:`read_dictionary`).
- Types: text (with date_ymd, datetime_seconds_ymd, integer, number validation), notes, dropdown, radio,
  yesno, checkbox; a lab value is a number field plus a ``..._unit`` dropdown of the accepted units.
- Branching logic for the conditional fields ("..., if other" and the fields that exist only after an
  answer), as REDCap expressions.

References
----------
REDCap data dictionary format: REDCap Help & FAQ, "Data Dictionary" (column order and field types), and
the REDCap API documentation, "Export Metadata (Data Dictionary)" (the field keys of ``content=metadata``).
Identifier flag: HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i)(C) (dates of birth).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from haictrial.clinical.crf_base import FormName
from haictrial.interop.odm.ecrf import Form, Group, Item, ecrf_forms

#: REDCap's data dictionary header (CSV download), in REDCap's order.
COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
#: The same columns as the API's ``content=metadata`` keys.
API_KEYS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
RECORD_ID = "record_id"
FORM_CODES = {
    FormName.baseline: "bl",
    FormName.haic_cycle: "hc",
    FormName.targeted_agent: "ta",
    FormName.imaging: "im",
    FormName.adverse_events: "ae",
    FormName.concomitant_medications: "cm",
    FormName.mdt_review: "mdt",
    FormName.resection: "rs",
    FormName.follow_up: "fu",
    FormName.end_of_study: "eos",
}
FIELD_TYPES = {
    "textarea": ("notes", ""),
    "date": ("text", "date_ymd"),
    "datetime": ("text", "datetime_seconds_ymd"),
    "int": ("text", "integer"),
    "float": ("text", "number"),
    "lab": ("text", "number"),
    "choice": ("dropdown", ""),
    "intchoice": ("radio", ""),
    "bool": ("yesno", ""),
    "check": ("yesno", ""),
    "multi": ("checkbox", ""),
}
#: Fields shown only after an answer: (form, group key, item) -> (controlling item, REDCap condition).
#: The conditions are the core's cross-field rules: a resection date only for a resected primary, the
#: embolic agent only for an embolised vessel, the ablation details only with an ablation, conversion to
#: open only for a laparoscopic or robotic operation, the event details only with a progression or
#: recurrence, the death details only for a dead patient or a death as the end-of-study reason.
CONDITIONS: dict[tuple[FormName, str, str], tuple[str, str]] = {
    (FormName.baseline, "", "primary_tumour.resection_date"): ("primary_tumour.resected", "= '1'"),
    (FormName.haic_cycle, "procedure.collaterals", "embolic_agents"): ("embolised", "= '1'"),
    (FormName.resection, "", "ablation_modality"): ("ablation", "= '1'"),
    (FormName.resection, "", "ablated_lesions"): ("ablation", "= '1'"),
    (FormName.resection, "", "converted_to_open"): ("approach", "<> 'open'"),
    (FormName.follow_up, "", "event_date"): ("disease_event", "<> ''"),
    (FormName.follow_up, "", "event_sites"): ("disease_event", "<> ''"),
    (FormName.follow_up, "", "death_date"): ("vital_status", "= 'dead'"),
    (FormName.follow_up, "", "death_cause"): ("vital_status", "= 'dead'"),
    (FormName.follow_up, "", "death_cause_text"): ("vital_status", "= 'dead'"),
    (FormName.end_of_study, "", "death_date"): ("reason", "= 'death'"),
}


def instrument_name(group: Group) -> str:
    return "_".join([group.form.value, *group.key.split(".")]) if group.key else group.form.value


def instrument_label(form: Form, group: Group) -> str:
    return f"{form.label}: {group.label}" if group.key else form.label


def variable(group: Group, name: str) -> str:
    """The REDCap variable of item ``name`` of ``group``: lower case letters, digits and underscores."""
    parts = (
        [FORM_CODES[group.form], *group.key.split("."), *name.split(".")]
        if group.key
        else [
            FORM_CODES[group.form],
            *name.split("."),
        ]
    )
    return "_".join(p for p in parts if p).lower()


def parent_variable(group: Group) -> str:
    return variable(group, "parent")


def needs_parent(form: Form, group: Group) -> bool:
    """A repeating part of a repeating form (or of another repeating part) names the row it belongs to."""
    return group.repeating and (form.repeating or group.parent != "")


def annotation(group: Group, name: str) -> str:
    return f"haictrial:{group.form.value}:{group.key}:{name}"


def choices_text(item: Item) -> str:
    if item.kind == "lab":
        return unit_choices(item)
    if item.kind in ("bool", "check"):
        return ""
    return " | ".join(f"{code}, {label}" for code, label in item.choices)


def unit_choices(item: Item) -> str:
    """A lab value's units as REDCap choices: numbered codes (REDCap codes cannot hold ``/`` or ``^``)."""
    return " | ".join(f"{n}, {unit}" for n, unit in enumerate(item.units, start=1))


@dataclass(frozen=True)
class Field:
    """One row of the dictionary (values of :data:`API_KEYS`), and where it comes from."""

    values: dict[str, str]
    group: Group | None
    item: Item | None
    role: str = "value"  # value | unit | parent | record_id

    @property
    def name(self) -> str:
        return self.values["field_name"]


def _row(**values: str) -> dict[str, str]:
    return {key: values.get(key, "") for key in API_KEYS}


def _branching(group: Group, item: Item) -> str:
    condition = CONDITIONS.get((group.form, group.key, item.name))
    if condition is not None:
        control, test = condition
        controller = next((i for i in group.items if i.name == control), None)
        if controller is not None and controller.kind == "multi":
            return f"[{variable(group, control)}({test.split(chr(39))[1]})] = '1'"
        return f"[{variable(group, control)}] {test}"
    if item.name.endswith("_other"):
        stem = item.name.removesuffix("_other")
        controller = next((i for i in group.items if i.name == stem), None)
        if controller is None and stem.endswith("_site"):  # event_site_other -> the event_sites checkbox
            controller = next((i for i in group.items if i.name == f"{stem}s"), None)
        if controller is not None and "other" in {code for code, _label in controller.choices}:
            if controller.kind == "multi":
                return f"[{variable(group, controller.name)}(other)] = '1'"
            return f"[{variable(group, controller.name)}] = 'other'"
    return ""


def fields(forms: list[Form] | None = None) -> list[Field]:
    """Every field of the dictionary, ``record_id`` first, each instrument contiguous."""
    forms = forms if forms is not None else ecrf_forms()
    first = instrument_name(forms[0].groups[0])
    out = [
        Field(
            _row(field_name=RECORD_ID, form_name=first, field_type="text", field_label="Subject id"),
            None,
            None,
            "record_id",
        )
    ]
    for form in forms:
        for group in form.groups:
            instrument = instrument_name(group)
            section = None
            if needs_parent(form, group):
                parent = group.parent or ""
                label = f"Instance of the {instrument_name(form.group(parent)) if parent else form.name.value} row this row belongs to"
                out.append(
                    Field(
                        _row(
                            field_name=parent_variable(group),
                            form_name=instrument,
                            field_type="text",
                            field_label=label,
                            text_validation_type_or_show_slider_number="integer",
                            text_validation_min="1",
                            field_annotation=f"@READONLY {annotation(group, 'parent')}",
                        ),
                        group,
                        None,
                        "parent",
                    )
                )
            for item in group.items:
                kind, validation = FIELD_TYPES.get(item.kind, ("text", ""))
                header = item.section if item.section != section else ""
                section = item.section
                note = item.unit if item.kind != "lab" and item.unit else ""
                if item.kind == "datetime":
                    note = "site time"
                if item.kind == "intlist":
                    note = "whole numbers separated by commas"
                tags = "@READONLY " if item.readonly else ""
                out.append(
                    Field(
                        _row(
                            field_name=variable(group, item.name),
                            form_name=instrument,
                            section_header=header,
                            field_type=kind,
                            field_label=item.label,
                            select_choices_or_calculations="" if item.kind == "lab" else choices_text(item),
                            field_note=note,
                            text_validation_type_or_show_slider_number=validation,
                            identifier="y" if item.identifier else "",
                            branching_logic=_branching(group, item),
                            field_annotation=f"{tags}{annotation(group, item.name)}",
                        ),
                        group,
                        item,
                    )
                )
                if item.kind == "lab":
                    out.append(
                        Field(
                            _row(
                                field_name=variable(group, item.name) + "_unit",
                                form_name=instrument,
                                field_type="dropdown",
                                field_label=f"{item.label}: unit",
                                select_choices_or_calculations=unit_choices(item),
                                field_annotation=f"{annotation(group, item.name)}:unit",
                            ),
                            group,
                            item,
                            "unit",
                        )
                    )
    return out


def dictionary_problems(rows: list[Field]) -> list[str]:
    """REDCap's own rules for a dictionary: unique lower-case variable names starting with a letter,
    ``record_id`` first, each instrument contiguous, known field and validation types."""
    problems = []
    names = [f.name for f in rows]
    if names[:1] != [RECORD_ID]:
        problems.append("data_dictionary.csv: the first field must be record_id")
    seen: set[str] = set()
    closed: set[str] = set()
    current = ""
    for f in rows:
        name, instrument = f.name, f.values["form_name"]
        if name in seen:
            problems.append(f"data_dictionary.csv {name}: variable name used twice")
        seen.add(name)
        if not (name[:1].isalpha() and name.replace("_", "").isalnum() and name == name.lower() and name.isascii()):
            problems.append(f"data_dictionary.csv {name}: not a REDCap variable name (a-z, 0-9, _)")
        if instrument != current:
            if instrument in closed:
                problems.append(f"data_dictionary.csv {name}: instrument {instrument} is not contiguous")
            closed.add(current)
            current = instrument
        if f.values["field_type"] not in {"text", "notes", "dropdown", "radio", "yesno", "checkbox"}:
            problems.append(f"data_dictionary.csv {name}: unknown field type {f.values['field_type']}")
    return problems


def dictionary_csv(rows: list[Field]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in rows:
        writer.writerow([f.values[key] for key in API_KEYS])
    return buffer.getvalue()


def read_dictionary(text: str) -> dict[str, tuple[str, str, str]]:
    """A REDCap data dictionary (CSV) read back: variable -> (form, group key, payload path) from the
    annotations this module writes (the unit and parent fields are left out)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if tuple(header) != COLUMNS:
        raise ValueError("not a REDCap data dictionary: the 18 columns are not in REDCap's order")
    out = {}
    for row in reader:
        tag = next((t for t in row[-1].split() if t.startswith("haictrial:")), None)
        if tag is None:
            continue
        _prefix, form, key, name, *rest = tag.split(":")
        if rest or name == "parent" and row[0].endswith("_parent"):
            continue
        out[row[0]] = (form, key, name)
    return out
