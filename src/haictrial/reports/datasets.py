"""The analysis data sets: check them against the data dictionary, cut them off, derive, write them.

Adapters (:mod:`haictrial.reports.from_synth`, :mod:`haictrial.reports.from_database`) return
:class:`AnalysisDatasets` with the source columns of :mod:`haictrial.reports.dictionary`;
:func:`prepare` turns them into the data sets every table and figure is computed from:

1. each column is checked and cast to its dictionary type (a wrong value is an :class:`InputError`
   naming ``dataset.column`` and the subject);
2. the data cut-off is applied: screenings, enrolments, cycles, assessments and adverse events after it
   are dropped, event dates after it are removed and follow-up ends at it; a subject who lost
   assessments to the cut-off has the best overall response recomputed from those left (RECIST 1.1
   Table 3: a response confirmed only after the cut-off is not confirmed yet);
3. derived columns are added (``converted``, ``cycles_received``, ``status``, ...) and ADTTE is built.

References
----------
Endpoints as defined in the protocol file (endpoints ``ctrr``, ``os``, ``pfs``, ``rfs``).
PFS censoring at the last known progression-free date: FDA Guidance for Industry, Clinical Trial
Endpoints for the Approval of Cancer Drugs and Biologics (2018), Table B1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from haictrial.clinical.recist import Response, best_overall_response
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.reports.data_issues import EARLIEST_DATE, ENDPOINTS_OF_DATE, IssueLog
from haictrial.reports.dictionary import (
    ADAE,
    ADEX,
    ADRS,
    ADSL,
    ADTTE,
    SCREENING,
    DatasetSpec,
    dictionary_markdown,
    dictionary_rows,
)
from haictrial.reports.i18n import _

_ADSL_DATES = ("resection_date", "progression_date", "recurrence_date", "death_date")


@dataclass
class AnalysisDatasets:
    """The analysis data sets, as pandas DataFrames (see :mod:`haictrial.reports.dictionary`).

    ``adtte`` is derived by :func:`prepare`; adapters leave it empty.
    """

    adsl: pd.DataFrame
    adrs: pd.DataFrame
    adae: pd.DataFrame
    adex: pd.DataFrame
    screening_log: pd.DataFrame
    adtte: pd.DataFrame = field(default_factory=lambda: empty(ADTTE))
    cutoff: dt.date | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)
    #: Records left out of a part of the analysis: ``{"subject_id", "form", "field", "problem", "left_out"}``.
    data_issues: list[dict[str, Any]] = field(default_factory=list)
    #: Protocol deviations per kind (the EDC's deviation log); ``None`` when the source keeps no such log.
    deviations: dict[str, int] | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), pd.DataFrame)}


def empty(spec: DatasetSpec) -> pd.DataFrame:
    """A data set with every column of ``spec`` and no rows."""
    return conform(spec, pd.DataFrame({c.name: [] for c in spec.columns}), derived=True)


# --- types -------------------------------------------------------------------------------------------


def _bad(spec: DatasetSpec, column: str, df: pd.DataFrame, mask: pd.Series, what: str) -> InputError:
    row = int(np.flatnonzero(mask.to_numpy())[0])
    who = ""
    if "subject_id" in df.columns and isinstance(df["subject_id"].iloc[row], str):
        who = f" (subject {df['subject_id'].iloc[row]})"
    elif "screening_id" in df.columns:
        who = f" (screening {df['screening_id'].iloc[row]})"
    return InputError(f"{what}{who}, row {row + 1}", field=f"{spec.name}.{column}")


def _cast(spec: DatasetSpec, df: pd.DataFrame, name: str, issues: IssueLog | None = None) -> pd.Series:
    """The column cast to its type. Strict (``issues`` None): a wrong value is an :class:`InputError`.
    Lenient: a wrong value becomes missing and is logged (a missing required value is left to the caller)."""
    col = spec.column(name)
    raw = df[name]
    missing = raw.isna()
    out: pd.Series

    def wrong(bad: pd.Series, what: str) -> None:
        if not bad.any():
            return
        if issues is None:
            raise _bad(spec, name, df, bad, f"{what}: {raw[bad].iloc[0]!r}")
        issues.add(spec.name, df, bad, name, what + ": {value}", ())

    if col.kind == "date":
        out = pd.to_datetime(raw, errors="coerce")
        if out.dt.tz is not None:
            out = out.dt.tz_localize(None)
        bad = out.isna() & ~missing
        if issues is not None:
            wrong(bad, "not a date between 1900-01-01 and today")
            bad = out.notna() & ((out < EARLIEST_DATE) | (out.dt.normalize() > issues.latest_date))
            wrong(bad, "not a date between 1900-01-01 and today")
            out = out.where(~bad)
        else:
            wrong(bad, "not an ISO date")
        out = out.dt.normalize().astype("datetime64[ns]")
    elif col.kind in ("int", "float"):
        out = pd.to_numeric(raw, errors="coerce")
        wrong(out.isna() & ~missing, "not a number")
        if col.kind == "int":
            frac = out.notna() & (out != np.floor(out.fillna(0)))
            wrong(frac, "not a whole number")
            out = out.where(~frac).astype("Int64")
        else:
            out = out.astype("float64")
    elif col.kind == "bool":
        mapped = raw.map(_truth)
        wrong(mapped.isna() & ~missing, "not true/false")
        out = mapped.astype("boolean")
    else:
        out = raw.astype("string")
        if col.values:
            bad = out.notna() & ~out.isin(col.values)
            if bad.any() and issues is None:
                raise _bad(spec, name, df, bad, f"{out[bad].iloc[0]!r} is not one of {', '.join(col.values)}")
            if bad.any():
                issues.add(spec.name, df, bad, name, "{value} is not one of " + ", ".join(col.values), ())  # type: ignore[union-attr]
                out = out.where(~bad)
    if not col.nullable and out.isna().any():
        if issues is None:
            raise _bad(spec, name, df, out.isna(), "required value is missing")
        return out
    if col.kind == "bool" and not col.nullable:
        out = out.astype(bool)
    return out


_TRUTH = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def _truth(value: object) -> object:
    """True/False from a bool, 0/1 or the words true/false/yes/no; NA for anything else."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer | float | np.floating) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return _TRUTH.get(value.strip().lower(), pd.NA)
    return pd.NA


