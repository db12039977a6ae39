"""What the EDC's background jobs share: export builds (:mod:`haictrial.edc.exports`), pre-screening runs
(:mod:`haictrial.edc.prescreening`) and report builds (:mod:`haictrial.edc.reporting`).

Each is a row queued at once (``queued``), claimed by one worker (``running``, its step and progress stored as
it goes) and ended ``done`` or ``failed`` with the reason, never raised (docs/contracts/server.md, "Reports as
background jobs"); its page reloads itself while it is unfinished (a ``Refresh`` header and a meta refresh, no
script). What each job does, and what it stores when done, stays in its own app.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from haictrial.errors import DomainError

#: How often a page reloads itself while a job it lists is queued or running.
REFRESH_SECONDS = 2


class JobStatus(models.TextChoices):
    """Where a background job is."""

    queued = "queued", _("queued")
    running = "running", _("running")
    done = "done", _("done")
    failed = "failed", _("failed")


UNFINISHED = frozenset({JobStatus.queued, JobStatus.running})


def claim(model: type[models.Model], pk: int, **running: Any) -> bool:
    """Move job ``pk`` from ``queued`` to ``running`` (with the ``running`` fields, e.g. its first step);
    False when it was not queued. A compare-and-set: a job is run once, even if two workers pick it up."""
    claimed = model._default_manager.filter(pk=pk, status=JobStatus.queued).update(status=JobStatus.running, **running)
    return bool(claimed)


def progress_percent(done: int, total: int) -> int:
    """The progress shown after ``done`` of ``total`` steps: 5 % once started, 99 % at most until the job is done."""
    return min(99, 5 + round(90 * done / max(total, 1)))


def seconds_since(clock: float) -> float:
    """The job's duration from a :func:`time.perf_counter` reading, in seconds (to the millisecond)."""
    return round(time.perf_counter() - clock, 3)


def failure_reason(exc: Exception, logger: logging.Logger, job: str) -> str:
    """The reason a failed job shows: a :class:`~haictrial.errors.DomainError`'s message naming its field (the
    user's to fix), or the exception's type and text, logged with its traceback (a fault of ours)."""
    if isinstance(exc, DomainError):
        return str(exc)
    logger.exception("%s failed", job)
    return f"{type(exc).__name__}: {exc}"


def refresh_seconds(statuses: Iterable[str]) -> int | None:
    """:data:`REFRESH_SECONDS` while any of ``statuses`` is unfinished, else None (the page stays)."""
    return REFRESH_SECONDS if any(status in UNFINISHED for status in statuses) else None


def following(response: HttpResponse, refresh: int | None) -> HttpResponse:
    """``response`` with the ``Refresh`` header when ``refresh`` is set (the page follows its jobs)."""
    if refresh:
        response["Refresh"] = str(refresh)
    return response
