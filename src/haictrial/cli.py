"""The ``haictrial`` command: a thin shell over the core engines.

Each area registers its commands from ``haictrial.commands.<area>``. Errors a user can cause
(:class:`~haictrial.errors.DomainError`) become one line on standard error and exit code 2;
usage errors (a bad option value, an unknown option) also become one line naming the
option, exit 2, without click's usage box. Never a traceback: an unexpected failure prints one line
and exits 1 (``HAICTRIAL_DEBUG=1`` shows the traceback, for developers).
"""

from __future__ import annotations

import os
import sys

import typer

# typer >= 0.26 ships its own copy of click (typer._click): its exceptions are the ones raised here.
from typer._click.exceptions import BadParameter, ClickException, MissingParameter, NoArgsIsHelpError

from haictrial.commands import (
    exchange,
    planning,
    prescreen,
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

for area in (
    protocol,
    screening,
    prescreen,
    planning,
    response,
    safety,
    statistics,
    synthetic,
    server,
    reporting,
    exchange,
):
    area.register(app)


def option_error_line(exc: ClickException) -> str:
    """A usage error as the one line every other error is: ``error: --cycle: 0 is below 1``.

    Names the option (its long name) or the argument (its metavar), never a usage box.
    """
    if isinstance(exc, BadParameter) and not isinstance(exc, MissingParameter) and exc.param is not None:
        param = exc.param
        opts = list(getattr(param, "opts", []) or [])
        is_option = getattr(param, "param_type_name", "") == "option" and opts
        name = max(opts, key=len) if is_option else str(getattr(param, "human_readable_name", param.name))
        return f"error: {name}: {exc.message.removeprefix('Value error, ')}"
    return f"error: {exc.format_message()}"


def main() -> None:
    try:
        cli_language()  # an unsupported HAICTRIAL_LANG is a user error: one line, exit 2
        code = app(standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool):
            sys.exit(code)  # typer.Exit(code) from a command
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ClickException as exc:  # bad option value, unknown option, missing argument: exit 2
        print(option_error_line(exc), file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
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
