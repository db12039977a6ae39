"""The written data set: byte-identical for the same seed (every file, Parquet included), a manifest that
describes it, and no write outside --out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

import pyarrow.parquet as pq
import pytest

from haictrial.errors import InputError
from haictrial.synth.cohort import TABLE_NAMES, generate_cohort
from haictrial.synth.screening import flat_screening_table
from haictrial.synth.writer import cohort_files, write_cohort


def _digests(directory):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_the_same_seed_gives_byte_identical_files(tmp_path, protocol):
    first = generate_cohort(1500, 99, dt.date(2023, 5, 1), 0.2, protocol)
    second = generate_cohort(1500, 99, dt.date(2023, 5, 1), 0.2, protocol)
    write_cohort(first, tmp_path / "a")
    write_cohort(second, tmp_path / "b")
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert sorted(a) == sorted(cohort_files())
    assert a == b
    other = generate_cohort(1500, 100, dt.date(2023, 5, 1), 0.2, protocol)
    write_cohort(other, tmp_path / "c")
    assert _digests(tmp_path / "c")["screening.jsonl"] != a["screening.jsonl"]


def test_the_manifest_lists_every_file_with_rows_and_sha256(tmp_path, cohort):
    manifest = write_cohort(cohort, tmp_path / "out")
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["seed"] == 11 and manifest["subjects_screened"] == 3000 and manifest["start"] == "2023-05-01"
    assert manifest["faults"] == 0.0 and manifest["protocol_version"] == "1.0" and manifest["generator_version"]
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(cohort_files()) - {"manifest.json"}
    for name, entry in listed.items():
        data = (tmp_path / "out" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
        if name.endswith(".jsonl"):
            assert data.count(b"\n") == entry["rows"]
        else:
            assert pq.read_metadata(tmp_path / "out" / name).num_rows == entry["rows"]
    assert listed["screening.jsonl"]["rows"] == 3000
    assert listed["subjects.parquet"]["rows"] == listed["recist.jsonl"]["rows"] == cohort.enrolled


def test_parquet_tables_read_back_as_written(tmp_path, cohort):
    write_cohort(cohort, tmp_path / "out")
    for name in TABLE_NAMES:
        table = pq.read_table(tmp_path / "out" / f"{name}.parquet")
        expected = cohort.arrow_tables[name]
        if name == "screening":  # written in the flat pre-screening layout (docs/prescreen-columns.md)
            expected = flat_screening_table(cohort.screening_lines, expected)
        assert table.equals(expected.replace_schema_metadata(None)), name


def test_it_refuses_a_non_empty_directory_unless_overwrite(tmp_path, cohort):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InputError) as err:
        write_cohort(cohort, out)
    assert err.value.field == "out"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    write_cohort(cohort, out, overwrite=True)
    assert (out / "notes.txt").read_text() == "keep me"
    assert (out / "manifest.json").is_file()


def test_it_refuses_a_file_as_out(tmp_path, cohort):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(InputError):
        write_cohort(cohort, target)


def test_it_never_writes_outside_out(tmp_path, cohort):
    # A symbolic link inside --out that points outside is replaced, never followed.
    outside = tmp_path / "outside.jsonl"
    outside.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(outside, out / "screening.jsonl")
    before = sorted(p.name for p in tmp_path.iterdir())
    write_cohort(cohort, out, overwrite=True)
    assert outside.read_text() == "precious"
    assert not (out / "screening.jsonl").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files left"
