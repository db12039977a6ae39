"""Write ``results.json`` (the ClinicalTrials.gov v2 ``resultsSection``) from analysis data sets.

The data sets come from the EDC database or a synthetic cohort, as for ``haictrial report``; they are
prepared and analysed by the report's own functions, then mapped by :mod:`haictrial.interop.ctgov.results`
and checked by :mod:`haictrial.interop.ctgov.validate`. Nothing identifying leaves: the document holds
counts and summaries only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haictrial.interop.ctgov.results import results_section
from haictrial.interop.ctgov.validate import validate_results_section
from haictrial.protocol.schema import Protocol
from haictrial.reports.datasets import AnalysisDatasets, prepare
from haictrial.reports.results import compute_results


@dataclass
class CtgovExport:
    """What :func:`export_ctgov` wrote and the problems its checks found (empty when valid)."""

    document: dict[str, Any]
    files: list[dict[str, Any]]
    problems: list[str]


def build_results_section(
    datasets: AnalysisDatasets, protocol: Protocol, cutoff: dt.date | None = None
) -> dict[str, Any]:
    """The ``resultsSection`` of ``datasets`` (as the report adapters return them)."""
    ds = prepare(datasets, protocol, cutoff)
    results = compute_results(ds, protocol)
    return results_section(results.data, ds.adsl, ds.adae, protocol)


def export_ctgov(
    datasets: AnalysisDatasets, out_dir: Path | str, protocol: Protocol, cutoff: dt.date | None = None
) -> CtgovExport:
    """Write ``out_dir/results.json`` and check it."""
    document = build_results_section(datasets, protocol, cutoff)
    problems = validate_results_section(document)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    payload = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    path.write_bytes(payload)
    files = [{"path": str(path), "rows": None, "sha256": hashlib.sha256(payload).hexdigest()}]
    return CtgovExport(document=document, files=files, problems=problems)
