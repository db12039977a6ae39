"""The background task of an export build (django-tasks, database backend; run by the worker that
``haictrial serve`` starts, :mod:`haictrial.edc.worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_export_build(build_id: int) -> str:
    """Run the queued :class:`~haictrial.edc.exports.models.ExportBuild` ``build_id``; returns its status.

    A failure is recorded on the build (status ``failed`` and the reason), not raised.
    """
    from haictrial.edc.exports.services import run

    return str(run(build_id).status)
