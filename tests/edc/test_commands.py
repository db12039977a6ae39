"""``haictrial demo``, ``backup``, ``restore`` and ``audit verify`` (docs/contracts/server.md), run as real
commands on one demo database (each command is a subprocess: they are few, to keep the suite fast)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from haictrial.edc.accounts.services import create_site
from haictrial.edc.backup import restore
from haictrial.edc.demo import load_demo
from haictrial.errors import ConflictError, InputError

from .cli import run_cli


def _query(path: Path, sql: str) -> list[tuple]:
    database = sqlite3.connect(path / "haictrial.sqlite3")
    try:
        with database:
            return database.execute(sql).fetchall()
    finally:
        database.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    done = run_cli(["demo", "--subjects", "12", "--seed", "3"], data)
    assert done.returncode == 0, done.stderr
    return data, done


def test_demo_fills_an_empty_database_with_a_labelled_cohort(demo):
    data, done = demo
    for role in ("investigator", "coordinator", "monitor", "statistician", "admin"):
        assert role in done.stdout
    assert "DEMO" in done.stdout
    assert _query(data, "select count(*) from subjects_subject") == [(12,)]
    assert _query(data, "select count(*) from subjects_screening")[0][0] >= 12
    names = [row[0] for row in _query(data, "select name from accounts_site")]
    assert len(names) == 2 and all(name.startswith("[DEMO]") for name in names)
    assert all(row[0].startswith("DEMO ") for row in _query(data, "select full_name from subjects_identifiers"))
    assert (data / "demo-logins.txt").stat().st_mode & 0o077 == 0
    skipped = run_cli(["demo", "--if-empty"], data)
    assert skipped.returncode == 0 and "skipped" in skipped.stdout and "demo-statistician" in skipped.stdout


def test_demo_refuses_a_database_with_data(db):
    create_site("001", "Real site")
    with pytest.raises(ConflictError):
        load_demo(subjects=2)


def test_backup_restore_and_audit_verify(demo, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo[0], data)
    backup = tmp_path / "backup.sqlite3"
    done = run_cli(["backup", str(backup)], data)
    assert done.returncode == 0, done.stderr
    assert backup.read_bytes()[:16] == b"SQLite format 3\x00"
    _query(data, "insert into accounts_site (code, name, created_at) values ('003', 'after the backup', '2026-01-01')")
    _query(data, "update audit_auditentry set username = 'mallory' where seq = 4")
    broken = run_cli(["audit", "verify"], data)
    assert broken.returncode == 1
    assert "entry 4" in broken.stderr and "Traceback" not in broken.stderr
    restored = run_cli(["restore", str(backup)], data)
    assert restored.returncode == 0, restored.stderr
    assert _query(data, "select count(*) from accounts_site") == [(2,)]
    assert _query(data, "select count(*) from subjects_subject") == [(12,)]
    intact = run_cli(["audit", "verify"], data)
    assert intact.returncode == 0 and "intact" in intact.stdout


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    for path in (bogus, tmp_path / "absent.sqlite3"):
        with pytest.raises(InputError) as error:
            restore(path)
        assert error.value.field == "FILE"
