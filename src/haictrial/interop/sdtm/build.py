"""The SDTM domains of a study as data frames: :func:`build_domains` (pure; no file I/O).

Each domain has the variables of :data:`haictrial.interop.sdtm.metadata.DOMAINS` in that order;
``--SEQ`` numbers each subject's records from 1 in the domain's sort order; values without an SDTM
variable go to SUPP-- (SDTMIG 3.4 section 8.4: ``IDVAR`` ``--SEQ``, ``QORIG`` CRF or DERIVED).
Integer variables are pandas ``Int64``, other numbers ``float64``, text ``object`` (None = null).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from haictrial.interop.sdtm import design, events, findings
from haictrial.interop.sdtm.metadata import DOMAINS, DomainSpec, supp_spec
from haictrial.interop.sdtm.source import StudySource
from haictrial.protocol.schema import Protocol

#: Whole-number variables (Dataset-JSON dataType integer; XPT numeric).
INTEGER_SUFFIXES = ("SEQ", "DY")
INTEGERS = {"AGE", "TAETORD", "TSSEQ"}
FLOATS = {"VISITNUM", "EXDOSE"}
FLOAT_SUFFIXES = ("STRESN", "STNRLO", "STNRHI")
#: SUPP-- qualifiers that are derived rather than collected.
DERIVED_QNAMS = {"LBTOX", "PRMARGIN"}


def kind(variable: str) -> str:
    """``integer``, ``float`` or ``string``: the variable's data type."""
    if variable in INTEGERS or (variable.endswith(INTEGER_SUFFIXES) and variable not in ("TSVCDVER",)):
        return "integer"
    if variable in FLOATS or variable[2:] in FLOAT_SUFFIXES:
        return "float"
    return "string"


@dataclass
class Package:
    """The domains (name -> frame), their metadata and what went wrong deriving them."""

    frames: dict[str, pd.DataFrame]
    specs: dict[str, DomainSpec]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def _frame(spec: DomainSpec, rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows], columns=list(spec.variables)
    )
    for name in spec.variables:
        data_kind = kind(name)
        if data_kind == "integer":
            frame[name] = pd.array(frame[name].tolist(), dtype="Int64") if len(frame) else pd.Series([], dtype="Int64")
        elif data_kind == "float":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        else:
            frame[name] = frame[name].astype("object").where(frame[name].notna(), None)
    return frame


def _sequence(domain: str, rows: list[dict[str, Any]], supp: list[dict[str, Any]]) -> None:
    """Number each subject's rows (already in order) and collect the SUPP-- rows of each."""
    seq_name = f"{domain}SEQ"
    counters: dict[str, int] = {}
    for row in rows:
        if seq_name in DOMAINS[domain].variables and "USUBJID" in row:
            counters[row["USUBJID"]] = counters.get(row["USUBJID"], 0) + 1
            row[seq_name] = counters[row["USUBJID"]]
        for qnam, qlabel, value in row.get("_SUPP", []):
            if value is None or "USUBJID" not in row:
                continue
            keyed = seq_name in DOMAINS[domain].variables
            supp.append(
                {"STUDYID": row["STUDYID"], "RDOMAIN": domain, "USUBJID": row["USUBJID"],
                 "IDVAR": seq_name if keyed else None, "IDVARVAL": str(row[seq_name]) if keyed else None,
                 "QNAM": qnam, "QLABEL": qlabel, "QVAL": str(value),
                 "QORIG": "DERIVED" if qnam in DERIVED_QNAMS else "CRF", "QEVAL": None}
            )  # fmt: skip


def build_domains(study: StudySource, protocol: Protocol) -> Package:
    """Every domain of the package from ``study`` and the protocol (see the module docstring)."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in DOMAINS}
    problems: list[str] = []
    arm = design.arm(protocol)
    for source in study.subjects:
        given = events.exposure_dates(source)
        reference, last = (given[0], given[-1]) if given else (None, None)
        rows["DM"].append(events.dm(source, protocol, arm))
        rows["DS"] += events.ds(source, protocol, reference)
        rows["SV"] += events.sv(source, protocol, reference)
        rows["EX"] += events.ex(source, protocol, reference)
        rows["AE"] += events.ae(source, protocol, reference, last)
        rows["MH"] += events.mh(source, protocol, reference)
        rows["CM"] += events.cm(source, protocol, reference)
        rows["PR"] += events.pr(source, protocol, reference)
        rows["LB"] += findings.lb(source, protocol, reference, problems)
        rows["VS"] += findings.vs(source, protocol, reference)
        tu, tr, rs = findings.oncology(source, protocol, reference, problems)
        rows["TU"] += tu
        rows["TR"] += tr
        rows["RS"] += rs
    rows["TS"] = design.ts(protocol)
    rows["TA"] = design.ta(protocol)
    rows["TE"] = design.te(protocol)
    rows["TV"] = design.tv(protocol)
    rows["TI"] = design.ti(protocol)
    frames: dict[str, pd.DataFrame] = {}
    specs: dict[str, DomainSpec] = {}
    for name, spec in DOMAINS.items():
        supp: list[dict[str, Any]] = []
        _sequence(name, rows[name], supp)
        frames[name] = _frame(spec, rows[name])
        specs[name] = spec
        if supp:
            specs[f"SUPP{name}"] = supp_spec(name)
            frames[f"SUPP{name}"] = _frame(specs[f"SUPP{name}"], supp)
    return Package(frames, specs, problems, list(study.notes), study.source, dict(study.counts))
