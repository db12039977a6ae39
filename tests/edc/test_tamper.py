"""Tampering with the database behind the application's back: ``haictrial audit verify`` exits 1 and
names what it found, for each edit made straight through SQLite and through psql on the throwaway
PostgreSQL; the untouched database verifies.

References: 21 CFR Part 11 section 11.10(e) (audit trails that do not obscure recorded information);
RFC 2104 (HMAC); ICH E6(R3) 4.2 (data integrity, ALCOA+).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from haictrial.edc.audit.chain import HASHED_FIELDS, canonical_json, json_value

from .cli import cli_env

PG_URL = os.environ.get("HAICTRIAL_TEST_POSTGRES_URL")
PSQL = "/usr/lib/postgresql/15/bin/psql"
ANCHOR_EVERY = "10"
GENESIS = "0" * 64


def _cli(args: list[str], data_dir: Path, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = cli_env(data_dir, database_url)
    env["HAICTRIAL_AUDIT_ANCHOR_EVERY"] = ANCHOR_EVERY
    env.pop("HAICTRIAL_AUDIT_ANCHOR_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _last_anchor_seq(data_dir: Path) -> int:
    lines = (data_dir / "audit-anchors.jsonl").read_text(encoding="utf-8").splitlines()
    return json.loads(lines[-1])["seq"]


class Database:
    """Plain DB-API access to one copy of the demo database (no Django, no application code)."""

    def __init__(self, run: Callable[[str], None], query: Callable[[str], list[tuple[Any, ...]]]) -> None:
        self.run = run
        self.query = query


def _rehash_without_key(db: Database) -> None:
    """What the old, keyless chain allowed: recompute every hash as sha256(prev_hash + canonical JSON)."""
    names = [n for n in HASHED_FIELDS if n != "prev_hash"]
    rows = db.query(f"SELECT {', '.join(names)}, id FROM audit_auditentry ORDER BY seq")
    previous = GENESIS
    for row in rows:
        document = dict(zip(names, row[:-1], strict=True))
        for key in ("old_values", "new_values"):
            if isinstance(document[key], str):
                document[key] = json.loads(document[key])
        if isinstance(document["recorded_at"], str):
            document["recorded_at"] = dt.datetime.fromisoformat(document["recorded_at"])
        document["identifiers"] = bool(document["identifiers"])
        document["prev_hash"] = previous
        text = previous + canonical_json({k: json_value(v) for k, v in document.items()})
        digest = hashlib.sha256(text.encode()).hexdigest()
        db.run(f"UPDATE audit_auditentry SET prev_hash = '{previous}', hash = '{digest}' WHERE id = {row[-1]}")
        previous = digest
    db.run(f"UPDATE audit_chainhead SET last_hash = '{previous}'")


def _truncate_tail(db: Database, anchored: int) -> None:
    """Delete the entries from the last anchored one on, and move the chain head back to match."""
    before = anchored - 1
    (sealed,) = db.query(f"SELECT hash FROM audit_auditentry WHERE seq = {before}")[0]
    db.run(f"DELETE FROM audit_auditentry WHERE seq >= {anchored}")
    db.run(f"UPDATE audit_chainhead SET last_seq = {before}, last_hash = '{sealed}'")


def _first(table: str, column: str = "id") -> str:
    return f"(SELECT min({column}) FROM {table})"


@dataclass(frozen=True)
class Case:
    name: str
    tamper: Callable[[Database, int], None]
    expected: tuple[str, ...]  # every one of these appears in the verify output


CASES = [
    Case(
        "ecrf_payload_edited_in_place",
        lambda db, _: db.run(
            "UPDATE crfs_formrecord SET payload = '{\"forged\": true}' WHERE id = " + _first("crfs_formrecord")
        ),
        ("crfs.formrecord", "changed outside the application", "payload"),
    ),
    Case(
        "identifiers_edited_in_place",
        lambda db, _: db.run(
            "UPDATE subjects_identifiers SET full_name = 'Forged Name' WHERE id = " + _first("subjects_identifiers")
        ),
        ("subjects.identifiers", "full_name"),
    ),
    Case(
        "subject_edited_in_place",
        lambda db, _: db.run(
            "UPDATE subjects_subject SET targeted_agent_reason = 'forged' WHERE id = " + _first("subjects_subject")
        ),
        ("subjects.subject", "targeted_agent_reason"),
    ),
    Case(
        "history_row_edited_in_place",
        lambda db, _: db.run(
            "UPDATE crfs_historicalformrecord SET payload = '{\"forged\": true}' WHERE history_id = "
            + _first("crfs_historicalformrecord", "history_id")
        ),
        ("history row 1 of crfs.formrecord", "payload"),
    ),
    Case(
        "every_entry_deleted_and_head_reset",
        lambda db, _: (
            db.run("DELETE FROM audit_auditentry"),
            db.run(f"UPDATE audit_chainhead SET last_seq = 0, last_hash = '{GENESIS}'"),
        ),
        ("is missing: the trail was truncated", "has no audit entry"),
    ),
    Case(
        "last_entries_deleted_and_head_moved_back",
        lambda db, anchored: _truncate_tail(db, anchored),
        ("is missing: the trail was truncated",),
    ),
    Case(
        "chain_recomputed_without_the_key",
        lambda db, _: _rehash_without_key(db),
        ("entry 1:", "seal does not match", "does not carry its anchored seal"),
    ),
    Case(
        "an_audit_value_edited",
        lambda db, _: db.run("UPDATE audit_auditentry SET reason = 'edited afterwards' WHERE seq = 5"),
        ("entry 5:", "altered or forged"),
    ),
]


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("tamper-sqlite")
    done = _cli(["demo", "--subjects", "3", "--seed", "7"], data)
    assert done.returncode == 0, done.stderr
    return data


def _sqlite_copy(source: Path, target: Path) -> tuple[Path, Database]:
    shutil.copytree(source, target)
    path = target / "haictrial.sqlite3"

    def run(sql: str) -> None:
        with sqlite3.connect(path) as connection:
            connection.execute(sql)

    def query(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as connection:
            return connection.execute(sql).fetchall()

    return target, Database(run, query)


def test_the_untouched_sqlite_database_verifies(sqlite_demo, tmp_path):
    data, _db = _sqlite_copy(sqlite_demo, tmp_path / "data")
    done = _cli(["audit", "verify"], data)
    assert done.returncode == 0, done.stderr
    assert "intact" in done.stdout and "every audited row matches" in done.stdout


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_verify_names_each_edit_made_through_sqlite(sqlite_demo, tmp_path, case):
    data, db = _sqlite_copy(sqlite_demo, tmp_path / "data")
    case.tamper(db, _last_anchor_seq(data))
    done = _cli(["audit", "verify"], data)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    for text in case.expected:
        assert text in done.stderr, (text, done.stderr[-3000:])


def test_a_removed_anchor_file_is_named(sqlite_demo, tmp_path):
    data, _db = _sqlite_copy(sqlite_demo, tmp_path / "data")
    (data / "audit-anchors.jsonl").unlink()
    done = _cli(["audit", "verify"], data)
    assert done.returncode == 1 and "the anchor file was removed or replaced" in done.stderr


def test_an_edited_anchor_line_is_named(sqlite_demo, tmp_path):
    data, _db = _sqlite_copy(sqlite_demo, tmp_path / "data")
    path = data / "audit-anchors.jsonl"
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1]) | {"seq": 1}
    path.write_text("\n".join([*lines[:-1], json.dumps(forged)]) + "\n")
    done = _cli(["audit", "verify"], data)
    assert done.returncode == 1 and f"line {len(lines)} was altered" in done.stderr


def test_backup_anchors_the_head_and_a_restore_starts_a_new_epoch(sqlite_demo, tmp_path):
    data, _db = _sqlite_copy(sqlite_demo, tmp_path / "data")
    backup = tmp_path / "backup.sqlite3"
    assert _cli(["backup", str(backup)], data).returncode == 0
    line = json.loads((data / "audit-anchors.jsonl").read_text().splitlines()[-1])
    assert line["event"] == "backup" and line["seq"] > 0
    assert _cli(["site", "add", "009", "--name", "After the backup"], data).returncode == 0
    assert _cli(["restore", str(backup)], data).returncode == 0
    done = _cli(["audit", "verify"], data)
    assert done.returncode == 0, done.stderr


# --- the same edits through psql on the throwaway PostgreSQL (scripts/postgres-test) -----------------


def _pg(url: str, sql: str, *, query: bool = False) -> list[tuple[Any, ...]]:
    done = subprocess.run(
        [PSQL, url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-F", "\x1f", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    if not query:
        return []
    return [tuple(line.split("\x1f")) for line in done.stdout.splitlines() if line]


#: The template database, one per pytest-xdist worker (each worker builds its own module fixture).
_BASE = "h17_tamper_base_" + os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="module")
def pg_demo(tmp_path_factory) -> tuple[Path, str]:
    if not PG_URL:
        pytest.skip("HAICTRIAL_TEST_POSTGRES_URL is not set (scripts/postgres-test)")
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    _pg(admin, f'DROP DATABASE IF EXISTS "{_BASE}"')
    _pg(admin, f'CREATE DATABASE "{_BASE}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + _BASE
    data = tmp_path_factory.mktemp("tamper-pg")
    done = _cli(["demo", "--subjects", "3", "--seed", "7"], data, database_url=url)
    assert done.returncode == 0, done.stderr
    return data, admin


def _pg_copy(pg_demo: tuple[Path, str], target: Path, name: str) -> tuple[Path, str, Database]:
    source, admin = pg_demo
    shutil.copytree(source, target)
    _pg(admin, f'DROP DATABASE IF EXISTS "{name}"')
    _pg(admin, f'CREATE DATABASE "{name}" TEMPLATE "{_BASE}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name  # type: ignore[union-attr]

    def query(sql: str) -> list[tuple[Any, ...]]:
        rows = _pg(url, sql, query=True)
        return [tuple(_pg_value(v) for v in row) for row in rows]

    return target, url, Database(lambda sql: _pg(url, sql), query)


def _pg_value(text: str) -> Any:
    """psql's unaligned text back to Python: integers, booleans (t/f) and NULL (empty) as such."""
    if text == "":
        return None
    if text in ("t", "f"):
        return text == "t"
    if text.lstrip("-").isdigit() and len(text) < 19:
        return int(text)
    return text


@pytest.mark.postgres
def test_the_untouched_postgresql_database_verifies(pg_demo, tmp_path):
    data, url, _db = _pg_copy(pg_demo, tmp_path / "data", "h17_tamper_untouched")
    done = _cli(["audit", "verify"], data, database_url=url)
    assert done.returncode == 0, done.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_verify_names_each_edit_made_through_psql(pg_demo, tmp_path, case):
    data, url, db = _pg_copy(pg_demo, tmp_path / "data", f"h17_tamper_{case.name}"[:60])
    case.tamper(db, _last_anchor_seq(data))
    done = _cli(["audit", "verify"], data, database_url=url)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    for text in case.expected:
        assert text in done.stderr, (text, done.stderr[-3000:])
