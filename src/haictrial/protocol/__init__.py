"""The trial as data: load and validate protocol files (default: CHALLENGE-A1, NCT06988852)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from haictrial.documents import clean_message, error_path, read_text
from haictrial.errors import DomainError, ProtocolError
from haictrial.protocol.schema import Protocol

DEFAULT_PROTOCOL = "challenge_a1.yaml"


def default_protocol_path() -> Path:
    return Path(str(resources.files("haictrial") / "protocols" / DEFAULT_PROTOCOL))


def protocol_problems(text: str, source: str = "protocol") -> list[str]:
    """Every problem in a protocol document, each as ``path: message``; empty when it is valid."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        return [f"{source}: not valid YAML{where}: {getattr(exc, 'problem', exc)}"]
    if not isinstance(data, dict):
        return [f"{source}: a protocol file is a mapping of sections, got {type(data).__name__}"]
    try:
        Protocol.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            location = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.endswith("]")))
            path = error_path(location) or "(top level)"
            message = clean_message(err["type"], err["msg"])
            problems.append(f"{path}: {message}")
        return problems
    except DomainError as exc:
        return [str(exc)]
    return []


def parse_protocol(text: str, source: str = "protocol") -> Protocol:
    """A validated :class:`Protocol` from YAML text, or a :class:`ProtocolError` with every problem."""
    problems = protocol_problems(text, source)
    if problems:
        raise ProtocolError(f"{source} is not a valid protocol: " + "; ".join(problems))
    return Protocol.model_validate(yaml.safe_load(text))


def load_protocol(path: str | Path | None = None) -> Protocol:
    """The protocol in ``path``, or the bundled CHALLENGE-A1 protocol when ``path`` is None."""
    if path is None:
        return _default_protocol()
    return parse_protocol(read_text(path), source=str(path))


@lru_cache(maxsize=1)
def _default_protocol() -> Protocol:
    path = default_protocol_path()
    return parse_protocol(path.read_text(encoding="utf-8"), source=str(path))


__all__ = ["Protocol", "load_protocol", "parse_protocol", "protocol_problems", "default_protocol_path"]
