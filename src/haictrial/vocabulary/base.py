"""Base models and strict field types of the clinical core: one definition of "strict" for every
document the core reads.

- :class:`StrictModel`: unknown fields are errors (a misspelt field must not be silently ignored) and
  values are frozen once validated.
- :class:`MeasurementModel`: also refuses NaN and Infinity, which Python's JSON reader accepts but which
  are never a measurement.
- Field types that accept a value only in its own JSON type (pydantic's lax mode would read ``"170"`` as
  170, ``true`` as 1 and ``"yes"`` as true): :data:`JsonBool` (``true``/``false`` only), :data:`JsonNumber`
  (a JSON number, integer or not; never a string or a boolean), :data:`JsonInt` (a JSON number with an
  integral value), :data:`JsonDate` / :data:`JsonDatetime` / :data:`JsonAwareDatetime` (an ISO 8601
  string; never a number, which pydantic would read as a Unix time). Dates before 1900-01-01 are refused.
- Entry validation: a document the user enters is validated with :func:`entry_context(today)` as pydantic's
  validation context (``model_validate(data, context=entry_context(today))``, or
  :func:`haictrial.documents.parse_model` with ``today=``). It adds the checks that depend on the site's
  date or that a stored record must not fail after a limit changed: dates after ``today`` are refused, and
  the plausibility limits of :mod:`haictrial.clinical.limits` apply. The core never reads the clock: the
  CLI and the EDC pass today in the site's time zone (protocol ``settings.site_time_zone``).

References
----------
- ISO 8601-1:2019 (dates and times); RFC 8259 section 6 (JSON numbers), section 3 (``true``/``false``).
- ICH E6(R2) 4.9.0 (ALCOA: source data accurate and contemporaneous): no date of a record after the
  day it is entered.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StrictBool,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

#: The earliest date any screening or eCRF field may hold (a date before it is a typing error).
EARLIEST_DATE = dt.date(1900, 1, 1)

_TODAY = "today"
_ZONE = "zone"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MeasurementModel(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def entry_context(today: dt.date, zone: dt.tzinfo | None = None) -> dict[str, Any]:
    """The validation context of a document being entered on ``today`` (the site's date).

    ``zone``: the site's time zone, in which an aware date-time is compared with ``today`` (default: the
    date-time's own offset).
    """
    if not isinstance(today, dt.date) or isinstance(today, dt.datetime):
        raise TypeError("today must be a date")
    return {_TODAY: today, _ZONE: zone}


def entry_today(info: ValidationInfo) -> dt.date | None:
    """The ``today`` of an entry validation, or None when a stored document is being read."""
    context = info.context
    if isinstance(context, dict):
        today = context.get(_TODAY)
        if isinstance(today, dt.date):
            return today
    return None


def _entry_zone(info: ValidationInfo) -> dt.tzinfo | None:
    context = info.context
    zone = context.get(_ZONE) if isinstance(context, dict) else None
    return zone if isinstance(zone, dt.tzinfo) else None


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, "{message}", {"message": message})


def _json_number_integer(value: Any) -> Any:
    # A boolean is an int in Python and a string is lax-parsed by pydantic: neither is a JSON number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error("int_type", "must be a whole number (a JSON number, not a string or a boolean)")
    return value


def _iso_text(value: Any) -> Any:
    # Python callers may pass date objects; JSON callers an ISO string. A number would be a Unix time.
    if isinstance(value, str | dt.date):
        return value
    raise _error("date_type", "must be an ISO 8601 date string (YYYY-MM-DD)")


def _check_day(day: dt.date, info: ValidationInfo) -> None:
    if day < EARLIEST_DATE:
        raise _error("date_too_early", f"is before {EARLIEST_DATE.isoformat()}")
    today = entry_today(info)
    if today is not None and day > today:
        raise _error("date_in_future", f"is after today ({today.isoformat()})")


def _date_in_range(value: dt.date, info: ValidationInfo) -> dt.date:
    _check_day(value, info)
    return value


def _datetime_in_range(value: dt.datetime, info: ValidationInfo) -> dt.datetime:
    zone = _entry_zone(info)
    local = value.astimezone(zone) if zone is not None and value.tzinfo is not None else value
    _check_day(local.date(), info)
    return value


JsonBool = StrictBool
JsonNumber = Annotated[float, Strict()]
JsonInt = Annotated[int, BeforeValidator(_json_number_integer)]
JsonDate = Annotated[dt.date, BeforeValidator(_iso_text), AfterValidator(_date_in_range)]
JsonDatetime = Annotated[dt.datetime, BeforeValidator(_iso_text), AfterValidator(_datetime_in_range)]
JsonAwareDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_datetime_in_range)]

__all__ = [
    "EARLIEST_DATE",
    "JsonAwareDatetime",
    "JsonBool",
    "JsonDate",
    "JsonDatetime",
    "JsonInt",
    "JsonNumber",
    "MeasurementModel",
    "StrictModel",
    "entry_context",
    "entry_today",
]
