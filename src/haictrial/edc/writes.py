"""One writer at a time on SQLite, queued in the operating system instead of SQLite's busy loop.

SQLite has one write lock per database file; a transaction that finds it taken retries in SQLite's busy
handler, sleeping up to 100 ms between tries, so that under many concurrent saves the lock is often free
while every waiter sleeps (throughput falls, the slowest saves wait seconds). :func:`serialised_writes`
queues the writers first: a thread lock within the process, then an exclusive ``flock`` on a lock file
beside the database across the server's worker processes; a waiter is woken as soon as the lock is
released, and the kernel releases it if the process dies (a killed worker never leaves it held).
PostgreSQL needs none of this (row locks and MVCC): there the context manager does nothing.

References: SQLite, "File Locking And Concurrency In SQLite Version 3" (sqlite.org/lockingv3.html) and
``sqlite3_busy_timeout`` (sqlite.org/c3ref/busy_timeout.html); POSIX/Linux ``flock(2)``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_THREADS = threading.Lock()
_FILES: dict[tuple[int, str], int] = {}


def _lock_file(database: str) -> int:
    """The lock file's descriptor for this process (opened after the fork: a descriptor is per process)."""
    key = (os.getpid(), database)
    fd = _FILES.get(key)
    if fd is None:
        fd = os.open(database + ".write-lock", os.O_RDWR | os.O_CREAT, 0o600)
        _FILES[key] = fd
    return fd


@contextmanager
def serialised_writes() -> Iterator[None]:
    """Hold the database's writer queue for the block (SQLite files only; nested blocks pass through)."""
    database = str(connection.settings_dict.get("NAME") or "")
    if (
        connection.vendor != "sqlite"
        or connection.in_atomic_block
        or not database
        or database.startswith((":memory:", "file:"))
    ):
        yield
        return
    with _THREADS:
        fd = _lock_file(database)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
