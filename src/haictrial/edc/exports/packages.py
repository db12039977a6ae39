"""The four packages of docs/contracts/interop.md, written by the builders the command line uses
(called, not copied): each writes into its own folder and returns the contract's file entries and problems.

``reader`` is what the builders read the EDC as: None for every site, or a
:class:`~haictrial.edc.exports.scope.DeidentifiedReader` for some sites. Either way no direct identifier is
read: the ODM and REDCap builders keep the birth date only for a reader who may see identifiers, and
neither of those readers may.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haictrial.protocol.schema import Protocol


@dataclass
class Written:
    """What one package wrote: ``[{"path", "rows", "sha256"}]`` (absolute paths) and the problems found."""

    files: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def write_sdtm(out: Path, protocol: Protocol, reader: Any) -> Written:
    """SDTMIG 3.4 domains as XPT v5 and Dataset-JSON v1.1, define.xml (Define-XML 2.1) and define.html."""
    from haictrial.interop.sdtm.package import parse_formats, write_package
    from haictrial.interop.sdtm.source import from_database

    result = write_package(from_database(reader), protocol, out, parse_formats("xpt,json"))
    return Written(list(result["files"]), [str(p) for p in result["problems"]])


def write_odm(out: Path, protocol: Protocol, reader: Any) -> Written:
    """``odm.xml``: CDISC ODM 1.3.2 metadata and clinical data with audit records."""
    from haictrial.interop.odm.export import export_odm

    result = export_odm(out, protocol, user=reader)
    return Written(list(result.files), [str(p) for p in result.problems])


def write_redcap(out: Path, protocol: Protocol, reader: Any) -> Written:
    """``data_dictionary.csv`` (REDCap's 18 columns) and ``records.csv``."""
    from haictrial.interop.redcap.export import export_redcap

    result = export_redcap(out, protocol, user=reader)
    return Written(list(result.files), [str(p) for p in result.problems])


def write_ctgov(out: Path, protocol: Protocol, reader: Any) -> Written:
    """``results.json``: the ClinicalTrials.gov v2 ``resultsSection``."""
    from haictrial.interop.ctgov.export import export_ctgov
    from haictrial.reports.from_database import from_database

    result = export_ctgov(from_database(protocol, reader), out, protocol)
    return Written(list(result.files), [str(p) for p in result.problems])


#: kind -> its writer, in the order "all" writes them.
WRITERS: dict[str, Callable[[Path, Protocol, Any], Written]] = {
    "sdtm": write_sdtm,
    "odm": write_odm,
    "redcap": write_redcap,
    "ctgov": write_ctgov,
}
