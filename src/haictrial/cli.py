"""The ``haictrial`` command: a thin shell over the core engines.

Each area registers its commands from ``haictrial.commands.<area>``. Errors a user can cause
(:class:`~haictrial.errors.DomainError`) become one line on standard error and exit code 2;
usage errors are typer's (also exit 2). Never a traceback: an unexpected failure prints one line
and exits 1 (``HAICTRIAL_DEBUG=1`` shows the traceback, for developers).
"""

from __future__ import annotations

import os
import sys

import typer

from haictrial.commands import (
    exchange,
    planning,
    protocol,
    reporting,
    response,
    safety,
    screening,
    server,
    statistics,
    synthetic,
)
from haictrial.errors import DomainError
from haictrial.i18n import cli_language

app = typer.Typer(
    name="haictrial",
    help="CHALLENGE-A1 (NCT06988852): computable protocol, screening, dosing, EDC, response, safety, analysis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for area in (protocol, screening, planning, response, safety, statistics, synthetic, server, reporting, exchange):
    area.register(app)


def main() -> None:
    try:
        cli_language()  # an unsupported HAICTRIAL_LANG is a user error: one line, exit 2
        app()
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("HAICTRIAL_DEBUG") == "1":
            raise
        print(f"internal error: {exc.__class__.__name__}: {exc} (set HAICTRIAL_DEBUG=1 for details)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
