"""Write and validate the SDTM package: the one call the CLI and the web job make.

:func:`write_package` builds the domains (:func:`haictrial.interop.sdtm.build.build_domains`), writes
each as XPT v5 and/or Dataset-JSON v1.1, writes define.xml (validated against the Define-XML 2.1
schema) and define.html, runs pointblank's SDTMIG 3.4 rules and our own checks, and returns the
contract's ``{"files": [...], "problems": [...]}`` (docs/contracts/interop.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from haictrial import __version__
from haictrial.errors import InputError
from haictrial.interop.sdtm import checks, files
from haictrial.interop.sdtm.build import Package, build_domains
from haictrial.interop.sdtm.define import MDV_OID, STUDY_OID, build_define, schema_problems, write_define, write_html
from haictrial.interop.sdtm.source import StudySource
from haictrial.protocol.schema import Protocol

FORMATS = ("xpt", "json")


def parse_formats(text: str) -> list[str]:
    """``--format-out`` (comma-separated xpt, json) as a list; InputError naming the option otherwise."""
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in FORMATS]
    if unknown or not chosen:
        raise InputError(f"choose xpt, json or both (got {text!r})", field="--format-out")
    return list(dict.fromkeys(chosen))


def prepare_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(f"exists and is not a directory: {out}", field="--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out}: {exc.strerror or exc}", field="--out") from None
    return out


def write_package(
    study: StudySource, protocol: Protocol, out: Path, formats: list[str], created: dt.datetime | None = None
) -> dict[str, Any]:
    """Write the package of ``study`` into ``out``; the contract document plus ``conformance`` and ``notes``."""
    out = prepare_out(out)
    created = created or dt.datetime.now(dt.UTC)
    package = build_domains(study, protocol)
    problems = list(package.problems)
    written: list[dict[str, Any]] = []
    meta = {"study_oid": STUDY_OID, "mdv_oid": MDV_OID, "originator": "haictrial", "version": __version__}
    for name, frame in package.frames.items():
        spec = package.specs[name]
        if "xpt" in formats:
            misfits = files.xpt_problems(name, spec, frame)
            if misfits:
                problems += misfits
            else:
                path = out / f"{name.lower()}.xpt"
                files.write_xpt(path, name, spec, frame)
                written.append(files.file_entry(path, len(frame)))
        if "json" in formats:
            path = out / f"{name.lower()}.json"
            files.write_dataset_json(path, name, spec, frame, meta)
            written.append(files.file_entry(path, len(frame)))
    define_xml = out / "define.xml"
    write_define(build_define(package, protocol, created, formats), define_xml)
    problems += schema_problems(define_xml)
    written.append(files.file_entry(define_xml, None))
    define_html = out / "define.html"
    write_html(define_xml, define_html)
    if define_html.is_file():
        written.append(files.file_entry(define_html, None))
    else:
        problems.append("define.html: the Define-XML 2.1 style sheet produced no output")
    failed, conformance = checks.conformance(package)
    problems += conformance
    problems += checks.oncology_problems(package.frames)
    problems += checks.count_problems(package)
    return {
        "files": written,
        "problems": problems,
        "conformance": {"failed_rules": failed, "documented_exceptions": sorted(checks.DOCUMENTED_EXCEPTIONS)},
        "counts": {name: len(frame) for name, frame in package.frames.items()},
        "source": package.source,
        "notes": package.notes,
    }


__all__ = ["FORMATS", "Package", "parse_formats", "write_package"]
