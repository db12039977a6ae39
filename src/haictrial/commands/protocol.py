"""``haictrial protocol show`` and ``haictrial protocol validate FILE``."""

from __future__ import annotations

from pathlib import Path

import typer

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.documents import read_text
from haictrial.protocol import load_protocol, protocol_problems
from haictrial.protocol.schema import Protocol

protocol_app = typer.Typer(help="The trial as data: show or validate a protocol file.", no_args_is_help=True)


@protocol_app.command("show")
def show(
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Print the protocol readably: registry record, criteria, regimen, schedule, settings."""
    protocol = load_protocol(protocol_file)
    if output == OutputFormat.json:
        print_json(protocol.model_dump(mode="json"))
        return
    render_protocol(protocol)


@protocol_app.command("validate")
def validate(protocol_file: Path = typer.Argument(..., help="The protocol YAML file to check.")) -> None:
    """Report every problem in a protocol file with its path in the file; exit 2 if any."""
    problems = protocol_problems(read_text(protocol_file), source=str(protocol_file))
    if problems:
        for problem in problems:
            typer.echo(f"error: {protocol_file}: {problem}", err=True)
        raise typer.Exit(2)
    typer.echo(f"{protocol_file}: valid protocol")


def render_protocol(protocol: Protocol) -> None:
    reg = protocol.registry
    console.print(f"[bold]{reg.acronym}[/bold] ({reg.nct_id}) protocol version {protocol.version}")
    console.print(reg.official_title)
    console.print(
        f"Sponsor {reg.sponsor}; {reg.phase}, {reg.intervention_model}; target enrolment {reg.target_enrollment}; "
        f"{reg.start_date} to {reg.completion_date}"
    )
    console.print(f"Conditions: {', '.join(reg.conditions)}")
    th = protocol.eligibility.thresholds
    console.print(
        table(
            "Eligibility",
            ["id", "kind", "criterion"],
            [[c.id, c.kind.value, c.text] for c in protocol.eligibility.criteria],
        )
    )
    console.print(
        table(
            "Screening laboratory limits (I8)",
            ["test", "min", "max", "unit"],
            [[lim.test.value, lim.min, lim.max, lim.unit] for lim in th.I8_labs],
        )
    )
    reg_rows = [
        [
            c.drug.value + (f" {c.component}" if c.component else ""),
            f"{c.dose:g} {c.dose_unit.value}",
            c.route.value,
            c.day,
            f"{c.start_h:g}-{c.end_h:g} h",
        ]
        for c in protocol.regimen.chemotherapy
    ]
    bev, cet = protocol.regimen.bevacizumab, protocol.regimen.cetuximab
    reg_rows.append(["bevacizumab", f"{bev.dose:g} mg/kg", bev.route.value, ", ".join(map(str, bev.days)), ""])
    cet_days = ", ".join(map(str, protocol.settings.cetuximab_days.value))
    reg_rows.append(
        ["cetuximab", f"{cet.loading_dose:g} then {cet.maintenance_dose:g} mg/m2", cet.route.value, cet_days, ""]
    )
    console.print(
        table(
            f"Regimen {protocol.regimen.name}, every {protocol.regimen.cycle_length_days} days",
            ["drug", "dose", "route", "day", "hours"],
            reg_rows,
        )
    )
    rule = protocol.targeted_agent
    console.print(
        f"Targeted agent: {rule.if_right_sided_or_mutant.value} if right-sided "
        f"({', '.join(s.value for s in rule.right_sided_sites)}) or {'/'.join(g.upper() for g in rule.genes)} mutant; "
        f"otherwise {rule.otherwise.value}."
    )
    console.print(
        table(
            "Endpoints",
            ["id", "kind", "title", "time frame"],
            [[e.id, e.kind, e.title, e.time_frame] for e in protocol.endpoints],
        )
    )
    settings = protocol.settings
    rows = []
    for name in type(settings).model_fields:
        setting = getattr(settings, name)
        value = setting.value
        shown = "(table: see --format json)" if isinstance(value, dict) or hasattr(value, "model_dump") else value
        changed = "" if setting.value == setting.default else "changed from default"
        rows.append([name, shown, changed, setting.description])
    console.print(
        table("Site settings (not fixed by the registered record)", ["setting", "value", "", "description"], rows)
    )


def register(app: typer.Typer) -> None:
    app.add_typer(protocol_app, name="protocol")
