"""The screening engine's verdict on a whole population at once, for scale.

:func:`haictrial.clinical.eligibility.screen` decides one patient at a time (about a millisecond each).
A million screened patients need the same verdicts as arrays: this module evaluates the sixteen
criteria over the population's columns with the engine's own thresholds (``protocol.eligibility``),
Child-Pugh bands (:mod:`haictrial.clinical.child_pugh`), completed-years age and calendar-month
look-back (:func:`~haictrial.clinical.eligibility.age_in_years`, ``months_before``) and tolerance for
unit-conversion rounding. It is checked against ``screen()`` criterion by criterion on samples
(tests/synth/test_screening.py) and on a sample of every generated cohort
(:func:`haictrial.synth.cohort.check_against_engines`).

References
----------
- NCT06988852 inclusion I1-I8, exclusion E1-E8; docs/contracts/screen.md; :mod:`haictrial.clinical.eligibility`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from haictrial.clinical.child_pugh import ALBUMIN_G_L, BILIRUBIN_UMOL_L, INR
from haictrial.clinical.eligibility import CRITERIA
from haictrial.protocol.schema import Protocol
from haictrial.synth.patients import CONDITIONS, PRIOR_SYSTEMIC, Population

PASS, FAIL, UNKNOWN = 0, 1, 2
STATUS_LABELS = ["pass", "fail", "unknown"]
CRITERION_IDS = [c.id for c in CRITERIA]


def _close(a: np.ndarray, b: float) -> np.ndarray:
    # math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), as the engine compares
    return np.abs(a - b) <= np.maximum(1e-9 * np.maximum(np.abs(a), abs(b)), 1e-12)


def _at_least(a: np.ndarray, limit: float) -> np.ndarray:
    return (a >= limit) | _close(a, limit)


def _at_most(a: np.ndarray, limit: float) -> np.ndarray:
    return (a <= limit) | _close(a, limit)


def _tri(fail: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Status codes: fail wins over unknown, unknown over pass."""
    return np.where(fail, FAIL, np.where(unknown, UNKNOWN, PASS)).astype(np.int8)


def _combine(*statuses: np.ndarray) -> np.ndarray:
    stacked = np.stack(statuses)
    fail = (stacked == FAIL).any(axis=0)
    unknown = (stacked == UNKNOWN).any(axis=0)
    return _tri(fail, unknown)


def _yes_no(values: np.ndarray, missing: np.ndarray, pass_when: bool) -> np.ndarray:
    return _tri(~missing & (values != pass_when), missing)


def _list_any(pop: Population, name: str) -> np.ndarray:
    lf = pop.lists[name]
    has = np.zeros(pop.n, dtype=bool)
    has[lf.owner] = True
    return _tri(has & ~pop.is_missing(name), pop.is_missing(name))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    day = (d - months).astype(np.int64) + 1
    return y, m, day


def age_years(birth_day: np.ndarray, on_day: np.ndarray) -> np.ndarray:
    """Completed years, as :func:`haictrial.clinical.eligibility.age_in_years`."""
    by, bm, bd = _ymd(birth_day)
    oy, om, od = _ymd(on_day)
    before = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before.astype(np.int64)


