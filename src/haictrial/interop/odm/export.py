"""``haictrial export odm``: write ``odm.xml`` (CDISC ODM 1.3.2) and check it against odmlib's shipped schema.

Also the shape every export of interop.md prints: ``{"files": [{"path", "rows", "sha256"}], "problems": [...]}``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol


@dataclass
class ExportResult:
    files: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, path: Path, rows: int | None) -> None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.files.append({"path": str(path), "rows": rows, "sha256": digest})

    def contract(self) -> dict[str, Any]:
        return {"files": self.files, "problems": self.problems}


def output_dir(out: Path) -> Path:
    """``--out`` created if needed; InputError naming ``--out`` when it cannot be a directory."""
    if out.exists() and not out.is_dir():
        raise InputError(f"exists and is not a directory: {out}", field="--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out}: {exc.strerror}", field="--out") from None
    return out


def export_odm(out: Path, protocol: Protocol, user: Any = None, from_synth: Path | None = None) -> ExportResult:
    """Write ``out/odm.xml`` from the EDC database (every site, de-identified unless ``user`` may see more), or from the
    synthetic cohort directory ``from_synth``."""
    if from_synth is not None:
        from haictrial.edc import setup

        setup()  # the eCRF catalogue and its labels are the EDC's (Django settings); no database is read
    from haictrial.interop.odm.source import read_database
    from haictrial.interop.odm.synth import read_synth

    directory = output_dir(out)
    snapshot = read_synth(from_synth, protocol) if from_synth is not None else read_database(user)
    from haictrial.interop.odm.document import build_odm, schema_problems, write_odm

    document = build_odm(snapshot, protocol)
    path = directory / "odm.xml"
    write_odm(document, path)
    result = ExportResult()
    result.add(path, sum(len(s.records) for s in snapshot.subjects))
    result.problems.extend(schema_problems(path))
    return result
