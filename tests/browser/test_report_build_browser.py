"""The report page in a real browser against ``haictrial serve`` (gunicorn and its django-tasks worker): the
statistician starts a build, the page follows the progress by itself (no script: a refresh) until the build
is done, and report.zip downloads with the report, tables, figures, data sets and the data dictionary
(server contract, "Reports as background jobs")."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .serving import haictrial, server_environment, serving
from .test_edc_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    data = tmp_path_factory.mktemp("edc-report")
    env = server_environment(data)
    env.pop("HAICTRIAL_TASKS_IMMEDIATE", None)  # the real queue: the worker that `serve` starts runs the build
    haictrial(["demo", "--subjects", "12", "--seed", "3"], env)
    haictrial(["user", "add", "stan", "--role", "statistician", "--site", "001"], env, stdin=PASSWORD + "\n")
    with serving(env, data) as url:
        yield url, data


def test_a_build_started_on_the_page_reaches_done_and_report_zip_downloads(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, data = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB", accept_downloads=True)
        page = context.new_page()
        try:
            page.goto(url + "/login/")
            page.fill("#id_username", "stan")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(url + "/")
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
            browser.close()
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
    assert {"report.html", "results.json", "datasets/adsl.csv", "datasets/data_dictionary.md"} <= names
    assert any(n.startswith("tables/") for n in names) and any(n.startswith("figures/") for n in names)
    assert "report.pdf" not in names  # built without the PDF