def months_before(days: np.ndarray, months: int) -> np.ndarray:
    """As :func:`haictrial.clinical.eligibility.months_before`: same day-of-month, clamped to month end."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]") - np.timedelta64(months, "M")
    month_start = month.astype("datetime64[D]")
    length = ((month + np.timedelta64(1, "M")).astype("datetime64[D]") - month_start).astype(np.int64)
    dom = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return month_start.astype(np.int64) + np.minimum(dom, length) - 1


def _band(values: np.ndarray, low: float, high: float, higher_is_worse: bool) -> np.ndarray:
    below = (values < low) & ~_close(values, low)
    above = (values > high) & ~_close(values, high)
    if higher_is_worse:
        return np.where(below, 1, np.where(above, 3, 2))
    return np.where(below, 3, np.where(above, 1, 2))


def child_pugh_scores(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """(score, missing any component) per patient, as :func:`haictrial.clinical.child_pugh.child_pugh`."""
    bili = pop.lab_si_reported("total_bilirubin")
    alb = pop.lab_si_reported("albumin")
    inr = pop.lab_si_reported("inr")
    score = (
        _band(bili, *BILIRUBIN_UMOL_L, higher_is_worse=True)
        + _band(alb, *ALBUMIN_G_L, higher_is_worse=False)
        + _band(inr, *INR, higher_is_worse=True)
        + pop.cols["ascites"].astype(np.int64)
        + 1
        + pop.cols["hepatic_encephalopathy"].astype(np.int64)
        + 1
    )
    missing = (
        pop.is_missing("labs.total_bilirubin")
        | pop.is_missing("labs.albumin")
        | pop.is_missing("labs.inr")
        | pop.is_missing("ascites")
        | pop.is_missing("hepatic_encephalopathy")
    )
    return score, missing


def screen_population(pop: Population, protocol: Protocol) -> tuple[np.ndarray, np.ndarray]:
    """(statuses, eligible): a (16, n) array of pass/fail/unknown codes in criterion order, and per patient
    1 eligible, 0 ineligible, -1 undecided (the engine's ``eligible`` True / False / None)."""
    th = protocol.eligibility.thresholds
    c, miss, n = pop.cols, pop.is_missing, pop.n
    out: dict[str, np.ndarray] = {}

    # I1 age
    no_age = miss("birth_date") | miss("screening_date")
    age = age_years(c["birth_day"], c["screening_day"])
    out["I1"] = _tri(~no_age & ((age < th.I1_age.min_years) | (age > th.I1_age.max_years)), no_age)
    out["I2"] = _yes_no(c["other_malignancy_history"], miss("other_malignancy_history"), False)
    passing = np.isin(
        c["prior_systemic_treatment"], [PRIOR_SYSTEMIC.index("progressed"), PRIOR_SYSTEMIC.index("refused")]
    )
    out["I3"] = _tri(~passing & ~miss("prior_systemic_treatment"), miss("prior_systemic_treatment"))
    out["I4"] = _yes_no(c["pathology_confirmed_crlm"], miss("pathology_confirmed_crlm"), True)
    # I5: any lesion >= the measurable size (every lesion has a size here; a null list is unknown)
    measurable = np.zeros(n, dtype=bool)
    les = pop.lesions
    ok = _at_least(pop.lesion_mm, th.I5_measurable_min_mm)
    measurable[les.owner[ok]] = True
    out["I5"] = _tri(~measurable & ~miss("liver_lesions"), miss("liver_lesions"))
    # I6
    org = th.I6_organ_function
    lvef = _tri(~miss("lvef_percent") & ~_at_least(c["lvef_percent"], org.lvef_min_percent), miss("lvef_percent"))
    fev = _tri(
        ~miss("fev1_fvc_percent") & ~_at_least(c["fev1_fvc_percent"], org.fev1_fvc_min_percent),
        miss("fev1_fvc_percent"),
    )
    ecog = _tri(~miss("ecog") & (c["ecog"] > org.ecog_max), miss("ecog"))
    out["I6"] = _combine(lvef, fev, ecog)
    # I7 Child-Pugh: unknown when any component is missing (the engine does not score a partial set)
    score, cp_missing = child_pugh_scores(pop)
    classes = np.where(score <= 6, "A", np.where(score <= 9, "B", "C"))
    out["I7"] = _tri(~cp_missing & ~np.isin(classes, th.I7_child_pugh_classes), cp_missing)
    # I8 labs
    parts = []
    for limit in th.I8_labs:
        name = limit.test.value
        value = pop.lab_si_reported(name)
        gone = miss(f"labs.{name}")
        bad = np.zeros(n, dtype=bool)
        low, high = limit.min_si(), limit.max_si()
        if low is not None:
            bad |= ~_at_least(value, low)
        if high is not None:
            bad |= ~_at_most(value, high)
        parts.append(_tri(bad & ~gone, gone))
    out["I8"] = _combine(*parts)
    out["E1"] = _yes_no(c["extrahepatic_metastasis"], miss("extrahepatic_metastasis"), False)
    out["E2"] = _list_any(pop, "unable_to_tolerate")
    out["E3"] = _list_any(pop, "allergies")
    out["E4"] = _yes_no(c["peritoneal_spread"], miss("peritoneal_spread"), False)
    # E5: recent-type condition on or after the cutoff, or an any-time condition
    hist = pop.lists["medical_history"]
    assert hist.days is not None
    recent = [CONDITIONS.index(x) for x in th.E5_recent_conditions]
    any_time = [CONDITIONS.index(x) for x in th.E5_any_time_conditions]
    cutoff = months_before(c["screening_day"], th.E5_recent_event_months)
    dated = ~miss("screening_date")[hist.owner]
    fail_item = np.isin(hist.codes, any_time) | (
        np.isin(hist.codes, recent) & dated & (hist.days >= cutoff[hist.owner])
    )
    e5_fail = np.zeros(n, dtype=bool)
    e5_fail[hist.owner[fail_item]] = True
    unknown_item = np.isin(hist.codes, recent) & miss("screening_date")[hist.owner] & ~fail_item
    e5_unknown = np.zeros(n, dtype=bool)
    e5_unknown[hist.owner[unknown_item]] = True
    out["E5"] = _tri(e5_fail & ~miss("medical_history"), e5_unknown | miss("medical_history"))
    out["E6"] = _yes_no(c["primary_completely_resectable"], miss("primary_tumor.completely_resectable"), True)
    out["E7"] = _list_any(pop, "prior_liver_directed_treatment")
    out["E8"] = _yes_no(c["data_complete"], miss("data_complete"), True)

    statuses = np.stack([out[cid] for cid in CRITERION_IDS])
    eligible = np.where((statuses == FAIL).any(axis=0), 0, np.where((statuses == UNKNOWN).any(axis=0), -1, 1)).astype(
        np.int8
    )
    return statuses, eligible


# --- screening.parquet: the flat pre-screening layout ----------------------------------------------

#: Verdict columns kept after the flat layout in ``screening.parquet`` (the analysis table's).
VERDICT_COLUMNS = ("eligible", *CRITERION_IDS, "screening_outcome", "failed_criteria", "enrolled")
_DUCKDB_TYPES = {"string": "VARCHAR", "date": "DATE", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN"}


def _structure() -> dict[str, object]:
    """The json_transform structure of a screen.md document (docs/contracts/screen.md)."""
    from haictrial.vocabulary.flat_layout import CODE_LISTS, OBJECT_LISTS, SCALARS

    out: dict[str, object] = {}
    for path, kind in SCALARS:
        *parents, last = path.split(".")
        target = out
        for name in parents:
            target = target.setdefault(name, {})  # type: ignore[assignment]
        target[last] = _DUCKDB_TYPES[kind]
    for name, parts in OBJECT_LISTS.items():
        out[name] = [{part: _DUCKDB_TYPES[kind] for part, kind in parts}]
    for name in CODE_LISTS:
        out[name] = ["VARCHAR"]
    return out


def flat_screening_table(lines: pa.ChunkedArray, analysis: pa.Table) -> pa.Table:
    """``screening.parquet``: the screen.md documents of ``screening.jsonl`` in the flat layout of
    docs/prescreen-columns.md (same patients, same values, faults included: DuckDB reads the JSON lines
    themselves), followed by the verdict columns of the analysis table."""
    import json

    import duckdb

    from haictrial.vocabulary.flat_layout import (
        LISTS,
        OBJECT_LISTS,
        SCALARS,
        column,
        count_column,
        item_column,
    )

    con = duckdb.connect()
    try:
        con.register("documents", pa.table({"line": lines}))
        structure = json.dumps(_structure()).replace("'", "''")
        con.execute(f"CREATE TEMP TABLE d AS SELECT json_transform(line, '{structure}') AS d FROM documents")
        lengths = con.execute("SELECT " + ", ".join(f"coalesce(max(len(d.{n})), 0)" for n in LISTS) + " FROM d")
        row = lengths.fetchone()
        assert row is not None
        entries = dict(zip(LISTS, row, strict=True))
        select = [f"d.{path} AS {column(path)}" for path, _ in SCALARS]
        for name in LISTS:
            select.append(f"len(d.{name}) AS {count_column(name)}")
            for i in range(int(entries[name])):
                if name in OBJECT_LISTS:
                    select += [
                        f"d.{name}[{i + 1}].{part} AS {item_column(name, i, part)}" for part, _ in OBJECT_LISTS[name]
                    ]
                else:
                    select.append(f"d.{name}[{i + 1}] AS {item_column(name, i)}")
        flat = con.execute("SELECT " + ", ".join(select) + " FROM d").to_arrow_table()
    finally:
        con.close()
    if not flat["subject_id"].equals(analysis["subject_id"].cast(pa.string())):
        raise RuntimeError("screening.jsonl and the screening table list different patients")
    for name in VERDICT_COLUMNS:
        flat = flat.append_column(name, analysis[name])
    return flat
