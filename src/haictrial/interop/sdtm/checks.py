"""The package's own validation: pointblank's SDTMIG 3.4 rules, our oncology checks and the row counts.

- :func:`conformance`: pointblank ``validate_sdtmig`` (its SDTMIG 3.4 rule catalogue and SDTM CT
  2024-09-27 ship in the wheel); Error-level failures other than the documented exceptions
  (:data:`DOCUMENTED_EXCEPTIONS`, each explained in docs/sdtm-conformance.md) are problems.
- :func:`oncology_problems`: RECIST 1.1 links (every TR ``TRLNKID`` is a TU lesion of the subject; every
  subject with RS has TU rows), exactly one ``OVRLRESP`` per subject and visit, ``AETOXGR`` and
  ``LBTOXGR`` in 1-5 (0-4 for a lab: 0 = within range), pointblank having no rules for TU/TR/RS.
- :func:`count_problems`: DM rows = enrolled subjects, AE rows = adverse-event records, EX rows =
  administrations given (docs/contracts/interop.md).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from haictrial.interop.sdtm.build import Package

#: Error-level pointblank rules that fail on this trial's package by design (docs/sdtm-conformance.md).
DOCUMENTED_EXCEPTIONS: dict[str, str] = {}


def conformance(package: Package) -> tuple[list[dict[str, Any]], list[str]]:
    """pointblank's rules that failed or could not run (any sensitivity), and the problems: Error-level
    ones other than :data:`DOCUMENTED_EXCEPTIONS`."""
    import pointblank as pb
    import polars as pl

    datasets = {
        name: pl.from_pandas(frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}))
        for name, frame in package.frames.items()
    }
    report = pb.validate_sdtmig(datasets, version="3.4")
    failed = [
        {"rule_id": r.rule_id, "status": r.status, "sensitivity": r.sensitivity, "dataset": r.dataset,
         "message": r.message or r.description, "n_issues": r.n_issues}
        for r in report.rules()
        if r.status in ("fail", "error")
    ]  # fmt: skip
    problems = [
        f"pointblank {r['rule_id']} ({r['dataset']}): {r['message']}"
        for r in failed
        if str(r["sensitivity"]).lower() == "error" and r["rule_id"] not in DOCUMENTED_EXCEPTIONS
    ]
    return failed, problems


def oncology_problems(frames: dict[str, pd.DataFrame]) -> list[str]:
    problems: list[str] = []
    tu, tr, rs = frames["TU"], frames["TR"], frames["RS"]
    lesions = set(zip(tu["USUBJID"], tu["TULNKID"], strict=True))
    linked = tr[tr["TRLNKID"].notna()]
    orphans = [(u, k) for u, k in zip(linked["USUBJID"], linked["TRLNKID"], strict=True) if (u, k) not in lesions]
    if orphans:
        problems.append(
            f"TR: {len(orphans)} measurement(s) of a lesion not in TU (first: {orphans[0][0]} {orphans[0][1]})"
        )
    without_tu = set(rs["USUBJID"]) - set(tu["USUBJID"])
    if without_tu:
        problems.append(
            f"RS: {len(without_tu)} subject(s) with responses and no TU lesions (first: {sorted(without_tu)[0]})"
        )
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    repeated = overall.duplicated(["USUBJID", "VISITNUM"], keep=False)
    if repeated.any():
        first = overall[repeated].iloc[0]
        problems.append(f"RS: more than one OVRLRESP at {first['USUBJID']} visit {first['VISITNUM']:g}")
    grades = frames["AE"]["AETOXGR"].dropna()
    bad = grades[~grades.isin([str(g) for g in range(1, 6)])]
    if len(bad):
        problems.append(f"AE.AETOXGR: {len(bad)} value(s) outside CTCAE grades 1-5 (first: {bad.iloc[0]!r})")
    lab = frames["LB"]["LBTOXGR"].dropna()
    bad = lab[~lab.isin([str(g) for g in range(0, 6)])]
    if len(bad):
        problems.append(f"LB.LBTOXGR: {len(bad)} value(s) outside CTCAE grades 0-5 (first: {bad.iloc[0]!r})")
    return problems


def count_problems(package: Package) -> list[str]:
    problems = []
    for domain, what in (("DM", "enrolled subjects"), ("AE", "adverse-event records"), ("EX", "administrations given")):
        expected = package.counts.get(domain)
        rows = len(package.frames[domain])
        if expected is not None and rows != expected:
            problems.append(f"{domain}: {rows} rows but the source has {expected} {what}")
    return problems
