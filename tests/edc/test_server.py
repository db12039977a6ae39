"""gunicorn's worker and thread counts (src/haictrial/edc/server.py): threads per worker from
``HAICTRIAL_SERVER_THREADS``, a wrong value refused naming the variable, never a silent default; the CLI
says so in one line and exits 2."""

from __future__ import annotations

import pytest

from haictrial.edc import server
from haictrial.errors import InputError


@pytest.fixture
def started(monkeypatch) -> list[dict]:
    options: list[dict] = []

    class Recorder:
        def __init__(self, given: dict) -> None:
            options.append(given)

        def run(self) -> None:
            return None

    monkeypatch.setattr(server, "EdcServer", Recorder)
    return options


def test_it_runs_gthread_workers_with_the_default_threads(started, monkeypatch):
    monkeypatch.delenv("HAICTRIAL_SERVER_THREADS", raising=False)
    server.run("127.0.0.1", 8000, workers=3)
    assert started[0]["workers"] == 3 and started[0]["threads"] == server.DEFAULT_THREADS
    assert started[0]["worker_class"] == "gthread" and started[0]["bind"] == "127.0.0.1:8000"


def test_it_takes_the_threads_from_the_environment(started, monkeypatch):
    monkeypatch.setenv("HAICTRIAL_SERVER_THREADS", "2")
    server.run("::1", 8000)
    assert started[0]["threads"] == 2 and started[0]["bind"] == "[::1]:8000"


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_it_refuses_a_thread_count_that_is_not_a_positive_integer(started, monkeypatch, value):
    monkeypatch.setenv("HAICTRIAL_SERVER_THREADS", value)
    with pytest.raises(InputError, match="HAICTRIAL_SERVER_THREADS") as refused:
        server.run("127.0.0.1", 8000)
    assert refused.value.field == "HAICTRIAL_SERVER_THREADS" and started == []


@pytest.mark.django_db(transaction=True)
def test_a_database_connection_is_kept_across_requests():
    """Each request opening its own SQLite connection pays the pragmas and a cold page and schema cache (reads
    of a subject ran about a third slower in bench/bench_crf_save.py): the connection is kept (60 s, with
    Django's health check) as it is for PostgreSQL."""
    from django.db import close_old_connections, connection

    connection.close()
    connection.ensure_connection()
    first = connection.connection
    close_old_connections()  # what Django runs at the start and at the end of every request
    assert first is not None and connection.connection is first
