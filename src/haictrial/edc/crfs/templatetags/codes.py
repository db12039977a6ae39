"""Template filters that show codes as words: ``{{ value|code_label }}``, ``{{ path|field_label:form }}``."""

from __future__ import annotations

from typing import Any

from django import template

from haictrial.edc.crfs.labels import code_label as _code_label
from haictrial.edc.crfs.labels import field_changes, field_labels
from haictrial.edc.crfs.labels import field_label as _field_label

register = template.Library()


@register.filter
def code_label(value: Any) -> Any:
    """The human label of a code (enum value, status, route, audit model), else the value."""
    return _code_label(value)


@register.filter
def field_label(path: Any, form: Any) -> Any:
    """The label of an eCRF field path on ``form`` (a CrfForm, with its layout), else the path."""
    layout = getattr(form, "layout", None)
    if layout is None or not isinstance(path, str):
        return path
    cache = getattr(form, "_field_labels", None)
    if cache is None:
        cache = field_labels(layout)
        form._field_labels = cache
    return _field_label(cache, path)


@register.filter
def changes(entry: Any, form: Any = None) -> list[tuple[Any, Any, Any]]:
    """The field-level (label, old, new) changes of an audit entry, labels from ``form``'s layout if given."""
    layout = getattr(form, "layout", None)
    labels = field_labels(layout) if layout is not None else None
    return field_changes(entry, labels)


@register.filter
def labelled(text: Any, form: Any) -> Any:
    """An engine message with its field paths shown as the labels of ``form``'s layout."""
    from haictrial.edc.crfs.labels import with_field_labels

    layout = getattr(form, "layout", None)
    return with_field_labels(text, field_labels(layout) if layout is not None else {})
