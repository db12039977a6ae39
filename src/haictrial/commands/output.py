"""Shared output helpers of the CLI: the ``--format`` option, JSON and rich tables."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(OutputFormat.table, "--format", help="table (readable) or json (one document).")

console = Console(highlight=False, soft_wrap=False)


def _plain(value: Any) -> Any:
    """JSON-safe values: NaN and infinities (a median not reached) become null, as the contracts say."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def print_json(document: Any) -> None:
    """One JSON document on standard output and nothing else."""
    typer.echo(json.dumps(_plain(document), ensure_ascii=False, indent=2, default=str))


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    """A rich table with plain string cells (None shown as an em dash)."""
    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*["—" if cell is None else str(cell) for cell in row])
    return out
