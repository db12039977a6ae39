"""The background worker: django-tasks' database worker, run beside the web server.

`haictrial serve` starts it as a child process (so one command serves pages and runs the jobs the pages
enqueue: report builds, exports, pre-screening runs, e-mail) and stops it when the server stops.
"""

from __future__ import annotations

import os
import subprocess
import sys


def start_worker() -> subprocess.Popen[bytes]:
    """Start ``db_worker`` in a child process with the same environment and settings as the server."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "haictrial.edc.settings")
    return subprocess.Popen(
        [sys.executable, "-m", "haictrial.edc.worker"],
        env=env,
    )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    from haictrial.edc import setup

    setup()
    from django.core.management import call_command

    # One job at a time on a small machine; a job that fails is recorded as failed by the backend.
    from haictrial.edc.operations.tasks import start_periodic

    start_periodic()  # the SAE reminders and the daily digest, every 15 minutes (re-enqueued with run_after)
    call_command("db_worker", interval=0.5, startup_delay=False, reload=False, verbosity=0)


if __name__ == "__main__":
    main()
