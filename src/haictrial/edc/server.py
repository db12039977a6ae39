"""Serving the EDC with gunicorn (never Django's development server); static files by whitenoise."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from gunicorn.app.base import BaseApplication

from haictrial.edc.env import env_int
from haictrial.errors import InputError


class EdcServer(BaseApplication):  # type: ignore[misc]
    """gunicorn running ``haictrial.edc.wsgi:application`` with options given in code."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from haictrial.edc.wsgi import application

        return application


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


#: gthread threads per worker process (``HAICTRIAL_SERVER_THREADS``); see :func:`run`.
DEFAULT_THREADS = 4


def server_threads() -> int:
    """The gthread threads per worker: ``HAICTRIAL_SERVER_THREADS`` (default :data:`DEFAULT_THREADS`); an
    InputError naming the variable when it is not a whole number >= 1 (the CLI: one line, exit 2)."""
    raw = os.environ.get("HAICTRIAL_SERVER_THREADS", "").strip()
    try:
        threads = env_int("HAICTRIAL_SERVER_THREADS", DEFAULT_THREADS)
    except ImproperlyConfigured:
        threads = 0
    if threads < 1:
        raise InputError(f"must be a whole number >= 1 (threads per worker), got {raw!r}", "HAICTRIAL_SERVER_THREADS")
    return threads


def run(host: str, port: int, workers: int = 2, threads: int | None = None) -> None:
    """Serve on ``host:port`` with ``workers`` processes of ``threads`` threads each (default
    :func:`server_threads`). Threads of one worker share its interpreter lock; the writes of a save are
    serialised anyway (:mod:`haictrial.edc.writes`), so more processes with fewer threads trade memory for
    less waiting on that lock (``bench/bench_crf_save.py --workers N --threads M`` measures it)."""
    if threads is None:
        threads = server_threads()
    EdcServer(
        {
            "bind": bind_address(host, port),
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 120,
            "graceful_timeout": 10,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "haictrial-edc",
        }
    ).run()
