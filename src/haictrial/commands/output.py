"""Shared output helpers of the CLI: the ``--format`` option, JSON and rich tables."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from haictrial.documents import json_safe


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(OutputFormat.table, "--format", help="table (readable) or json (one document).")

#: Tables written to a pipe or a file are this wide, so that codes, ranges and units are never cut or wrapped;
#: a terminal keeps its own width.
PIPE_WIDTH = 160

console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else PIPE_WIDTH)


def print_json(document: Any) -> None:
    """One JSON document on standard output and nothing else."""
    typer.echo(json.dumps(json_safe(document), ensure_ascii=False, indent=2, default=str))


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    """A rich table with plain string cells (None shown as an em dash)."""
    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*["—" if cell is None else str(cell) for cell in row])
    return out
