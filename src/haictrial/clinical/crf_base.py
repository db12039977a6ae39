"""Shared pieces of the eCRF payload models: the form names, the base models, field errors.

Public names
------------
- :class:`FormName`: the eCRF forms, named as in the protocol's ``schedule.visits[].forms``.
- :class:`CrfModel`: base of every payload part (unknown fields, NaN and Infinity rejected; frozen).
- :class:`CrfForm`: base of a whole form; carries the EDC's ``record_id``, echoed in edit-check findings.
- :func:`field_error(field, message)`: a pydantic error located at ``field`` of the model being
  validated, so that a cross-field validator names the exact field and pydantic prefixes the path of
  the enclosing document (``haic_cycles[2].infusions[0].stop_at``).
- :func:`null_is_empty`: a ``mode="before"`` helper: a null sub-document means "nothing reported".
- Types: ``LesionId``, ``Text``, ``ShortText``.

Convention for every payload: a value that is impossible (a negative dose, an unknown code, a stop
before its start), of the wrong JSON type (``"170"``, ``true`` for a number, ``"yes"`` for a boolean:
:mod:`haictrial.vocabulary.base`), outside its plausibility limit (:mod:`haictrial.clinical.limits`) or a
date after today (entry validation, :func:`haictrial.vocabulary.base.entry_context`) is rejected when the
form is entered, with the field named; a value that is only missing or questionable is accepted and
raised as a query by :mod:`haictrial.clinical.edit_checks`, so a site can save a form in progress.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from haictrial.clinical.messages import N_
from haictrial.vocabulary.base import MeasurementModel


class FormName(StrEnum):
    """The eCRF forms of CHALLENGE-A1; values are the form names of ``schedule.visits[].forms``."""

    baseline = "baseline"
    haic_cycle = "haic_cycle"
    targeted_agent = "targeted_agent"
    imaging = "imaging"
    adverse_events = "adverse_events"
    concomitant_medications = "concomitant_medications"
    mdt_review = "mdt_review"
    resection = "resection"
    follow_up = "follow_up"
    end_of_study = "end_of_study"


LesionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CrfModel(MeasurementModel):
    """Base of every eCRF payload part: strict (unknown fields are errors), frozen, finite numbers only."""


class CrfForm(CrfModel):
    """Base of a whole eCRF form."""

    record_id: str | None = Field(
        None, max_length=100, description="The EDC's identifier of this record; edit-check findings echo it."
    )


#: The message of a rule error shown with the value it refused (:func:`haictrial.documents.first_error`).
GOT_TEMPLATE = N_("{error_parts} (got {got})")


def field_error(
    field: str | Sequence[str | int],
    message: str,
    value: Any = None,
    *,
    template: str = "",
    params: dict[str, Any] | None = None,
) -> ValidationError:
    """A :class:`ValidationError` at ``field`` (dotted, relative to the model being validated).

    Raise it from a ``model_validator``: pydantic then prefixes the location of the enclosing
    document, and :func:`haictrial.documents.parse_model` reports ``path.to.field: message``.
    ``value`` (a plain scalar) is shown as ``(got ...)``; leave it None when the message says it.
    ``template``/``params``: the message language-neutral (:func:`rule_error`), kept on the InputError.
    """
    if isinstance(field, str):
        location: tuple[str | int, ...] = tuple(int(p) if p.isdigit() else p for p in field.split("."))
    else:
        location = tuple(field)
    context: dict[str, Any] = {"message": message}
    if template:
        context["template"], context["params"] = template, dict(params or {})
        if isinstance(value, str | int | float | bool) and value != "":  # first_error appends "(got ...)"
            nested = [{"template": template, "params": dict(params or {})}]
            context["template"], context["params"] = GOT_TEMPLATE, {"error_parts": nested, "got": repr(value)}
    error = PydanticCustomError("crf_rule", "{message}", context)
    return ValidationError.from_exception_data("eCRF", [InitErrorDetails(type=error, loc=location, input=value)])


def rule_error(field: str | Sequence[str | int], template: str, value: Any = None, **params: Any) -> ValidationError:
    """:func:`field_error` whose message is ``template.format(**params)`` (an N_-marked msgid), kept translatable."""
    return field_error(field, template.format(**params), value, template=template, params=params)


def null_is_empty(value: object) -> object:
    """For a ``mode="before"`` validator: a null sub-document is the same as an absent one."""
    return {} if value is None else value


__all__ = [
    "FormName",
    "CrfModel",
    "CrfForm",
    "GOT_TEMPLATE",
    "field_error",
    "rule_error",
    "null_is_empty",
    "LesionId",
    "Text",
    "ShortText",
]