def conform(spec: DatasetSpec, df: pd.DataFrame, derived: bool = False, issues: IssueLog | None = None) -> pd.DataFrame:
    """``df`` with exactly the dictionary's columns of ``spec``, each cast to its type.

    Without ``derived``, only source columns are taken (derived ones are recomputed by :func:`prepare`).
    A missing required column is an :class:`InputError` naming the column. A wrong value is one too, or,
    with ``issues``, is logged and treated as missing (see :mod:`haictrial.reports.data_issues`): a record
    missing a required value is left out of the data set, except an ADSL subject, who is kept with the
    value missing unless it is the subject id or enrolment date.
    """
    columns = spec.columns if derived else spec.source_columns
    out = {}
    for col in columns:
        if col.name not in df.columns:
            if col.required and not col.nullable and len(df):
                raise InputError("required column is missing", field=f"{spec.name}.{col.name}")
            df = df.assign(**{col.name: pd.Series([None] * len(df), index=df.index, dtype="object")})
        out[col.name] = _cast(spec, df, col.name, issues)
    frame = pd.DataFrame(out).reset_index(drop=True)
    if issues is None:
        return frame
    keep = pd.Series(True, index=frame.index)
    for col in columns:
        if col.nullable or not frame[col.name].isna().any():
            continue
        missing = frame[col.name].isna() & keep
        essential = spec.name != "adsl" or col.name in ("subject_id", "enrolment_date")
        what = (
            _("required value is missing: the record is left out")
            if essential
            else _("required value is missing: left out of the summaries of this field")
        )
        issues.add(spec.name, frame, missing, col.name, what, (spec.name,) if essential else (col.name,))
        if essential:
            keep &= ~frame[col.name].isna()
        elif col.kind == "bool":
            frame[col.name] = frame[col.name].fillna(False).astype(bool)
    return frame[keep].reset_index(drop=True)


