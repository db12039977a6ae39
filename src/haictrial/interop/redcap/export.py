"""``haictrial export redcap``: write ``data_dictionary.csv`` and ``records.csv`` (docs/contracts/interop.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haictrial.interop.odm.export import ExportResult, output_dir
from haictrial.protocol.schema import Protocol


def export_redcap(out: Path, protocol: Protocol, user: Any = None, from_synth: Path | None = None) -> ExportResult:
    """Both files from the EDC database (every site, de-identified) or the synthetic cohort directory
    ``from_synth``; the dictionary checked by REDCap's rules."""
    if from_synth is not None:
        from haictrial.edc import setup

        setup()  # the eCRF catalogue and its labels are the EDC's (Django settings); no database is read
    from haictrial.interop.odm.source import read_database
    from haictrial.interop.odm.synth import read_synth

    directory = output_dir(out)
    snapshot = read_synth(from_synth, protocol) if from_synth is not None else read_database(user)
    from haictrial.interop.odm.ecrf import ecrf_forms
    from haictrial.interop.redcap.dictionary import dictionary_csv, dictionary_problems, fields
    from haictrial.interop.redcap.records import export_columns, record_rows, records_csv

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
