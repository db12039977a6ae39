"""Serving the EDC with gunicorn (never Django's development server); static files by whitenoise."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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


def run(host: str, port: int, workers: int = 2, threads: int = 4) -> None:
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