# --- consistency ---------------------------------------------------------------------------------------


def _consistent(
    adsl: pd.DataFrame, others: dict[str, pd.DataFrame], log: pd.DataFrame, issues: IssueLog
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], pd.DataFrame]:
    """The data sets with every inconsistent record named in ``issues`` and left out of the part it breaks
    (see :mod:`haictrial.reports.data_issues` for each rule)."""
    duplicated = adsl["subject_id"].duplicated()
    issues.add(
        "adsl", adsl, duplicated, "subject_id", _("subject listed twice: the later record is left out"), ("adsl",)
    )
    adsl = adsl[~duplicated].reset_index(drop=True)
    bad_ecog = adsl["ecog"].notna() & ~adsl["ecog"].between(0, 5)
    issues.add("adsl", adsl, bad_ecog, "ecog", _("ECOG must be 0-5 (got {value})"), ("ecog",))
    adsl.loc[bad_ecog.fillna(False).astype(bool), "ecog"] = pd.NA
    has_date, has_margin = adsl["resection_date"].notna(), adsl["resection_margin"].notna()
    mismatch = has_date != has_margin
    issues.add(
        "adsl", adsl, mismatch & has_date, "resection_margin",
        _("resection without a margin: left out of CTRR and RFS"), ("ctrr", "RFS"),
    )  # fmt: skip
    issues.add(
        "adsl", adsl, mismatch & has_margin, "resection_date",
        _("resection margin without a resection date: left out of CTRR and RFS"), ("ctrr", "RFS"),
    )  # fmt: skip
    adsl.loc[mismatch, "resection_date"] = pd.NaT
    adsl.loc[mismatch, "resection_margin"] = pd.NA
    for name in ("resection_date", "progression_date", "recurrence_date", "death_date"):
        early = adsl[name] < adsl["enrolment_date"]
        endpoints = ENDPOINTS_OF_DATE[name]
        issues.add(
            "adsl", adsl, early, name,
            _("{value} is before the enrolment: left out of {parts}").format(value="{value}", parts=", ".join(endpoints)),
            endpoints,
        )  # fmt: skip
        issues.leave_out(adsl.loc[early, "subject_id"].tolist(), endpoints)
        if name == "resection_date":
            adsl.loc[early, "resection_date"] = pd.NaT
            adsl.loc[early, "resection_margin"] = pd.NA
    early = adsl["last_contact_date"] < adsl["enrolment_date"]
    issues.add("adsl", adsl, early, "last_contact_date", _("{value} is before the enrolment: not used"), ())
    adsl.loc[early, "last_contact_date"] = adsl.loc[early, "enrolment_date"]
    early = adsl["recurrence_date"] < adsl["resection_date"]
    issues.add("adsl", adsl, early, "recurrence_date", _("{value} is before the resection: left out of PFS, RFS"),
               ("PFS", "RFS"))  # fmt: skip
    issues.leave_out(adsl.loc[early, "subject_id"].tolist(), ("PFS", "RFS"))
    known = set(adsl["subject_id"])
    cleaned = {}
    for name, frame in others.items():
        unknown = ~frame["subject_id"].isin(known)
        issues.add(name, frame, unknown, "subject_id", _("record of a subject not in the analysis: left out"), (name,))
        cleaned[name] = frame[~unknown].reset_index(drop=True)
    adae = cleaned["adae"]
    bad_grade = ~adae["grade"].between(1, 5).fillna(False).astype(bool)
    issues.add("adae", adae, bad_grade, "grade", _("CTCAE grade must be 1-5 (got {value}): left out"), ("adae",))
    cleaned["adae"] = adae[~bad_grade].reset_index(drop=True)
    if len(log):
        dup = log["screening_id"].duplicated()
        issues.add("screening_log", log, dup, "screening_id", _("screening listed twice: left out"), ("consort",))
        log = log[~dup].reset_index(drop=True)
        missing = ~adsl["subject_id"].isin(set(log["subject_id"].dropna()))
        issues.add("adsl", adsl, missing, "subject_id", _("enrolled subject has no screening: not in the screening "
                   "counts of CONSORT"), ("consort",))  # fmt: skip
        ineligible = log["subject_id"].notna() & ~log["eligible"]
        issues.add("screening_log", log, ineligible, "eligible", _("enrolled although not eligible"), ())
    return adsl, cleaned, log


