"""Trial operations in a real browser: ``haictrial serve`` with a small synthetic demo cohort, driven by Debian's
chromium through Playwright (never ``playwright install``), in English and Simplified Chinese.

A monitor opens the verification worklist, opens a form from it, verifies one field against the source
(ICH E6(R2) 5.18.4 (m)) and raises a query on a field chosen by its label; a coordinator opens the SAE desk
(the 24 h initial report clock of ICH E2A III.A / E6(R2) 4.11.1) and the record status grid.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from .serving import api_post, demo_logins, require_chromium, server_environment, serving, signed_in

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "zh-hans")
WORDS = {
    "en": {"worklist": "Verification worklist", "sae": "SAE desk", "grid": "Record status"},
    "zh-hans": {"worklist": "源数据核查工作列表", "sae": "严重不良事件工作台", "grid": None},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo cohort (3 subjects at 001, 1 at 002) and one serious adverse event entered by the coordinator."""
    require_chromium()
    data = tmp_path_factory.mktemp("operations-data")
    env = server_environment(data)
    logins = demo_logins(env, 4, 1)
    with serving(env, data) as url:
        token = api_post(
            url, "/api/auth/token", {"username": "demo-coordinator", "password": logins["demo-coordinator"]}
        )
        aware = dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)
        event = {
            "term": "Vomiting",
            "grade": 3,
            "onset_date": (aware.date() - dt.timedelta(days=1)).isoformat(),
            "aware_at": aware.replace(microsecond=0).isoformat(),
            "action_taken": "none",
            "outcome": "recovering",
            "seriousness": ["hospitalisation"],
            "attribution": {"oxaliplatin": "possible"},
        }
        api_post(url, "/api/subjects/CHA-001-0001/forms/adverse_events", {"payload": event}, token["token"])
        yield url, logins


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_monitor_works_the_worklist_verifies_a_field_and_raises_a_query_by_label(server, browser, language):
    base, logins = server
    words = WORDS[language]
    context, page = signed_in(browser, base, "demo-monitor", logins["demo-monitor"], language)
    try:
        page.goto(base + "/data-management/")
        page.click("#worklist-link")
        page.wait_for_url("**/monitoring/worklist/")
        assert page.locator("h1").inner_text() == words["worklist"]
        page.select_option("select[name=site]", "001")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**/monitoring/worklist/?site=001")
        rows = page.locator("#worklist tbody tr")
        assert rows.count() >= 3
        table = page.locator("#worklist").inner_text()
        assert "CHA-002" not in table and "haic_cycle" not in table
        link = page.locator("#worklist tbody tr a[href*='/forms/haic_cycle/']").first
        link.click()
        page.wait_for_url("**/forms/haic_cycle/*/")

        # one field verified, chosen by its label in the user's language
        picker = page.locator("#sdv-field")
        groups = picker.locator("optgroup")
        assert groups.count() >= 3
        option = picker.locator("option[value='admission_date']")
        label = option.inner_text()
        assert label and label != "admission_date"
        picker.select_option(label=label)
        page.click("#verify-field")
        page.wait_for_url("**/forms/haic_cycle/*/")
        verified = page.locator("ul.field-sdv li.sdv-current")
        assert verified.count() == 1 and label in verified.inner_text()

        # a query raised on a field chosen by its label (never the internal path)
        query_picker = page.locator("#query-field")
        shown = [t.strip() for t in query_picker.locator("option").all_inner_texts()]
        assert shown and not [t for t in shown if "[" in t and "]." in t]
        dose = query_picker.locator("option[value='infusions[0].given_dose_mg']").inner_text()
        query_picker.select_option(label=dose)
        message = f"pump log differs ({language})"
        page.fill("#query-message", message)
        page.click("#query-form button[type=submit]")
        page.wait_for_url("**/forms/haic_cycle/*/")
        row = page.locator("#queries tr", has_text=message)
        assert row.count() == 1 and dose.split(" (")[0] in row.inner_text()

        page.goto(base + "/data-management/?status=open&site=001")
        listed = page.locator("#dm-queries tr", has_text=message).inner_text()
        assert "haic_cycle" not in listed and "infusions[0]" not in listed
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_coordinator_opens_the_sae_desk_and_the_status_grid(server, browser, language):
    base, logins = server
    words = WORDS[language]
    context, page = signed_in(browser, base, "demo-coordinator", logins["demo-coordinator"], language)
    try:
        page.goto(base + "/safety/sae/")
        assert page.locator("h1").inner_text() == words["sae"]
        sae = page.locator("table.sae-desk tbody tr", has_text="CHA-001-0001")
        assert sae.count() == 1 and "Vomiting" in sae.inner_text()
        assert page.locator("table.sae-desk td.clock-overdue").count() == 1  # aware 30 h ago: past the 24 h

        page.goto(base + "/status-grid/")
        page.wait_for_load_state()
        grid = page.locator("table.status-grid").inner_text()
        assert "CHA-001-0001" in grid and "CHA-002-0001" not in grid  # the coordinator's own site only
        if words["grid"]:
            assert words["grid"] in page.locator("h1").inner_text()
        else:
            assert re.search(r"[\u4e00-\u9fff]", page.locator("h1").inner_text())
        cell = page.locator("table.status-grid a.cell[href*='/forms/']").first
        cell.click()
        page.wait_for_url("**/forms/**")
    finally:
        context.close()
