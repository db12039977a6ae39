"""Starting ``haictrial serve`` for the browser tests, and signing in to it in chromium: one way for every module.

The machine has two cores shared with a second pytest worker and its chromium: importing Django, migrating
and forking gunicorn and the background worker can take far longer than on an idle machine. The wait is a
wall-clock deadline (not a count of tries, which ends in seconds when the port refuses at once), and the
server's own log, unbuffered, is the failure message.

Chromium is Debian's (``/usr/bin/chromium``, never ``playwright install``); the ``browser`` fixture of
``conftest.py`` launches it once per module and :func:`new_page` / :func:`signed_in` open a fresh context on it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Long enough for a cold start on two loaded cores; a server that answers returns at once.
START_DEADLINE_SECONDS = 240
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The password of the accounts the tests create themselves (the demo accounts print their own).
PASSWORD = "Corr3ct-horse-battery-staple"
#: The browser locale of each page language (the page language itself comes from the ``django_language`` cookie).
BROWSER_LOCALES = {"en": "en-GB", "zh-hans": "zh-CN"}
#: Loaded pages on two shared cores can be slow: 30 s for each action before it fails.
ACTION_TIMEOUT_MS = 30_000


def require_chromium() -> None:
    """Fail (never skip) when Debian's chromium is missing: a browser test that does not run proves nothing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")


def new_page(browser: Any, base: str, language: str = "en", width: int = 1280, **options: Any) -> tuple[Any, Any]:
    """A fresh browser context (no cookies from another test) on ``base`` in ``language`` at ``width`` px, and
    its page; ``options`` go to ``browser.new_context`` (``accept_downloads``). Close the context after use."""
    context = browser.new_context(locale=BROWSER_LOCALES[language], viewport={"width": width, "height": 900}, **options)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    return context, page


def sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in on the login page; returns on the dashboard."""
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def signed_in(
    browser: Any, base: str, username: str, password: str = PASSWORD, language: str = "en", width: int = 1280
) -> tuple[Any, Any]:
    """:func:`new_page` with ``username`` signed in: the context (close it after use) and the dashboard page."""
    context, page = new_page(browser, base, language, width)
    sign_in(page, base, username, password)
    return context, page


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(data: Path, **extra: str) -> dict[str, str]:
    """The test process's environment for a production-mode server on ``data``: its own secret and audit keys
    (``serve`` refuses to start without an audit key outside debug), no database URL, no debug."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.pop("HAICTRIAL_DEBUG", None)
    env.update(
        HAICTRIAL_DATA_DIR=str(data),
        HAICTRIAL_SECRET_KEY="browser-test-secret-key-0123456789",
        HAICTRIAL_AUDIT_KEY="browser-test-audit-key-0123456789abcdef",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def haictrial(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """Run one ``haictrial`` command; its standard output, or the test fails with its standard error."""
    done = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args], input=stdin, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def api_post(base: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    """POST ``body`` as JSON to the server's API (with a bearer ``token``); the decoded answer."""
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def demo_logins(env: dict[str, str], subjects: int, seed: int) -> dict[str, str]:
    """``haictrial demo`` into the environment's data directory; the demo accounts it prints, username to password."""
    printed = haictrial(["demo", "--subjects", str(subjects), "--seed", str(seed)], env)
    return dict(re.findall(r"^\s+(demo-\S+)\s+(\S+)\s+\w+$", printed, re.M))


@contextlib.contextmanager
def serving(env: dict[str, str], data: Path) -> Iterator[str]:
    """``haictrial serve`` (one gunicorn worker) on a free port until the block ends; yields its base URL."""
    port = free_port()
    log_path = data / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "haictrial.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_DEADLINE_SECONDS
            while True:
                try:
                    with urllib.request.urlopen(url + "/login/", timeout=10) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if process.poll() is not None:
                        pytest.fail("haictrial serve exited: " + log_path.read_text())
                    if time.monotonic() > deadline:
                        pytest.fail(
                            f"haictrial serve did not answer in {START_DEADLINE_SECONDS} s: " + log_path.read_text()
                        )
                    time.sleep(0.2)
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(20)
