"""``haictrial import fhir BUNDLE.json [--screening-date DATE] [--format json] [--site CODE --post]``.

Prints the screening document (docs/contracts/screen.md) read from a FHIR R4B Bundle, with the patient's
name and medical record number under ``identifiers`` (kept apart from the clinical fields). With
``--site CODE --post`` it is stored as a screening of that site through the EDC service, as the
``HAICTRIAL_USER`` (default: the only administrator), and the stored screening result is printed.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.documents import read_text
from haictrial.errors import InputError
from haictrial.i18n import _


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {text!r}", field="--screening-date") from None


def _post(body: dict[str, Any], site: str) -> dict[str, Any]:
    """Store ``body`` as a screening of ``site`` through the EDC service."""
    from haictrial.edc import setup

    setup()
    from django.contrib.auth import get_user_model

    from haictrial.edc.subjects.services import screen_patient

    users = get_user_model().objects.filter(is_active=True)
    name = os.environ.get("HAICTRIAL_USER")
    if name:
        user = users.filter(username=name).first()
        if user is None:
            raise InputError(f"no active user {name!r}", field="HAICTRIAL_USER")
    else:
        admins = list(users.filter(is_superuser=True)[:2])
        if len(admins) != 1:
            raise InputError("set HAICTRIAL_USER to the user who screens", field="HAICTRIAL_USER")
        user = admins[0]
    _screening, result = screen_patient(user, {**body, "site": site})
    return result


def import_fhir_command(
    bundle_file: str = typer.Argument(..., metavar="BUNDLE.json", help="A FHIR R4B Bundle ('-' for stdin)."),
    screening_date: str | None = typer.Option(
        None, "--screening-date", help="The screening date YYYY-MM-DD (FHIR does not say it; labs within 30 days)."
    ),
    site: str | None = typer.Option(None, "--site", help="Site code, with --post."),
    post: bool = typer.Option(False, "--post", help="Store the document as a screening of --site."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Print a screening document read from a FHIR R4B Bundle (optionally store it as a screening)."""
    from haictrial.interop.fhir.bundle import import_bundle

    if post and not site:
        raise InputError("--post needs --site CODE", field="--site")
    imported = import_bundle(read_text(bundle_file), parse_date(screening_date))
    body = imported.body()
    if post:
        assert site is not None
        result = _post(body, site)
        if output == OutputFormat.json:
            print_json(result)
        else:
            console.print(
                _("Stored screening {id} at site {site}: eligible {eligible}").format(
                    id=result.get("screening_id"), site=site, eligible=result.get("eligible")
                )
            )
        return
    if output == OutputFormat.json:
        print_json(body)
        return
    rows = [[escape(k), escape(str(v))] for k, v in imported.document.items()]
    console.print(
        table(
            _("Screening document from {file}").format(file=escape(str(Path(bundle_file)))),
            [_("field"), _("value")],
            rows,
        )
    )
    if imported.identifiers:
        console.print(_("Identifiers (kept apart): {names}").format(names=escape(", ".join(imported.identifiers))))
    for note in imported.notes:
        console.print(f"[yellow]{escape(note)}[/yellow]")


def register(app: typer.Typer) -> None:
    """Add ``fhir`` to ``haictrial import``."""
    app.command("fhir")(import_fhir_command)