# --- cut-off and derivations -------------------------------------------------------------------------


def _response_at_cutoff(adsl: pd.DataFrame, adrs: pd.DataFrame, subjects: set[str], protocol: Protocol) -> None:
    """Best overall response, confirmation and best percent change of ``subjects`` from their assessments
    up to the cut-off (RECIST 1.1 Table 3, by :func:`haictrial.clinical.recist.best_overall_response`)."""
    settings = protocol.settings
    rows = adrs[adrs["subject_id"].isin(subjects)].sort_values("assessment_date")
    for subject_id, group in rows.groupby("subject_id", sort=False):
        where = adsl.index[adsl["subject_id"] == subject_id]
        base, after = group[group["baseline"]], group[~group["baseline"]]
        after = after[after["overall_response"].notna()]
        if base.empty or after.empty:
            adsl.loc[where, ["best_overall_response", "best_percent_change", "response_confirmed"]] = pd.NA
            continue
        points = [
            (d.date(), Response(r)) for d, r in zip(after["assessment_date"], after["overall_response"], strict=True)
        ]
        best = best_overall_response(
            base["assessment_date"].iloc[0].date(),
            points,
            settings.recist_confirmation_days.value,
            settings.recist_min_sd_days.value,
        )
        adsl.loc[where, "best_overall_response"] = best.response.value
        adsl.loc[where, "response_confirmed"] = best.confirmed
        # the waterfall value: over every assessment with a sum, as evaluate_recist's best_percent_change
        adsl.loc[where, "best_percent_change"] = group.loc[~group["baseline"], "percent_change"].min()
    for subject_id in subjects - set(rows["subject_id"]):
        where = adsl.index[adsl["subject_id"] == subject_id]
        adsl.loc[where, ["best_overall_response", "best_percent_change", "response_confirmed"]] = pd.NA


def _apply_cutoff(ds: AnalysisDatasets, cutoff: pd.Timestamp, protocol: Protocol) -> AnalysisDatasets:
    adsl = ds.adsl[ds.adsl["enrolment_date"] <= cutoff].copy()
    for name in _ADSL_DATES:
        adsl.loc[adsl[name] > cutoff, name] = pd.NaT
    adsl.loc[adsl["resection_date"].isna(), "resection_margin"] = pd.NA
    adsl.loc[adsl["death_date"].isna() & (adsl["off_study_reason"] == "death"), "off_study_reason"] = pd.NA
    adsl["last_contact_date"] = adsl["last_contact_date"].where(adsl["last_contact_date"] <= cutoff, cutoff)
    keep = set(adsl["subject_id"])
    log = ds.screening_log[ds.screening_log["screening_date"] <= cutoff].copy()
    log.loc[~log["subject_id"].isin(keep), "subject_id"] = pd.NA

    def within(frame: pd.DataFrame, date_col: str) -> pd.DataFrame:
        return frame[frame["subject_id"].isin(keep) & (frame[date_col] <= cutoff)].reset_index(drop=True)

    adrs = within(ds.adrs, "assessment_date")
    later = ds.adrs["subject_id"].isin(keep) & (ds.adrs["assessment_date"] > cutoff)
    if later.any():  # responses confirmed (or assessed) after the cut-off do not count yet
        _response_at_cutoff(adsl, adrs, set(ds.adrs.loc[later, "subject_id"]), protocol)
    return replace(
        ds,
        adsl=adsl.reset_index(drop=True),
        adrs=adrs,
        adae=within(ds.adae, "onset_date"),
        adex=within(ds.adex, "cycle_date"),
        screening_log=log.reset_index(drop=True),
    )


