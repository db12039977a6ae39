"""Translatable reason sentences of the clinical engines: templates and parameters, language-neutral.

The core writes every reason in English (the stored, contractual text) and keeps alongside it what a
user interface needs to show it in another language: the English template (a gettext msgid with
``{named}`` placeholders) and its parameters. The core never translates; the boundary does
(:func:`haictrial.i18n.render_reason`).

Design (eligibility reasons, :class:`haictrial.clinical.eligibility.CriterionResult`):

* ``reason_parts``: the reason as a list of :class:`ReasonPart` ``{template, params}``, one per
  element a criterion checks (I6: LVEF, FEV1/FVC, ECOG; I8: one per laboratory value), joined with
  :data:`SEPARATOR` ("; "). ``reason == "; ".join(p.template.format(**p.params) for p in parts)``.
  Each template is a catalogue msgid, marked with :func:`N_` so that ``scripts/extract-messages``
  collects it.
* ``reason_template`` / ``reason_params``: the same reason flattened to one template
  (:func:`flatten`): for a one-part reason, that part's template and params; for several parts, the
  templates joined with "; " and each placeholder suffixed with its part number (``{value_1}``), so
  that ``reason == reason_template.format(**reason_params)`` always holds.

Parameters are plain JSON values: numbers (formatted by the template, e.g. ``{value:g}``) and strings
that are data (lesion ids, units, field paths, drug names, quantities such as "1.8 mg/dL (30.78 umol/L)"),
shown as stored. Two suffixes name parameters that hold English vocabulary the boundary may translate:
``*_term`` (one term, e.g. ``analyte_term`` "platelets") and ``*_terms`` (terms joined with ", ").
Every such term is marked with :func:`N_` (:data:`haictrial.clinical.eligibility.TERMS`).
A third suffix, ``*_parts``, holds a nested reason (:func:`parts_param`: a list of ``{template, params}``
mappings, e.g. the targeted agent's reason inside an edit-check finding), rendered part by part.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: How the parts of a reason are joined in the stored English reason.
SEPARATOR = "; "
#: How several terms are joined in a ``*_terms`` parameter.
TERM_SEPARATOR = ", "

Param = str | int | float


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a no-op marker
    """Mark ``message`` for the catalogue (extracted by :mod:`haictrial.catalogue`); returns it unchanged."""
    return message


class ReasonPart(BaseModel):
    """One translatable sentence of a reason: an English template and the values of its placeholders."""

    model_config = ConfigDict(frozen=True)

    template: str
    params: dict[str, Param] = Field(default_factory=dict)

    @property
    def text(self) -> str:
        """The English sentence."""
        return self.template.format(**self.params)


def part(template: str, **params: Param) -> ReasonPart:
    """A :class:`ReasonPart`; ``template`` is an :func:`N_`-marked literal."""
    return ReasonPart(template=template, params=params)


def join(parts: Sequence[ReasonPart]) -> str:
    """The English reason of ``parts``."""
    return SEPARATOR.join(p.text for p in parts)


def parts_param(parts: Sequence[ReasonPart]) -> list[dict[str, Any]]:
    """A ``*_parts`` parameter: ``parts`` as JSON mappings."""
    return [p.model_dump(mode="json") for p in parts]


def english(template: str, params: Mapping[str, Any]) -> str:
    """``template`` formatted with ``params`` in English, each ``*_parts`` parameter joined as its English reason."""
    plain = {
        name: SEPARATOR.join(english(p["template"], p.get("params") or {}) for p in value)
        if name.endswith("_parts") and isinstance(value, list)
        else value
        for name, value in params.items()
    }
    return template.format(**plain)


def _escape(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")


def _suffixed(template: str, number: int) -> str:
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out.append(_escape(literal))
        if name is not None:
            conversion_text = f"!{conversion}" if conversion else ""
            spec_text = f":{spec}" if spec else ""
            out.append("{" + f"{name}_{number}{conversion_text}{spec_text}" + "}")
    return "".join(out)


def flatten(parts: Sequence[ReasonPart]) -> tuple[str, dict[str, Param]]:
    """One template and its params for the whole reason (see the module docstring)."""
    if len(parts) == 1:
        return parts[0].template, dict(parts[0].params)
    template = SEPARATOR.join(_suffixed(p.template, i) for i, p in enumerate(parts, start=1))
    params = {f"{name}_{i}": value for i, p in enumerate(parts, start=1) for name, value in p.params.items()}
    return template, params
