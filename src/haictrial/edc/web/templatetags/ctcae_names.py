"""Template filters that show a CTCAE v5.0 term with its Chinese name beside it in ``zh-Hans``.

``{% load ctcae_names %}``, then ``{{ event.term|ctcae }}`` ("Nausea <span lang="zh-Hans">恶心</span>" in
zh-Hans, "Nausea" in English) or ``{{ event.term|ctcae_zh }}`` (the Chinese name alone, "" when there is none).
The names are :mod:`haictrial.edc.web.ctcae_names`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html

from haictrial.edc.web.ctcae_names import ctcae_name

register = template.Library()


@register.filter
def ctcae(term: Any) -> Any:
    """The term, followed in zh-Hans by its Chinese name in a ``<span lang="zh-Hans" class="ctcae-zh">``."""
    name = ctcae_name(term)
    if name is None:
        return conditional_escape(term) if term is not None else ""
    return format_html('{} <span class="ctcae-zh" lang="zh-Hans">{}</span>', term, name)


@register.filter
def ctcae_zh(term: Any) -> str:
    """The Chinese name of the term in zh-Hans; "" in English or for a term outside the table."""
    return ctcae_name(term) or ""
