"""The site's date for the documents the CLI reads: the core never reads the clock, so the CLI passes
today in the protocol's site time zone (``settings.site_time_zone``) to
:func:`haictrial.documents.parse_model` (dates after today and values outside the plausibility limits of
:mod:`haictrial.clinical.limits` are then refused, naming the field)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from haictrial.documents import parse_model
from haictrial.errors import ProtocolError
from haictrial.protocol.schema import Protocol

ModelT = TypeVar("ModelT", bound=BaseModel)


def site_zone(protocol: Protocol) -> ZoneInfo:
    """The protocol's site time zone (``settings.site_time_zone``)."""
    name = protocol.settings.site_time_zone.value
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProtocolError(f"unknown time zone {name!r}", "settings.site_time_zone") from None


def parse_entry(model: type[ModelT], data: Any, protocol: Protocol) -> ModelT:
    """``data`` parsed as ``model`` for entry on today's date at the site."""
    zone = site_zone(protocol)
    return parse_model(model, data, today=dt.datetime.now(zone).date(), zone=zone)
