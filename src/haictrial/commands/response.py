"""``haictrial recist ASSESSMENTS.json``: RECIST 1.1 and morphologic response of one patient.

A thin shell over :func:`haictrial.clinical.recist.evaluate_recist` (docs/contracts/recist.md): read the
document, take the confirmation interval and the minimum SD duration from the protocol settings
(``recist_confirmation_days``, ``recist_min_sd_days``; ``--min-sd-days`` overrides the latter), print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from haictrial.clinical.recist import RecistInput, RecistResult, evaluate_recist
from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.documents import parse_model, read_json
from haictrial.protocol import load_protocol


def recist(
    assessments_file: Path = typer.Argument(
        ..., metavar="ASSESSMENTS.json", help="Lesions and assessments, baseline first ('-' for stdin)."
    ),
    min_sd_days: int | None = typer.Option(
        None, "--min-sd-days", min=0, help="Minimum days from baseline for SD (default: protocol recist_min_sd_days)."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol", help="A protocol file (default: CHALLENGE-A1)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """RECIST 1.1 time-point and best overall response (Tables 1-3), and Chun morphologic response."""
    protocol = load_protocol(protocol_file)
    data = parse_model(RecistInput, read_json(assessments_file))
    settings = protocol.settings
    result = evaluate_recist(
        data,
        confirmation_days=settings.recist_confirmation_days.value,
        min_sd_days=settings.recist_min_sd_days.value if min_sd_days is None else min_sd_days,
    )
    document = result.as_contract()
    document["protocol_version"] = protocol.version
    if output == OutputFormat.json:
        print_json(document)
        return
    render(result, document)


def render(result: RecistResult, document: dict[str, Any]) -> None:
    columns = ["date", "day", "sum mm", "Δ base %", "Δ nadir %", "target", "non-target", "new", "overall"]
    if result.has_morphology:
        columns += ["morph. group", "morphologic"]
    rows = []
    for tp in document["timepoints"]:
        row = [
            tp["date"],
            tp["days_from_baseline"],
            tp["sum_mm"],
            tp["change_from_baseline_pct"],
            tp["change_from_nadir_pct"],
            tp["target_response"],
            tp["non_target_response"],
            {True: "yes", False: "no"}.get(tp["new_lesions"]),
            tp["overall_response"] + (" (reader)" if tp["source"] == "reader" else ""),
        ]
        if result.has_morphology:
            row += [tp["morphologic_group"], tp["morphologic_response"]]
        rows.append(row)
    baseline = f"baseline {document['baseline_date']}"
    if document["baseline_sum_mm"] is not None:
        baseline += f", sum {document['baseline_sum_mm']} mm"
    timepoints = table(f"RECIST 1.1, {document['subject_id']} ({baseline})", columns, rows)
    for column in timepoints.columns:
        column.no_wrap = True
    console.print(timepoints)  # codes such as NON_CR_NON_PD are never cut
    best = document["best_overall_response"]
    if document["confirmed"]:
        best += f" (confirmed on {document['confirmation_date']})"
    console.print(f"Best overall response: [bold]{best}[/bold]")
    if document["best_percent_change"] is not None:
        console.print(f"Best percent change from baseline: {document['best_percent_change']} %")
    if document["progression_date"]:
        console.print(f"First progression: {document['progression_date']}")
    if result.has_morphology:
        console.print(f"Best morphologic response (Chun 2009): {document['morphologic_response'] or '—'}")
    console.print(
        f"Confirmation >= {document['confirmation_days']} days, SD >= {document['min_sd_days']} days from baseline "
        f"(protocol {document['protocol_version']})."
    )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``haictrial`` app."""
    app.command("recist")(recist)
