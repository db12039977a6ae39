"""One writer at a time on SQLite (edc/writes.py): writers queue on a lock file beside the database, across
threads and processes, instead of sleeping in SQLite's busy handler (sqlite.org/lockingv3.html; flock(2))."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db import connection, transaction

from haictrial.edc.writes import serialised_writes

pytestmark = pytest.mark.django_db(transaction=True)


def _lock_path() -> str:
    return str(connection.settings_dict["NAME"]) + ".write-lock"


def test_a_writer_waits_for_the_one_holding_the_lock_file():
    """Another process's writer is modelled by a second open file description holding the flock."""
    with serialised_writes():
        pass  # creates the lock file
    other = os.open(_lock_path(), os.O_RDWR)
    entered = threading.Event()

    def writer() -> None:
        with serialised_writes():
            entered.set()

    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        thread = threading.Thread(target=writer)
        thread.start()
        assert not entered.wait(0.3)  # queued behind the holder
        fcntl.flock(other, fcntl.LOCK_UN)
        assert entered.wait(5)  # woken as soon as it is released
        thread.join(5)
    finally:
        os.close(other)


def test_threads_of_one_process_write_one_at_a_time():
    inside: list[int] = []
    overlaps: list[int] = []

    def writer() -> None:
        with serialised_writes():
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(len(inside))
            time.sleep(0.01)
            inside.pop()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert overlaps == []


def test_a_block_inside_a_transaction_passes_through():
    """Nested in a transaction the outer block already queued (or a test's atomic block): no second lock."""
    other = os.open(_lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        with transaction.atomic(), serialised_writes():
            pass  # would wait forever if it took the lock here
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
