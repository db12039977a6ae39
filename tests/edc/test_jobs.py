"""The common part of the background jobs (export builds, pre-screening runs, report builds): one status
vocabulary, a job claimed once, the progress shown, the reason of a failure and the page that follows its jobs
(docs/contracts/server.md, "Reports as background jobs": queued -> running -> done | failed, progress 0-100)."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from haictrial.edc import jobs
from haictrial.edc.exports.models import ExportBuild, ExportStatus
from haictrial.edc.jobs import JobStatus
from haictrial.edc.prescreening.models import RunStatus
from haictrial.edc.reporting.models import BuildStatus, ReportBuild
from haictrial.errors import InputError


def test_the_three_jobs_share_one_status_vocabulary():
    assert ExportStatus is RunStatus is BuildStatus is JobStatus
    assert JobStatus.values == ["queued", "running", "done", "failed"]  # server contract, "Reports as background jobs"
    for model in (ExportBuild, ReportBuild):
        assert model._meta.get_field("status").choices == JobStatus.choices


@pytest.mark.django_db
def test_it_claims_a_queued_job_once():
    build = ExportBuild.objects.create(kind="odm", requested_at=timezone.now(), built_by_username="stan")
    assert jobs.claim(ExportBuild, build.pk, step="loading data", progress=1) is True
    build.refresh_from_db()
    assert (build.status, build.step, build.progress) == (JobStatus.running, "loading data", 1)
    assert jobs.claim(ExportBuild, build.pk, step="again") is False  # a second worker finds it taken
    build.refresh_from_db()
    assert build.step == "loading data"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [JobStatus.running, JobStatus.done, JobStatus.failed])
def test_it_never_claims_a_job_that_is_not_queued(status):
    build = ExportBuild.objects.create(kind="odm", requested_at=timezone.now(), built_by_username="stan", status=status)
    assert jobs.claim(ExportBuild, build.pk) is False
    build.refresh_from_db()
    assert build.status == status


def test_the_progress_starts_at_5_and_spreads_90_points_over_the_steps():
    assert [jobs.progress_percent(done, 4) for done in range(5)] == [
        5,
        27,
        50,
        73,
        95,
    ]  # 5 + 90 x done / total, rounded half to even
    assert jobs.progress_percent(0, 0) == 5  # a job without steps


@given(st.integers(min_value=1, max_value=500), st.data())
def test_the_progress_never_goes_back_and_stays_under_100(total, data):
    done = data.draw(st.integers(min_value=0, max_value=total - 1))
    now, after = jobs.progress_percent(done, total), jobs.progress_percent(done + 1, total)
    assert 5 <= now <= after <= 99


def test_a_failure_the_user_can_fix_names_its_field_and_is_not_logged(caplog):
    with caplog.at_level(logging.ERROR):
        reason = jobs.failure_reason(InputError("unknown unit 'mg'", field="lvef_percent"), logging.getLogger("t"), "x")
    assert reason == "lvef_percent: unknown unit 'mg'" and not caplog.records


def test_a_fault_of_ours_gives_its_type_and_is_logged_with_the_traceback(caplog):
    try:
        raise OSError("the disk is full")
    except OSError as exc:
        with caplog.at_level(logging.ERROR):
            reason = jobs.failure_reason(exc, logging.getLogger("t"), "export build 7")
    assert reason == "OSError: the disk is full"
    assert caplog.records[0].getMessage() == "export build 7 failed" and caplog.records[0].exc_info


def test_a_page_follows_its_jobs_until_they_are_finished():
    assert jobs.refresh_seconds(["done", "queued"]) == jobs.REFRESH_SECONDS
    assert jobs.refresh_seconds(iter(["failed", "running"])) == jobs.REFRESH_SECONDS
    assert jobs.refresh_seconds(["done", "failed"]) is None and jobs.refresh_seconds([]) is None
    assert jobs.following(HttpResponse(), 2)["Refresh"] == "2"
    assert "Refresh" not in jobs.following(HttpResponse(), None)
