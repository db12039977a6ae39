"""The web app as clinicians use it, in Debian's chromium against ``haictrial serve``:

* tablet and phone widths: the pages at 1366, 820 (iPad Air, portrait) and 390 px (iPhone 12-15) in
  English and Simplified Chinese, screenshots kept under the pytest tmp dir, no horizontal overflow
  (``document.documentElement.scrollWidth <= window.innerWidth``) and no navigation item wrapped one
  character per line;
* errors you can see: a rejected save shows a summary at the top naming each field in error with a link
  to its input (WCAG 2.1 success criterion 3.3.1 "Error Identification"), the focus moves to it, a link
  moves the focus to the input, typed values stay;
* offline: every request a page makes goes to haictrial itself (no CDN), Swagger UI included.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .serving import signed_in

pytestmark = pytest.mark.browser

WIDTHS = (1366, 820, 390)
LANGUAGES = ("en", "zh-hans")
PAGES = ("/", "/screenings/new/", "/screenings/", "/subjects/", "/account/")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_it_fits_the_screen_at_every_width(server, browser, tmp_path, width, language):
    context, page = signed_in(browser, server, "carol", language=language, width=width)
    try:
        for path in PAGES:
            page.goto(server + path)
            assert page.locator("html").get_attribute("lang") == language
            name = path.strip("/").replace("/", "-") or "dashboard"
            page.screenshot(path=str(tmp_path / f"{name}-{width}-{language}.png"), full_page=True)
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{path} at {width} px ({language}): {scroll} > {inner}"
            # A navigation item is one line: its height is under two line heights (no character per line).
            for height, line in page.evaluate(
                "[...document.querySelectorAll('header nav a')].map(a => "
                "[a.getBoundingClientRect().height, parseFloat(getComputedStyle(a).lineHeight) || 22])"
            ):
                assert height < 2 * line, f"{path} at {width} px ({language}): a navigation link wraps"
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rejected_save_lists_the_fields_at_the_top_and_moves_the_focus(server, browser, language):
    context, page = signed_in(browser, server, "carol", language=language, width=820)
    try:
        page.goto(server + "/screenings/new/")
        page.select_option("#id_site", "001")
        page.fill("#id_full_name", "Zhao Liu")
        page.fill("#id_height_cm", "16O")  # a letter O typed for a zero
        page.click("form.screening button[type=submit]")
        summary = page.locator("#error-summary")
        assert summary.is_visible()
        # The summary is at the top of the page and has the focus (WCAG 2.1 SC 3.3.1, 2.4.3).
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.evaluate("document.getElementById('error-summary').getBoundingClientRect().top") < 400
        link = summary.locator('a[href="#id_height_cm"]')
        assert link.count() == 1
        link.click()
        assert page.evaluate("document.activeElement.id") == "id_height_cm"
        assert page.input_value("#id_full_name") == "Zhao Liu"  # typed values stay
    finally:
        context.close()


def test_every_asset_is_served_by_haictrial(server, browser):
    context, page = signed_in(browser, server, "carol", width=1366)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    try:
        for path in (*PAGES, "/api/docs"):
            page.goto(server + path)
            page.wait_for_load_state("networkidle")
        assert page.locator("#swagger-ui").count() == 1
        assert page.locator(".swagger-ui").count() >= 1, "Swagger UI did not render from local assets"
        assert hosts == {urlsplit(server).netloc}, hosts
    finally:
        context.close()
