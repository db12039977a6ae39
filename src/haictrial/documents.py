"""Reading user documents (JSON, YAML) and parsing them into typed models with one clear error.

Used by every boundary (CLI, API, importers), so that a bad file always gives the same kind of
message: the field path and what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from haictrial.errors import InputError
from haictrial.vocabulary.base import entry_context

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_text(path: str | Path) -> str:
    """The text of ``path``, or of standard input when ``path`` is ``-``."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a file: {path}") from None
    except (PermissionError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read {path}: {exc.__class__.__name__}") from None


def read_json(path: str | Path) -> Any:
    """Parse a JSON document from ``path`` (``-`` for standard input)."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON in {path}: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError(f"invalid JSON in {path}: nested too deeply") from None


def error_path(location: tuple[int | str, ...]) -> str:
    """``("labs", "alt", "unit")`` -> ``labs.alt.unit``; list indexes as ``liver_lesions[2]``."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def clean_message(error_type: str, message: str) -> str:
    """Pydantic's message without its internal prefixes, in plain words."""
    if error_type == "missing":
        return "required field is missing"
    if error_type == "extra_forbidden":
        return "unknown field (not in the contract)"
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def first_error(exc: ValidationError) -> InputError:
    """The first pydantic error as an :class:`InputError` naming its field."""
    err = exc.errors(include_url=False)[0]
    # Drop pydantic's internal union/function tags from the location (e.g. "function-after[...]").
    location = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p and p.endswith("]")))
    message = clean_message(err["type"], err["msg"])
    ctx_input = err.get("input")
    context = err.get("ctx") or {}  # a rule error's template and params (haictrial.clinical.crf_base.field_error)
    params = dict(context.get("params") or {})
    if err["type"] not in ("missing",) and isinstance(ctx_input, str | int | float | bool) and ctx_input != "":
        message = f"{message} (got {ctx_input!r})"
        if "got" in params:  # the kept template shows the value exactly as the message does
            params["got"] = repr(ctx_input)
    return InputError(message, field=error_path(location) or None, template=context.get("template", ""), params=params)


def parse_model(
    model: type[ModelT], data: Any, *, today: dt.date | None = None, zone: dt.tzinfo | None = None
) -> ModelT:
    """Validate ``data`` as ``model``; the first problem becomes an :class:`InputError`.

    ``today`` (the site's date): the document is being entered, so dates after today and values outside
    the plausibility limits (:mod:`haictrial.clinical.limits`) are refused too; ``zone``, the site's time
    zone, places aware date-times on the site's calendar. Without ``today`` a stored document is read.
    """
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}")
    context = None if today is None else entry_context(today, zone)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise first_error(exc) from None


def json_safe(value: Any) -> Any:
    """A strict JSON value: NaN and infinities (a median not reached) as null, dates as ISO strings,
    tuples as lists, mapping keys as strings; recursively. One rule for every JSON the project writes."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
