"""The report page in a real browser against ``haictrial serve`` (gunicorn and its django-tasks worker): the
statistician starts a build, the page follows the progress by itself (no script: a refresh) until the build
is done, and report.zip downloads with the report, tables, figures, data sets and the data dictionary
(server contract, "Reports as background jobs")."""

from __future__ import annotations

import zipfile

import pytest

from .serving import PASSWORD, haictrial, new_page, require_chromium, server_environment, serving, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    data = tmp_path_factory.mktemp("edc-report")
    env = server_environment(data)
    env.pop("HAICTRIAL_TASKS_IMMEDIATE", None)  # the real queue: the worker that `serve` starts runs the build
    haictrial(["demo", "--subjects", "12", "--seed", "3"], env)
    haictrial(["user", "add", "stan", "--role", "statistician", "--site", "001"], env, stdin=PASSWORD + "\n")
    with serving(env, data) as url:
        yield url, data


def test_a_build_started_on_the_page_reaches_done_and_report_zip_downloads(server, browser, tmp_path):
    url, data = server
    context, page = new_page(browser, url, accept_downloads=True)
    try:
        sign_in(page, url, "stan")
        page.goto(url + "/reports/")
        page.uncheck("#id_pdf")
        page.click("#build-report button[type=submit]")
        page.wait_for_url(url + "/reports/")
        row = page.locator("#report-builds tr[data-build]").first
        seen = {row.get_attribute("data-status")}
        assert seen <= {"queued", "running", "done"}
        if "done" not in seen:
            assert page.locator("#report-builds progress").count() == 1  # the bar, with the step beside it
        # no script on the page: it reloads itself (meta refresh) until the build is done
        page.wait_for_selector('#report-builds tr[data-status="done"]', timeout=180_000)
        assert page.locator("#report-builds progress").count() == 0
        with page.expect_download() as info:
            page.click("#report-builds a.zip")
        target = tmp_path / "report.zip"
        info.value.save_as(target)
    finally:
        context.close()
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
    assert {"report.html", "results.json", "datasets/adsl.csv", "datasets/data_dictionary.md"} <= names
    assert any(n.startswith("tables/") for n in names) and any(n.startswith("figures/") for n in names)
    assert "report.pdf" not in names  # built without the PDF