def _derive_adsl(adsl: pd.DataFrame, adrs: pd.DataFrame, adex: pd.DataFrame) -> pd.DataFrame:
    adsl = adsl.copy()
    adsl["resected"] = adsl["resection_date"].notna()
    adsl["converted"] = (adsl["resection_margin"] == "R0").fillna(False).astype(bool)
    by_subject = adex.groupby("subject_id")["cycle_date"]
    counts = adex.groupby("subject_id").size()
    adsl["cycles_received"] = adsl["subject_id"].map(counts).fillna(0).astype("Int64")
    adsl["first_treatment_date"] = adsl["subject_id"].map(by_subject.min()).astype("datetime64[ns]")
    adsl["last_treatment_date"] = adsl["subject_id"].map(by_subject.max()).astype("datetime64[ns]")
    # last contact is at least every other date recorded for the subject
    last_assessment = adsl["subject_id"].map(adrs.groupby("subject_id")["assessment_date"].max())
    candidates = [adsl[c] for c in ("enrolment_date", *_ADSL_DATES, "last_contact_date", "last_treatment_date")]
    candidates.append(last_assessment.astype("datetime64[ns]"))
    adsl["last_contact_date"] = pd.concat(candidates, axis=1).max(axis=1)
    status = adsl["off_study_reason"].astype("object").where(adsl["off_study_reason"] != "death")
    status = status.where(status.notna(), "in_follow_up")
    status[adsl["death_date"].notna()] = "died"
    adsl["status"] = status.astype("string")
    # lenient: a required baseline value already named as a data issue stays missing
    return conform(ADSL, adsl, derived=True, issues=IssueLog(latest_date=pd.Timestamp.max))


