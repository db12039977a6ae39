"""The multi-site suite on PostgreSQL 15+ (the throwaway cluster of scripts/postgres-test).

Skipped only when ``HAICTRIAL_TEST_POSTGRES_URL`` is absent; ``make test`` always sets it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .cli import run_cli

URL = os.environ.get("HAICTRIAL_TEST_POSTGRES_URL")
ROOT = Path(__file__).parents[2]
MULTISITE_SUITE = [
    "test_api.py",
    "test_api_fuzz.py",
    "test_accounts.py",
    "test_audit.py",
    "test_concurrency.py",
    "test_web.py",
    # consent, one person one subject, amendments; body checks and JSON errors on every endpoint
    "test_enrolment.py",
    "test_api_robustness.py",
    "test_web_enrolment.py",
    # the trial-course eCRFs: forms, edit-check queries, SDV, e-signature and locking, site isolation
    "crfs/test_api_forms.py",
    "crfs/test_data_management.py",
    "crfs/test_edit_check_queries.py",
    "crfs/test_pages.py",
    "crfs/test_safety_stops.py",
    # what a save checks again and what it leaves standing (scoped edit checks, a full run agrees)
    "crfs/test_save_scope.py",
]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not URL, reason="HAICTRIAL_TEST_POSTGRES_URL is not set (scripts/postgres-test)"),
]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HAICTRIAL_TEST_POSTGRES_URL", "HAICTRIAL_DATA_DIR")}
    env.update(extra)
    return env


def test_the_multisite_suite_passes_on_postgresql():
    tests = [str(Path(__file__).parent / name) for name in MULTISITE_SUITE]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-q",
            "-x",
            "-m",
            "not postgres and not browser",
            *tests,
        ],
        cwd=ROOT,
        env=_env(DATABASE_URL=URL, HAICTRIAL_EXPECT_DB_VENDOR="postgresql"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def _fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return URL.rsplit("/", 1)[0] + "/" + name


def test_backup_and_restore_on_postgresql(tmp_path):
    url = _fresh_database("haictrial_backup_test")
    assert run_cli(["site", "add", "001", "--name", "Tongji Hospital"], tmp_path, database_url=url).returncode == 0
    backup = tmp_path / "backup.dump"
    done = run_cli(["backup", str(backup)], tmp_path, database_url=url)
    assert done.returncode == 0, done.stderr
    assert backup.read_bytes()[:5] == b"PGDMP"
    assert run_cli(["site", "add", "002", "--name", "After the backup"], tmp_path, database_url=url).returncode == 0
    restored = run_cli(["restore", str(backup)], tmp_path, database_url=url)
    assert restored.returncode == 0, restored.stderr
    import psycopg

    with psycopg.connect(url) as connection:
        codes = [row[0] for row in connection.execute("select code from accounts_site order by code")]
    assert codes == ["001"]
