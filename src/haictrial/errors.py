"""Errors a user can cause, raised by the core and mapped once at each boundary.

The CLI turns a :class:`DomainError` into one line on standard error and exit code 2;
the API turns it into a 4xx ``{"detail", "field"}``; forms into a field error.
"""

from __future__ import annotations

from typing import Self


class DomainError(Exception):
    """A problem with the input that the user can fix.

    ``field`` is the dotted path of the offending value (``labs.alt.unit``), or None when the
    problem is with the document as a whole. ``template`` and ``params``, when given, are the message
    language-neutral (an N_-marked msgid and its values, :mod:`haictrial.clinical.messages`):
    ``message == template.format(**params)``; a user interface may show it translated.
    """

    code = "invalid"

    def __init__(
        self, message: str, field: str | None = None, *, template: str = "", params: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.template = template
        self.params: dict[str, object] = dict(params or {})

    @classmethod
    def of(cls, template: str, field: str | None = None, **params: object) -> Self:
        """The error whose English message is ``template.format(**params)``, kept language-neutral too.

        ``template`` is an N_-marked msgid (:func:`haictrial.clinical.messages.N_`); ``params`` are data
        (numbers, ids, dates and ``repr`` texts as strings) shown as given in every language.
        """
        return cls(template.format(**params), field, template=template, params=params)

    def __str__(self) -> str:
        if self.field:
            return f"{self.field}: {self.message}"
        return self.message


class InputError(DomainError):
    """Unreadable file, invalid JSON, wrong type or missing required field."""

    code = "bad_input"


class UnitError(DomainError):
    """A value whose unit the engine does not know for that field."""

    code = "unknown_unit"


class ProtocolError(DomainError):
    """A protocol file that does not validate."""

    code = "bad_protocol"


class ConflictError(DomainError):
    """A request that conflicts with the current state (stale edit, ineligible enrolment)."""

    code = "conflict"


class UnprocessableError(InputError):
    """Well-formed input that a rule refuses (a consent signed after the enrolment, a dose given while the
    plan holds it): the field is named; the API answers 422."""

    code = "unprocessable"
