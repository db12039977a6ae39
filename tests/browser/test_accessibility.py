"""Accessibility of the main pages of every role, in English and Simplified Chinese: an axe-core run in Debian's
chromium finds no ``serious`` or ``critical`` violation.

axe-core (Deque Systems, MPL-2.0) is vendored as a test fixture, ``fixtures/axe.min.js``, licence header intact
(``npm pack axe-core@4``). The pages send a self-only Content-Security-Policy, which refuses the inline script
``page.add_script_tag`` would insert; the script is therefore evaluated through the DevTools protocol
(``page.evaluate``), which CSP does not govern, and the page under test keeps its real policy.

References
----------
- W3C, Web Content Accessibility Guidelines (WCAG) 2.1, levels A and AA (the ``wcag2a``, ``wcag2aa``,
  ``wcag21a``, ``wcag21aa`` rule tags of axe-core).
- Deque, axe-core API documentation: ``axe.run(context, options)``, ``violations[].impact``
  (minor, moderate, serious, critical).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .serving import demo_logins, new_page, require_chromium, server_environment, serving, sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "fixtures" / "axe.min.js"
LANGUAGES = ("en", "zh-hans")
#: The impacts that fail the test (axe-core's two highest).
BLOCKING = ("serious", "critical")
#: WCAG 2.1 A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SUBJECT = "CHA-001-0001"
COMMON = ["/", "/account/", "/subjects/", f"/subjects/{SUBJECT}/", f"/subjects/{SUBJECT}/casebook/"]
#: The main pages of each role (the demo users of haictrial.edc.demo.USERS).
PAGES = {
    "demo-investigator": [
        *COMMON,
        "/screenings/",
        "/screenings/new/",
        f"/subjects/{SUBJECT}/plan/",
        f"/subjects/{SUBJECT}/forms/adverse_events/new/",
        f"/subjects/{SUBJECT}/forms/haic_cycle/new/",
    ],
    "demo-coordinator": [*COMMON, "/safety/sae/", "/data-management/", f"/subjects/{SUBJECT}/forms/baseline/new/"],
    "demo-monitor": [*COMMON, "/monitoring/worklist/", "/data-management/"],
    "demo-statistician": ["/", "/account/", "/reports/"],
    "demo-admin": [*COMMON, "/data-management/", "/status-grid/"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo cohort (3 subjects at 001, 1 at 002) served by ``haictrial serve``."""
    require_chromium()
    data = tmp_path_factory.mktemp("accessibility-data")
    env = server_environment(data)
    logins = demo_logins(env, 4, 1)
    with serving(env, data) as url:
        yield url, logins


def axe_violations(page) -> list[dict]:
    """axe-core's violations of WCAG 2.1 A/AA on the page as loaded."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", TAGS
    )


def describe(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def test_the_vendored_axe_core_keeps_its_licence_header():
    head = AXE.read_text(encoding="utf-8")[:600]
    assert head.startswith("/*! axe v4.") and "Mozilla Public" in head and "Deque Systems" in head


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", sorted(PAGES))
def test_the_main_pages_of_each_role_have_no_serious_violation(server, browser, username, language):
    base, logins = server
    context, page = new_page(browser, base, language, width=1366)
    try:
        page.goto(base + "/login/")
        found = {"/login/": describe(axe_violations(page))}
        sign_in(page, base, username, logins[username])
        checked = 0
        for path in PAGES[username]:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, (path, response and response.status)
            found[path] = describe(axe_violations(page))
            checked += 1
        assert checked == len(PAGES[username])
        blocking = {path: v for path, v in found.items() if v}
        assert not blocking, "\n".join(f"{path}: {v}" for path, v in blocking.items())
    finally:
        context.close()


def test_an_injected_fault_is_found(server, browser):
    """The run can fail: an image without alternative text is a critical violation (WCAG 1.1.1, axe image-alt)."""
    base, _ = server
    page = browser.new_page()
    try:
        page.goto(base + "/login/")
        page.evaluate("document.body.appendChild(Object.assign(document.createElement('img'), {src: '/x.png'}))")
        assert any(v.startswith("image-alt (critical)") for v in describe(axe_violations(page)))
    finally:
        page.close()
