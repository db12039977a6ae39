"""`haictrial export ...` and `haictrial import ...` (contracts: interop.md, prescreen.md).

Each format registers its own subcommand from its own module, so that formats stay independent.
"""

from __future__ import annotations

import typer

export_app = typer.Typer(
    help="Export the trial's data in a standard format (SDTM, ODM, REDCap, ClinicalTrials.gov).", no_args_is_help=True
)
import_app = typer.Typer(help="Import data from outside systems (FHIR R4B).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
    # One line per format: each module adds its commands to export_app / import_app.
