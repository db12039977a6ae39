"""The screening form in a real browser (Debian chromium through Playwright): a letter in a number field and
a screening date after today are errors on their fields, and what was typed stays in the form.

Sources: docs/contracts/server.md ("Input is typed strictly at every boundary"; a date after today in the site
time zone is refused); the form never truncates what was typed ("16O" is not 16 cm).
"""

from __future__ import annotations

import datetime as dt

import pytest

from .serving import signed_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def form_page(server, browser):
    """The coordinator signed in (the server and the browser of conftest.py)."""
    context, page = signed_in(browser, server, "carol")
    yield page
    context.close()


def _error_of(page, field: str) -> str:
    return page.locator(f"p.field.has-error:has(#id_{field}) .error").inner_text()


def test_a_letter_in_a_number_and_a_future_date_are_field_errors_keeping_the_typed_values(server, form_page):
    page = form_page
    next_year = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=366)).isoformat()
    page.goto(server + "/screenings/new/")
    page.select_option("#id_site", "001")
    page.fill("#id_full_name", "Zhao Liu")
    page.fill("#id_screening_date", next_year)
    page.fill("#id_height_cm", "16O")  # a letter O typed for a zero
    page.fill("#id_weight_kg", "58.5")
    page.fill("#id_labs__platelets__value", "1OO")
    page.click("form.screening button[type=submit]")
    page.wait_for_load_state()

    assert "/screenings/new/" in page.url  # nothing was stored
    assert "Enter a number." in _error_of(page, "height_cm")
    assert (
        "Enter a number."
        in page.locator(
            "#id_labs__platelets__value + ul.errorlist, td:has(#id_labs__platelets__value) .errorlist"
        ).first.inner_text()
    )
    assert page.input_value("#id_height_cm") == "16O"
    assert page.input_value("#id_labs__platelets__value") == "1OO"
    assert page.input_value("#id_screening_date") == next_year
    assert page.input_value("#id_full_name") == "Zhao Liu" and page.input_value("#id_weight_kg") == "58.5"

    # The numbers corrected, the future screening date is refused by the core, on its field.
    page.fill("#id_height_cm", "160")
    page.fill("#id_labs__platelets__value", "100")
    page.click("form.screening button[type=submit]")
    page.wait_for_load_state()
    assert "/screenings/new/" in page.url
    assert "today" in _error_of(page, "screening_date")
    assert page.input_value("#id_screening_date") == next_year
    assert page.input_value("#id_height_cm") == "160"
