"""Running the real ``haictrial`` command in a subprocess against its own data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SECRET = "test-only-secret-key-0123456789abcdef"


def cli_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(HAICTRIAL_DATA_DIR=str(data_dir), HAICTRIAL_SECRET_KEY=SECRET)
    env.pop("HAICTRIAL_DEBUG", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_cli(
    args: list[str], data_dir: Path, stdin: str | None = None, database_url: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(data_dir, database_url),
        timeout=timeout,
        check=False,
    )
