"""Analysis data sets from a synthetic cohort directory (``haictrial synth --out DIR``).

The directory holds ``manifest.json``, the Parquet tables (subjects, screening, cycles, adverse_events,
mdt, resections, follow_up, ...) and ``recist.jsonl`` (one docs/contracts/recist.md document per enrolled
patient); docs/synthetic-data.md describes them. Responses are not copied from the generator: each
patient's RECIST document is evaluated by the RECIST engine (:func:`haictrial.clinical.recist.evaluate_recist`
with the protocol's confirmation and minimum-SD intervals), which gives the time-point responses
(ADRS), the best overall response, its confirmation, the best percent change and the morphologic
response. The manifest's ``data_cutoff`` is the default cut-off.

Code mappings: the generator's MDT decisions ``continue_haic`` / ``resect`` / ``discontinue`` are the MDT
eCRF's ``continue_conversion`` / ``resect`` / ``not_resectable``; ``attribution_haic`` is the AE
attribution; vital status ``lost_to_follow_up`` is the end-of-study reason of that name.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from haictrial.clinical.recist import evaluate_recist
from haictrial.clinical.recist_models import RecistInput
from haictrial.errors import DomainError, InputError
from haictrial.protocol.schema import Protocol
from haictrial.reports.datasets import AnalysisDatasets
from haictrial.reports.dictionary import SCREENING
from haictrial.reports.from_forms import response_rows
from haictrial.reports.patient_columns import ras_code

MANIFEST = "manifest.json"
MDT_CODES = {"continue_haic": "continue_conversion", "resect": "resect", "discontinue": "not_resectable"}
CRITERIA = [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]
FIELD = "--from-synth"


def _read_parquet(directory: Path, name: str, columns: list[str]) -> pd.DataFrame:
    path = directory / f"{name}.parquet"
    if not path.is_file():
        raise InputError(f"{path} is missing: not a complete `haictrial synth` directory", field=FIELD)
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot read {path}: {str(exc).splitlines()[0]}", field=FIELD) from None


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not directory.is_dir():
        raise InputError(f"not a directory: {directory}", field=FIELD)
    if not path.is_file():
        raise InputError(f"no {MANIFEST} in {directory}: write one with `haictrial synth --out DIR`", field=FIELD)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}", field=FIELD) from None
    if not isinstance(manifest, dict):
        raise InputError(f"{path} is not a JSON object", field=FIELD)
    return manifest


def _responses(directory: Path, protocol: Protocol) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """ADRS rows and per-subject response columns from recist.jsonl, by the RECIST engine."""
    path = directory / "recist.jsonl"
    if not path.is_file():
        raise InputError(f"{path} is missing: not a complete `haictrial synth` directory", field=FIELD)
    confirmation = protocol.settings.recist_confirmation_days.value
    min_sd = protocol.settings.recist_min_sd_days.value
    rows: list[dict[str, Any]] = []
    best: list[dict[str, Any]] = []
    problems: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = RecistInput.model_validate_json(line)
                result = evaluate_recist(data, confirmation, min_sd)
            except (DomainError, ValueError) as exc:
                problems.append(f"recist.jsonl line {number}: {str(exc).splitlines()[0]}")
                continue
            adrs, values = response_rows(result)
            rows += adrs
            best.append({"subject_id": result.subject_id, **values})
    columns = ["subject_id", "assessment_date", "baseline", "sum_mm", "percent_change", "overall_response"]
    best_columns = [
        "subject_id",
        "best_overall_response",
        "best_percent_change",
        "response_confirmed",
        "morphologic_response",
    ]
    return pd.DataFrame(rows, columns=columns), pd.DataFrame(best, columns=best_columns), problems


def from_synth(directory: Path | str, protocol: Protocol) -> AnalysisDatasets:
    """The analysis data sets of the synthetic cohort in ``directory``."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest.get("protocol_id") not in (None, protocol.protocol_id):
        raise InputError(
            f"the cohort was generated for protocol {manifest.get('protocol_id')}, not {protocol.protocol_id}",
            field=FIELD,
        )
    notes: list[str] = []
    if manifest.get("protocol_version") not in (None, protocol.version):
        notes.append(
            f"The synthetic cohort was generated under protocol version {manifest['protocol_version']}; "
            f"this report uses version {protocol.version}."
        )
    subjects = _read_parquet(
        directory,
        "subjects",
        [
            "subject_id",
            "enrolment_date",
            "sex",
            "age_years",
            "primary_site",
            "right_sided",
            "kras",
            "nras",
            "braf",
            "targeted_agent",
            "n_liver_lesions",
            "largest_lesion_mm",
        ],
    )
    screening = _read_parquet(
        directory, "screening", ["subject_id", "screening_date", "ecog", "eligible", "enrolled", *CRITERIA]
    )
    cycles = _read_parquet(directory, "cycles", ["subject_id", "cycle", "date", "delay_days", "dose_modified"])
    events = _read_parquet(
        directory, "adverse_events", ["subject_id", "term", "grade", "serious", "onset_date", "attribution_haic"]
    )
    mdt = _read_parquet(directory, "mdt", ["subject_id", "date", "decision"])
    resections = _read_parquet(directory, "resections", ["subject_id", "date", "r_status"])
    follow_up = _read_parquet(
        directory,
        "follow_up",
        ["subject_id", "progression_date", "recurrence_date", "death_date", "last_known_alive_date", "vital_status"],
    )
    adrs, best, problems = _responses(directory, protocol)
    if problems:
        notes.append(
            f"{len(problems)} RECIST documents could not be evaluated (first: {problems[0]}); "
            "those patients count as not assessed."
        )

    last_mdt = mdt.sort_values("date").drop_duplicates("subject_id", keep="last")
    last_resection = resections.sort_values("date").drop_duplicates("subject_id", keep="last")
    adsl = (
        subjects.merge(screening[["subject_id", "ecog"]], on="subject_id", how="left")
        .merge(best, on="subject_id", how="left")
        .merge(last_mdt.rename(columns={"date": "mdt_date", "decision": "mdt_decision"}), on="subject_id", how="left")
        .merge(
            last_resection.rename(columns={"date": "resection_date", "r_status": "resection_margin"}),
            on="subject_id",
            how="left",
        )
        .merge(follow_up, on="subject_id", how="left")
    )
    adsl = adsl.assign(
        site=adsl["subject_id"].str.split("-").str[1],
        sidedness=adsl["right_sided"].map({True: "right", False: "left"}),
        ras_status=[ras_code(k, n) for k, n in zip(adsl["kras"], adsl["nras"], strict=True)],
        braf_status=adsl["braf"].where(adsl["braf"].isin(["wild_type", "mutant"]), "unknown"),
        lesion_count=adsl["n_liver_lesions"],
        cea_ng_ml=None,
        mdt_decision=adsl["mdt_decision"].map(MDT_CODES),
        last_contact_date=adsl["last_known_alive_date"].fillna(adsl["enrolment_date"]),
        off_study_reason=adsl["vital_status"].map({"dead": "death", "lost_to_follow_up": "lost_to_follow_up"}),
    )
    notes.append("The synthetic cohort records no baseline CEA: the Cox model leaves CEA out.")
    log = screening.assign(
        screening_id=screening["subject_id"],
        site=screening["subject_id"].str.split("-").str[1],
        eligible=screening["eligible"].astype("boolean").fillna(False).astype(bool),
        failed_criteria=_failed(screening),
        subject_id=screening["subject_id"].where(screening["enrolled"].astype("boolean").fillna(False).astype(bool)),
    ).reindex(columns=[c.name for c in SCREENING.columns])  # a column the generator lacks (person_id): null
    cutoff = manifest.get("data_cutoff")
    return AnalysisDatasets(
        adsl=adsl,
        adrs=adrs,
        adae=events.rename(columns={"attribution_haic": "attribution"}),
        adex=cycles.rename(columns={"date": "cycle_date"}),
        screening_log=log,
        cutoff=None if cutoff is None else dt.date.fromisoformat(cutoff),
        source=f"synthetic cohort {directory.name} (haictrial.synth {manifest.get('generator_version', '?')}, "
        f"seed {manifest.get('seed')}, {manifest.get('subjects_screened')} screened)",
        notes=notes,
    )


def _failed(screening: pd.DataFrame) -> pd.Series:
    """Criterion ids that failed or stayed unknown, ';'-separated (from the per-criterion status columns)."""
    parts = [screening[c].isin(["fail", "unknown"]).map({True: c + ";", False: ""}) for c in CRITERIA]
    joined = pd.concat(parts, axis=1).sum(axis=1).astype(str).str.rstrip(";")
    return joined.where(joined != "", None)
