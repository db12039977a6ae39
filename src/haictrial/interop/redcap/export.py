"""``haictrial export redcap``: write ``data_dictionary.csv`` and ``records.csv`` (contracts/interop.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haictrial.interop.odm.export import ExportResult, output_dir
from haictrial.protocol.schema import Protocol


def export_redcap(out: Path, protocol: Protocol, user: Any = None) -> ExportResult:
    """Both files from the EDC database (every site, de-identified); the dictionary checked by REDCap's rules."""
    from haictrial.interop.odm.ecrf import ecrf_forms
    from haictrial.interop.odm.source import read_database
    from haictrial.interop.redcap.dictionary import dictionary_csv, dictionary_problems, fields
    from haictrial.interop.redcap.records import export_columns, record_rows, records_csv

    directory = output_dir(out)
    snapshot = read_database(user)
    forms = ecrf_forms()
    dictionary = fields(forms)
    result = ExportResult()
    path = directory / "data_dictionary.csv"
    path.write_text(dictionary_csv(dictionary), encoding="utf-8")
    result.add(path, len(dictionary))
    rows = record_rows(snapshot, protocol, forms)
    path = directory / "records.csv"
    path.write_text(records_csv(rows, export_columns(dictionary)), encoding="utf-8")
    result.add(path, len(rows))
    result.problems.extend(dictionary_problems(dictionary))
    return result
