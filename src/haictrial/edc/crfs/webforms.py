"""Django forms built from the eCRF layouts (:mod:`haictrial.edc.crfs.layouts`): inputs named by their
payload path (``infusions[0].given_dose_mg``), parsed back into the payload the API takes, so that the
page and the API go through the same service and the same core model. Date-times are entered in the
site's time zone and sent with their UTC offset; an empty input is sent as absent (never a default).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haictrial.edc.crfs.layouts import Field, Layout, Rows

EMPTY = ("", "—")
_INDEX = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<index>\d+)\]$")
NONE_SUFFIX = ".__none"


# --- paths ----------------------------------------------------------------------------------------


def _tokens(path: str) -> list[str | int]:
    out: list[str | int] = []
    for part in path.split("."):
        match = _INDEX.match(part)
        if match:
            out.extend([match.group("name"), int(match.group("index"))])
        else:
            out.append(part)
    return out


def get_path(document: Any, path: str) -> Any:
    value = document
    for token in _tokens(path):
        if isinstance(token, int):
            value = value[token] if isinstance(value, list) and token < len(value) else None
        else:
            value = value.get(token) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    tokens = _tokens(path)
    here: Any = document
    for token, following in zip(tokens, tokens[1:], strict=False):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(token, int):
            while len(here) <= token:
                here.append(None)
            if here[token] is None:
                here[token] = empty
            here = here[token]
        else:
            here = here.setdefault(token, empty)
    last = tokens[-1]
    if isinstance(last, int):
        while len(here) <= last:
            here.append(None)
        here[last] = value
    else:
        here[last] = value


def _blank(value: Any) -> bool:
    if value is None or value is False or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return False


# --- django fields --------------------------------------------------------------------------------

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _django_field(spec: Field) -> dict[str, forms.Field]:
    """The django field(s) of one layout field, keyed by the suffix of their name ('' or .value/.unit)."""
    attrs: dict[str, Any] = {"readonly": "readonly"} if spec.readonly else {}
    common: dict[str, Any] = {"label": spec.label, "required": False, "help_text": spec.help}
    kind = spec.kind
    if kind == "date":
        return {"": forms.DateField(widget=forms.DateInput(attrs={"type": "date", **attrs}), **common)}
    if kind == "datetime":
        widget = forms.DateTimeInput(attrs={"type": "datetime-local", **attrs}, format=DATETIME_FORMAT)
        return {"": forms.DateTimeField(widget=widget, input_formats=[DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S"], **common)}
    if kind == "int":
        return {"": forms.IntegerField(widget=forms.NumberInput(attrs={"inputmode": "numeric", **attrs}), **common)}
    if kind == "float":
        return {
            "": forms.FloatField(
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **attrs}), **common
            )
        }
    if kind == "textarea":
        return {"": forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2, **attrs}), **common)}
    if kind in ("choice", "bool", "intchoice"):
        return {"": forms.ChoiceField(choices=[EMPTY, *spec.choices], **common)}
    if kind == "check":
        return {"": forms.BooleanField(**common)}
    if kind == "multi":
        return {
            "": forms.MultipleChoiceField(choices=list(spec.choices), widget=forms.CheckboxSelectMultiple, **common)
        }
    if kind == "lab":
        return {
            ".value": forms.FloatField(
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}), **common
            ),
            ".unit": forms.ChoiceField(
                choices=list(spec.choices),
                label=gettext_lazy("unit"),
                required=False,
                initial=spec.choices[0][0] if spec.choices else "",
            ),
        }
    if kind == "intlist":
        return {"": IntListField(max_length=200, **common)}
    attrs_text = {"list": f"list-{spec.path}"} if spec.datalist else {}
    return {"": forms.CharField(max_length=2000, widget=forms.TextInput(attrs={**attrs_text, **attrs}), **common)}


# --- the render tree --------------------------------------------------------------------------------


@dataclass
class Item:
    """One input (or a lab value and its unit) on the page."""

    name: str
    spec: Field
    names: list[str]
    queries: list[Any] = field(default_factory=list)
    is_rows = False


@dataclass
class RowGroup:
    name: str
    spec: Rows
    rows: list[list[Item | RowGroup]]
    none_name: str | None
    is_rows = True


@dataclass
class SectionView:
    title: Any
    items: list[Item | RowGroup]


def _row_count(rows: Rows, prefix: str, initial: dict[str, Any] | None, data: Any, minimum: int) -> int:
    path = f"{prefix}{rows.path}"
    if data is not None:
        pattern = re.compile(re.escape(path) + r"\[(\d+)\]")
        found = [int(m.group(1)) for key in data for m in [pattern.match(key)] if m]
        return max(found, default=-1) + 1
    existing = get_path(initial or {}, path)
    count = len(existing) if isinstance(existing, list) else 0
    return max(count + rows.extra, minimum)


class CrfForm(forms.Form):
    """A django form whose fields are named by payload paths; see :func:`build_form`."""

    layout: Layout
    sections: list[SectionView]
    specs: dict[str, Field]
    #: Field paths whose initial value came from another record (a new baseline: the enrolment screening).
    prefilled: frozenset[str] = frozenset()

    def payload(self) -> dict[str, Any]:
        """The cleaned data as the payload document (call after ``is_valid()``)."""
        zone = timezone.get_current_timezone()
        document: dict[str, Any] = {}
        for name, spec in self.specs.items():
            if spec.kind == "lab":
                value = self.cleaned_data.get(f"{name}.value")
                unit = self.cleaned_data.get(f"{name}.unit")
                set_path(document, name, {"value": value, "unit": unit} if value is not None else None)
                continue
            value = self.cleaned_data.get(name)
            if spec.kind == "datetime" and isinstance(value, dt.datetime):
                value = (value if timezone.is_aware(value) else timezone.make_aware(value, zone)).isoformat()
            elif spec.kind == "date" and isinstance(value, dt.date):
                value = value.isoformat()
            elif spec.kind == "bool":
                value = {"true": True, "false": False}.get(value or "")
            elif spec.kind in ("choice", "intchoice") and not value:
                value = None
            elif spec.kind == "intchoice":
                value = int(value)
            elif spec.kind in ("text", "textarea") and isinstance(value, str):
                value = value.strip() or None
            set_path(document, name, value)
        return _prune(document, self._row_groups(), self.cleaned_data)

    def _row_groups(self) -> list[RowGroup]:
        found: list[RowGroup] = []

        def walk(items: list[Item | RowGroup]) -> None:
            for item in items:
                if isinstance(item, RowGroup):
                    found.append(item)
                    for row in item.rows:
                        walk(row)

        for section in self.sections:
            walk(section.items)
        return found


class IntListField(forms.CharField):
    """Whole numbers separated by commas (``2, 3``) as a list; empty as absent."""

    def to_python(self, value: Any) -> list[int] | None:  # type: ignore[override]
        text = super().to_python(value)
        parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
        if not parts:
            return None
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(_("whole numbers separated by commas, e.g. 2, 3")) from None


def _prune(document: dict[str, Any], groups: list[RowGroup], cleaned: dict[str, Any]) -> dict[str, Any]:
    """Drop blank rows (deepest lists first) and absent values; a "none" box makes an empty list."""
    for group in sorted(groups, key=lambda g: g.name.count("["), reverse=True):
        rows = get_path(document, group.name)
        kept = [r for r in rows if not _blank(r)] if isinstance(rows, list) else []
        if kept:
            set_path(document, group.name, kept)
        elif group.none_name and cleaned.get(group.none_name):
            set_path(document, group.name, [])
        else:
            _remove(document, group.name)
    return _strip_none(document)


def _remove(document: dict[str, Any], path: str) -> None:
    tokens = _tokens(path)
    parent = get_path(document, path.rsplit(".", 1)[0]) if "." in path else document
    if isinstance(parent, dict):
        parent.pop(str(tokens[-1]), None)


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _strip_none(v) for k, v in value.items() if v is not None and not (isinstance(v, dict) and _blank(v))
        }
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def _initial_value(spec: Field, value: Any) -> Any:
    if value is None:
        return None
    if spec.kind == "datetime" and isinstance(value, str):
        moment = dt.datetime.fromisoformat(value)
        return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment
    if spec.kind == "bool":
        return "true" if value else "false"
    if spec.kind == "intlist" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if spec.kind in ("choice", "intchoice"):
        return str(value)
    return value


def build_form(layout: Layout, initial: dict[str, Any] | None = None, data: Any = None) -> CrfForm:
    """A bound (``data``) or unbound (``initial`` payload) form of ``layout`` with its render tree."""
    fields: dict[str, forms.Field] = {}
    specs: dict[str, Field] = {}
    initial_values: dict[str, Any] = {}

    def add(spec: Field, name: str) -> Item:
        made = _django_field(spec)
        names = []
        for suffix, django_field in made.items():
            full = name + suffix
            fields[full] = django_field
            names.append(full)
        specs[name] = spec
        value = get_path(initial or {}, name)
        if spec.kind == "lab":
            if isinstance(value, dict):
                initial_values[f"{name}.value"] = value.get("value")
                initial_values[f"{name}.unit"] = value.get("unit")
        else:
            initial_values[name] = _initial_value(spec, value)
        return Item(name=name, spec=spec, names=names)

    def items_of(entries: tuple[Field | Rows, ...], prefix: str) -> list[Item | RowGroup]:
        out: list[Item | RowGroup] = []
        for entry in entries:
            if isinstance(entry, Rows):
                count = _row_count(entry, prefix, initial, data, minimum=1 if entry.extra else 0)
                group_name = f"{prefix}{entry.path}"
                rows = [items_of(entry.fields, f"{group_name}[{i}].") for i in range(count)]
                none_name = None
                if entry.none_label:
                    none_name = group_name + NONE_SUFFIX
                    fields[none_name] = forms.BooleanField(label=entry.none_label, required=False)
                    existing = get_path(initial or {}, group_name)
                    initial_values[none_name] = existing == []
                out.append(RowGroup(name=group_name, spec=entry, rows=rows, none_name=none_name))
            else:
                out.append(add(entry, f"{prefix}{entry.path}"))
        return out

    sections = [SectionView(section.title, items_of(section.items, "")) for section in layout.sections]
    form_class = type("CrfFormOf" + layout.form.value.title().replace("_", ""), (CrfForm,), {})
    form = form_class(data=data, initial=initial_values)
    form.fields.update(fields)
    form.layout, form.sections, form.specs = layout, sections, specs
    return form


def attach_queries(form: CrfForm, queries: list[Any]) -> list[Any]:
    """Put each query next to the input of its field; returns the queries with no input on the page."""
    by_name: dict[str, Item] = {}

    def walk(items: list[Item | RowGroup]) -> None:
        for item in items:
            if isinstance(item, RowGroup):
                for row in item.rows:
                    walk(row)
            else:
                by_name[item.name] = item

    for section in form.sections:
        walk(section.items)
    loose = []
    for query in queries:
        item = by_name.get(query.field)
        if item is None:
            loose.append(query)
        else:
            item.queries.append(query)
    return loose


def add_error(form: CrfForm, field_path: str | None, message: str) -> None:
    """A service error on its input when the page has it, else on the whole form (with its path)."""
    name = field_path or ""
    if name in form.fields:
        form.add_error(name, message)
    elif f"{name}.value" in form.fields:
        form.add_error(f"{name}.value", message)
    else:
        form.add_error(None, f"{name}: {message}" if name else message)
