"""Durability: the server killed (SIGKILL, every process of it) in the middle of concurrent eCRF saves keeps
every save it acknowledged, and the audit trail still verifies (seals, anchors, every row).

References: 21 CFR Part 11 section 11.10(c) (protection of records to enable their accurate retrieval);
ICH E6(R3) 4.2 (data integrity).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from .cli import cli_env

PASSWORD = "Crash-test-passphrase-7"


def _cli(args: list[str], data: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = cli_env(data)
    env.pop("HAICTRIAL_AUDIT_ANCHOR_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_kill_9_during_concurrent_saves_loses_no_acknowledged_save(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    assert _cli(["demo", "--subjects", "3", "--seed", "5"], data).returncode == 0
    added = _cli(["user", "add", "crash-coordinator", "--role", "coordinator", "--site", "001"], data, PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    port = _port()
    env = cli_env(data)
    env.pop("HAICTRIAL_AUDIT_ANCHOR_FILE", None)
    log = (data / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "haictrial.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: gunicorn's workers die with it
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, (data / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(base + "/api/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        login = {"username": "crash-coordinator", "password": PASSWORD}
        token = httpx.post(base + "/api/auth/token", json=login, timeout=30).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        subjects = [
            s["subject_id"] for s in httpx.get(base + "/api/subjects", headers=headers).json() if s["site"] == "001"
        ]
        acknowledged: dict[int, str] = {}
        lock = threading.Lock()
        stop = threading.Event()

        def client(number: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                n = 0
                while not stop.is_set():
                    n += 1
                    name = f"crash-{number}-{n}"
                    subject = subjects[(number + n) % len(subjects)]
                    body = {"payload": {"subject_id": subject, "name": name, "start_date": "2026-01-05"}}
                    try:
                        response = http.post(f"/api/subjects/{subject}/forms/concomitant_medications", json=body)
                    except httpx.HTTPError:
                        return  # the server is gone: this save was never acknowledged
                    if response.status_code == 201:
                        with lock:
                            acknowledged[response.json()["record_id"]] = name

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(server.pid, signal.SIGKILL)  # kill -9, mid-save
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    assert len(acknowledged) >= 40
    with sqlite3.connect(data / "haictrial.sqlite3") as connection:
        stored = dict(
            connection.execute(
                "SELECT id, json_extract(payload, '$.name') FROM crfs_formrecord WHERE form = 'concomitant_medications'"
            ).fetchall()
        )
    missing = {pk: name for pk, name in acknowledged.items() if stored.get(pk) != name}
    assert not missing, f"acknowledged saves lost: {missing}"
    verified = _cli(["audit", "verify"], data)
    assert verified.returncode == 0, verified.stderr[-3000:]
