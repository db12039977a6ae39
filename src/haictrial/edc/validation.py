"""Input checks shared by the EDC's boundaries, for values a database cannot store."""

from __future__ import annotations

from typing import Any

from haictrial.documents import error_path
from haictrial.errors import InputError

#: Largest integer an id may be (PostgreSQL bigint); a larger one is "not found", not a crash.
MAX_ID = 2**63 - 1


def reject_nul(value: Any, location: tuple[int | str, ...] = ()) -> None:
    """Raise an InputError naming the field of the first string (or key) with a NUL character;
    PostgreSQL text and JSON cannot hold one."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError("contains a NUL character", field=error_path(location) or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_nul(key, (*location, str(key)))
            reject_nul(item, (*location, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            reject_nul(item, (*location, index))


def no_nul(value: str) -> str:
    """A pydantic ``AfterValidator``: a string without NUL characters."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value
