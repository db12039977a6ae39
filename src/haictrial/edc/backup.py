"""Backup and restore of the whole database: SQLite's online backup API (a consistent copy while the
server runs), or pg_dump / pg_restore for PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management import call_command
from django.db import connection, connections

from haictrial.edc.audit import anchors
from haictrial.errors import InputError

SQLITE_HEADER = b"SQLite format 3\x00"


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise InputError(f"{name} is not installed (Debian package postgresql-client)")
    return candidates[-1]


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise InputError(f"{Path(command[0]).name}: {last}")


def backup(path: Path) -> str:
    """Write a consistent copy of the database to ``path``; returns what was copied."""
    path = path.expanduser().resolve()
    if not path.parent.is_dir():
        raise InputError(f"directory does not exist: {path.parent}", field="FILE")
    tmp = path.with_name(path.name + ".partial")
    if _engine() == "sqlite":
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        target = sqlite3.connect(str(tmp))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        args, env = _pg_args()
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(tmp), *args], env)
    os.replace(tmp, path)
    # The chain head the backup holds, anchored outside the database (haictrial.edc.audit.anchors).
    anchors.anchor_head(anchors.AnchorEvent.backup)
    return f"{_engine()} database -> {path}"


def restore(path: Path) -> str:
    """Replace the database with the backup in ``path``, then apply any newer migrations."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise InputError(f"file not found: {path}", field="FILE")
    if _engine() == "sqlite":
        with path.open("rb") as handle:
            if handle.read(16) != SQLITE_HEADER:
                raise InputError("not a SQLite backup made by haictrial backup", field="FILE")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in source.execute("select name from sqlite_master where type='table'")}
            if not {"django_migrations", "audit_auditentry"} <= tables:
                raise InputError("not a haictrial database backup (tables missing)", field="FILE")
            connections.close_all()
            target = sqlite3.connect(str(connection.settings_dict["NAME"]))
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    else:
        with path.open("rb") as handle:
            if handle.read(5) != b"PGDMP":
                raise InputError("not a PostgreSQL custom-format backup made by haictrial backup", field="FILE")
        connections.close_all()
        args, env = _pg_args()
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                *args,
                str(path),
            ],
            env,
        )
    call_command("migrate", interactive=False, verbosity=0)
    anchors.anchor_head(anchors.AnchorEvent.restore)  # a new epoch: later anchors described the replaced data
    return f"{path} -> {_engine()} database"
