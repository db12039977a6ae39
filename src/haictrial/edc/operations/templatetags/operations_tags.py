"""The SAE tile per site on the dashboard and the digest switch on the account page."""

from __future__ import annotations

from typing import Any

from django import template

from haictrial.edc.crfs.labels import field_label
from haictrial.edc.crfs.labels import field_labels as layout_labels
from haictrial.edc.operations import desk, notify

register = template.Library()


@register.inclusion_tag("operations/_sae_tiles.html", takes_context=True)
def sae_desk_tiles(context: dict[str, Any]) -> dict[str, Any]:
    return {"tiles": desk.sae_tiles(context["request"].user)}


@register.inclusion_tag("operations/_digest_preference.html", takes_context=True)
def digest_preference(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    return {"daily_digest": notify.wants_digest(user), "csrf_token": context.get("csrf_token")}


def _names(items: Any) -> list[str]:
    out: list[str] = []
    for item in items:
        rows = getattr(item, "rows", None)
        if rows is not None:
            for row in rows:
                out += _names(row)
        else:
            out.append(item.name)
    return out


@register.simple_tag
def field_groups(form: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The fields of an eCRF form grouped by section: ``[(section title, [(path, label in the user's
    language)])]`` (the query and verification pickers; never the internal path alone)."""
    labels = layout_labels(form.layout)
    groups = []
    for section in form.sections:
        names = _names(section.items)
        if names:
            groups.append((str(section.title), [(name, str(field_label(labels, name))) for name in names]))
    return groups


@register.inclusion_tag("operations/_field_sdv.html", takes_context=True)
def field_sdv(context: dict[str, Any], record_id: int, form: Any) -> dict[str, Any]:
    """Per-field source data verification on the record page: the verified fields and the picker."""
    from haictrial.edc.crfs.models import FormRecord
    from haictrial.edc.operations import monitoring

    request = context["request"]
    record = FormRecord.objects.select_related("subject__site").get_visible(request.user, pk=record_id)
    return {
        "states": monitoring.field_states(record),
        "groups": field_groups(form),
        "record_id": record_id,
        "may_monitor": context.get("may_monitor"),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """``mapping[key]``, else the key itself (a translated label of a code)."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key
