"""``{{ query|query_message }}``: a query's question in the reader's language.

An edit-check query stores its English message and, beside it, the message language-neutral (template and
params, :mod:`haictrial.clinical.messages`); this filter renders the template in the current language with
:func:`haictrial.i18n.render_parts`, and shows the stored English message for a monitor's query, a row stored
before the template existed, or a template that cannot be rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from haictrial.i18n import render_parts

register = template.Library()


@register.filter
def query_message(query: Any) -> str:
    """The question of a Query (model or its dict) in the current language."""
    if isinstance(query, Mapping):
        english, template_, params = (
            query.get("message", ""),
            query.get("message_template"),
            query.get("message_params"),
        )
    else:
        english = getattr(query, "message", "")
        template_, params = getattr(query, "message_template", ""), getattr(query, "message_params", None)
    if not template_:
        return str(english)
    return render_parts([{"template": template_, "params": params or {}}], str(english))


@register.filter
def reason_part(part: Any, english: str = "") -> str:
    """One translatable sentence (``{template, params}``, :mod:`haictrial.clinical.messages`) in the current
    language; ``english`` when it cannot be rendered."""
    if not isinstance(part, Mapping) or not part.get("template"):
        return str(english)
    return render_parts([part], str(english))