def derive_adtte(adsl: pd.DataFrame, left_out: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """ADTTE from ADSL: OS and PFS from enrolment for every subject, RFS from an R0/R1 resection.

    OS: death from any cause. PFS: RECIST 1.1 progression, recurrence after resection or death, whichever
    first. RFS: recurrence or death after an R0/R1 resection. Subjects without the event are censored at
    their last contact (at most the cut-off). ``left_out``: per endpoint, the subjects whose dates for
    it are inconsistent (:mod:`haictrial.reports.data_issues`), left out of that endpoint only.
    """
    left_out = left_out or {}
    last = adsl["last_contact_date"]

    def endpoint(name: str, rows: pd.DataFrame, start: pd.Series, event_dates: list[pd.Series]) -> pd.DataFrame:
        first_event = pd.concat(event_dates, axis=1).min(axis=1)
        event = first_event.notna()
        end = first_event.where(event, last[rows.index])
        return pd.DataFrame(
            {
                "subject_id": rows["subject_id"],
                "endpoint": name,
                "start_date": start,
                "event_or_censor_date": end,
                "time_days": (end - start).dt.days,
                "event": event.astype(int),
            }
        )

    resected = adsl[adsl["resection_margin"].isin(["R0", "R1"])]
    parts = [
        endpoint("OS", adsl, adsl["enrolment_date"], [adsl["death_date"]]),
        endpoint(
            "PFS", adsl, adsl["enrolment_date"], [adsl["progression_date"], adsl["recurrence_date"], adsl["death_date"]]
        ),
        endpoint("RFS", resected, resected["resection_date"], [resected["recurrence_date"], resected["death_date"]]),
    ]
    parts = [p[~p["subject_id"].isin(left_out.get(str(p["endpoint"].iloc[0]), set()))] for p in parts if len(p)]
    out = pd.concat([p for p in parts if len(p)] or [empty(ADTTE)], ignore_index=True)
    return conform(ADTTE, out, derived=True)


def prepare(
    ds: AnalysisDatasets, protocol: Protocol, cutoff: dt.date | None = None, today: dt.date | None = None
) -> AnalysisDatasets:
    """Checked, cut-off and derived analysis data sets (see the module docstring).

    ``cutoff`` None: the data sets' own cut-off (``ds.cutoff``, e.g. a synthetic cohort's), else the
    last date in the data. ``today`` (default: the build date; or the data sets' own cut-off, or ``cutoff``,
    when later) is the latest date a record may hold.
    Records the analysis cannot use are listed in ``data_issues`` (:mod:`haictrial.reports.data_issues`).
    """
    cutoff = cutoff or ds.cutoff
    # a record dated after the build date is impossible, unless the data sets bring their own later cut-off
    # (a synthetic cohort simulated into the future): then that is their "today"
    latest = max(d for d in (today or dt.date.today(), ds.cutoff, cutoff) if d is not None)
    issues = IssueLog(latest_date=pd.Timestamp(latest))
    adsl = conform(ADSL, ds.adsl, issues=issues)
    adrs = conform(ADRS, ds.adrs, issues=issues)
    adae = conform(ADAE, ds.adae, issues=issues)
    adex = conform(ADEX, ds.adex, issues=issues)
    log = conform(SCREENING, ds.screening_log, issues=issues)
    adsl, others, log = _consistent(adsl, {"adrs": adrs, "adae": adae, "adex": adex}, log, issues)
    adrs, adae, adex = others["adrs"], others["adae"], others["adex"]
    ds = replace(ds, adsl=adsl, adrs=adrs, adae=adae, adex=adex, screening_log=log)
    if cutoff is None:
        dates = [adsl[c].max() for c in ("enrolment_date", "last_contact_date", *_ADSL_DATES)]
        dates += [log["screening_date"].max(), adrs["assessment_date"].max(), adae["onset_date"].max()]
        dates += [adex["cycle_date"].max()]  # so that no record is cut off by a default cut-off
        known = [d for d in dates if not pd.isna(d)]
        cutoff = max(known).date() if known else dt.date.today()
    ds = _apply_cutoff(ds, pd.Timestamp(cutoff), protocol)
    adsl = _derive_adsl(ds.adsl, ds.adrs, ds.adex)
    enrol = ds.adrs["subject_id"].map(adsl.set_index("subject_id")["enrolment_date"])
    adrs = ds.adrs.assign(study_day=(ds.adrs["assessment_date"] - enrol).dt.days)
    adex = ds.adex.assign(delayed=ds.adex["delay_days"] > protocol.schedule.haic_window_days)
    return replace(
        ds,
        adsl=adsl,
        adrs=conform(ADRS, adrs, derived=True),
        adex=conform(ADEX, adex, derived=True),
        adtte=derive_adtte(adsl, issues.left_out_of_endpoint),
        cutoff=cutoff,
        data_issues=[*ds.data_issues, *issues.as_list()],
    )


# --- writing ---------------------------------------------------------------------------------------------


def _for_csv(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.strftime("%Y-%m-%d")
    return out


def _for_parquet(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.date
    return out


def write_datasets(ds: AnalysisDatasets, directory: Path) -> dict[str, list[Path]]:
    """Each data set as CSV and Parquet, and the data dictionary as CSV and Markdown, in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    for name, frame in ds.frames().items():
        csv, parquet = directory / f"{name}.csv", directory / f"{name}.parquet"
        _for_csv(frame).to_csv(csv, index=False)
        _for_parquet(frame).to_parquet(parquet, index=False)
        written[name] = [csv, parquet]
    pd.DataFrame(dictionary_rows()).to_csv(directory / "data_dictionary.csv", index=False)
    (directory / "data_dictionary.md").write_text(dictionary_markdown(), encoding="utf-8")
    written["data_dictionary"] = [directory / "data_dictionary.csv", directory / "data_dictionary.md"]
    return written


__all__ = ["AnalysisDatasets", "conform", "derive_adtte", "empty", "prepare", "write_datasets"]
