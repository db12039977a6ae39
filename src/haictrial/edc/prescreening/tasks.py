"""The background task of a pre-screening run (django-tasks, database backend; run by the worker that
``haictrial serve`` starts, :mod:`haictrial.edc.worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_prescreen(run_id: int) -> str:
    """Run the queued :class:`~haictrial.edc.prescreening.models.PrescreenRun` ``run_id``; returns its status.

    A failure is recorded on the run (status ``failed`` and the one-line reason), not raised.
    """
    from haictrial.edc.prescreening.services import run

    return str(run(run_id).status)
