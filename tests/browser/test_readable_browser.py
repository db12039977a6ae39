"""Readable pages in a real browser (Debian's chromium, ``haictrial serve`` with a small synthetic demo cohort),
in English and Simplified Chinese: the password change on the account page, the adverse-event term chosen
from the CTCAE v5.0 type-ahead with its system organ class, and ISO 8601 dates on the dashboard.

References: CTCAE v5.0 (NCI, 2017), "<SOC> - Other, specify"; ISO 8601-1:2019 5.2.2; WCAG 2.1 SC 3.3.1.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from .serving import demo_logins, require_chromium, server_environment, serving, signed_in

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "zh-hans")
WORDS = {
    "en": {"changed": "Password changed.", "summary": "The form was not saved", "saved": "Saved."},
    "zh-hans": {"changed": "密码已修改。", "summary": "表单未保存", "saved": "已保存。"},
}
MONTH_NAME = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}|\d+年\d+月\d+日")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    data = tmp_path_factory.mktemp("readable-data")
    env = server_environment(data)
    logins = demo_logins(env, 2, 5)
    with serving(env, data) as url:
        yield url, logins


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_user_changes_the_password_on_the_account_page(server, browser, tmp_path, language):
    base, logins = server
    context, page = signed_in(browser, base, "demo-coordinator", logins["demo-coordinator"], language, width=820)
    try:
        page.goto(base + "/account/")
        page.fill("#id_old_password", "not-my-password-1")
        page.fill("#id_new_password1", "Harbour-lantern-blue-7")
        page.fill("#id_new_password2", "Harbour-lantern-blue-7")
        page.click("#change-password")
        assert WORDS[language]["summary"] in page.locator("#error-summary").inner_text()
        assert page.locator("#error-summary a[href='#id_old_password']").count() == 1
        page.screenshot(path=str(tmp_path / f"password-error-{language}.png"), full_page=True)
        new = f"Harbour-lantern-{language}-7"
        page.fill("#id_old_password", logins["demo-coordinator"])
        page.fill("#id_new_password1", new)
        page.fill("#id_new_password2", new)
        page.click("#change-password")
        page.wait_for_url(base + "/account/")
        assert WORDS[language]["changed"] in page.content()
        logins["demo-coordinator"] = new  # the next language signs in with it
        page.goto(base + "/")  # the session survived the change
        assert page.url == base + "/"
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_adverse_event_term_from_the_type_ahead_and_other_specify_with_its_soc(server, browser, tmp_path, language):
    base, logins = server
    context, page = signed_in(browser, base, "demo-investigator", logins["demo-investigator"], language, width=820)
    try:
        page.goto(base + "/subjects/CHA-001-0001/forms/adverse_events/new/")
        assert page.locator("#id_term").get_attribute("list") == "list-term"
        assert page.locator("datalist#list-term option[value='Vascular disorders - Other, specify']").count() == 1
        today = dt.date.today()
        page.fill("#id_term", "Other, specify")
        page.select_option("[name='grade']", "2")
        page.fill("[name='onset_date']", (today - dt.timedelta(days=2)).isoformat())
        page.select_option("[name='action_taken']", index=1)
        page.select_option("[name='outcome']", "recovering")
        page.fill("[name='verbatim']", "Hepatic artery spasm")
        page.click("#save")
        summary = page.locator("#error-summary")
        assert WORDS[language]["summary"] in summary.inner_text()
        assert summary.locator("a[href='#id_system_organ_class']").count() == 1
        assert page.locator("[name='verbatim']").input_value() == "Hepatic artery spasm"  # typed values stay
        page.screenshot(path=str(tmp_path / f"ae-soc-error-{language}.png"), full_page=True)
        page.select_option("#id_system_organ_class", "Vascular disorders")
        page.click("#save")
        page.wait_for_url(re.compile(r".*/forms/adverse_events/\d+/$"))
        assert WORDS[language]["saved"] in page.content()
        assert page.locator("#id_term").input_value() == "Vascular disorders - Other, specify"
        assert "Vascular disorders" in page.locator("#derived").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_and_a_casebook_show_iso_dates(server, browser, language):
    base, logins = server
    context, page = signed_in(browser, base, "demo-monitor", logins["demo-monitor"], language, width=820)
    try:
        for path in ("/", "/subjects/", "/subjects/CHA-001-0001/", "/subjects/CHA-001-0001/casebook/"):
            page.goto(base + path)
            text = page.locator("main").inner_text()
            assert not MONTH_NAME.search(text), (path, MONTH_NAME.search(text))
            assert re.search(r"\b20\d\d-\d\d-\d\d\b", text), path
    finally:
        context.close()
