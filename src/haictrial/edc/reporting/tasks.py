"""The background task of a report build (django-tasks, database backend; run by the worker that
``haictrial serve`` starts, :mod:`haictrial.edc.worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_report_build(build_id: int) -> str:
    """Run the queued :class:`~haictrial.edc.reporting.models.ReportBuild` ``build_id``; returns its status.

    A failure is recorded on the build (status ``failed`` and the reason), not raised.
    """
    from haictrial.edc.reporting.services import run

    return str(run(build_id).status)
