"""`haictrial export odm|redcap --from-synth DIR` (docs/contracts/interop.md): a synthetic cohort through the same
eCRF mapping as the demo database; odm.xml checked with odmlib's ODM 1.3.2 schema validator."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from odmlib.odm_parser import ODMSchemaValidator
from typer.testing import CliRunner

from haictrial import cli
from haictrial.cli import app
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("synth") / "cohort"
    cohort = generate_cohort(30, seed=4, start=dt.date(2023, 5, 1), verify=0)
    write_cohort(cohort, directory)
    return directory


def _enrolled(cohort_dir: Path) -> set[str]:
    from haictrial.interop.sdtm.source import read_cohort

    cohort = read_cohort(cohort_dir)
    return {
        c["subjects"][0]["subject_id"]
        for c in cohort.courses(batch=100)
        if c["subjects"][0]["enrolment_date"] and c["subjects"][0]["enrolment_date"] <= cohort.data_cutoff
    }


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    try:
        errors = result.stderr
    except ValueError:  # stderr mixed into the output
        errors = ""
    return result.exit_code, result.output + errors


def test_odm_from_synth_is_valid_odm_132_with_every_enrolled_subject(cohort_dir, tmp_path):
    code, output = _run("export", "odm", "--from-synth", str(cohort_dir), "--out", str(tmp_path), "--format", "json")
    assert code == 0, output
    document = json.loads(output)
    assert document["problems"] == [] and document["files"][0]["rows"] > 0
    validator = ODMSchemaValidator(standard="odm", version="1.3.2")  # odmlib's ODM 1.3.2 XSD, an outside validator
    validator.validate_file(str(tmp_path / "odm.xml"))
    text = (tmp_path / "odm.xml").read_text(encoding="utf-8")
    for subject_id in _enrolled(cohort_dir):
        assert f'SubjectKey="{subject_id}"' in text
    clinical = text[text.index("<ClinicalData") :]
    assert "<ItemData" in clinical and "birth_date" not in clinical  # no direct identifier in the data


def test_redcap_from_synth_records_are_the_enrolled_subjects(cohort_dir, tmp_path):
    code, output = _run("export", "redcap", "--from-synth", str(cohort_dir), "--out", str(tmp_path))
    assert code == 0, output
    with (tmp_path / "records.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["record_id"] for r in rows} == _enrolled(cohort_dir)
    assert not any(v for r in rows for k, v in r.items() if "birth" in k)
    with (tmp_path / "data_dictionary.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle))[0] == "Variable / Field Name"  # REDCap's first column


def test_a_missing_cohort_directory_exits_2_naming_the_option(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        sys, "argv", ["haictrial", "export", "odm", "--from-synth", str(tmp_path / "no"), "--out", str(tmp_path)]
    )
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and "--from-synth" in out + err and "Traceback" not in out + err
