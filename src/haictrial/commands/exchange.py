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
    # Imported here: each format's module adds its commands to export_app / import_app (and imports this module).
    from haictrial.commands import export_ctgov, export_odm, export_redcap, export_sdtm, import_fhir

    for module in (export_sdtm, export_odm, export_redcap, export_ctgov):
        module.register(export_app)
    import_fhir.register(import_app)
