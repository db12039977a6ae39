"""The real server in a real browser: ``haictrial serve`` (gunicorn) on a free port with a temporary
data directory, driven by Debian's chromium through Playwright (never ``playwright install``).

A coordinator signs in, screens the contract's example patient with the form, sees the sixteen
criteria (NCT06988852 I1-I8, E1-E8) and their reasons, enrols the patient and opens the cycle plan.
"""

from __future__ import annotations

import datetime as dt

import pytest

from .serving import new_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(server, browser):
    """One page for the module's steps (the server and the browser of conftest.py)."""
    context, page = new_page(browser, server)
    yield page
    context.close()


def test_sign_in_screen_enrol_and_open_the_plan(server, page):
    sign_in(page, server, "carol")
    assert page.locator("h1").inner_text() == "Dashboard"

    page.goto(server + "/screenings/new/")
    page.select_option("#id_site", "001")
    page.fill("#id_full_name", "Wang Wu")
    for field, value in {
        "birth_date": "1961-04-03",
        "screening_date": "2026-11-20",
        "height_cm": "162",
        "weight_kg": "58.5",
        "lvef_percent": "62",
        "fev1_fvc_percent": "78",
        "liver_lesions__0__longest_diameter_mm": "48",
        "labs__wbc__value": "5.6",
        "labs__neutrophils__value": "3.4",
        "labs__platelets__value": "182",
        "labs__hemoglobin__value": "118",
        "labs__total_bilirubin__value": "14.2",
        "labs__albumin__value": "39",
        "labs__inr__value": "1.04",
        "labs__alt__value": "42",
        "labs__ast__value": "51",
        "labs__creatinine__value": "71",
    }.items():
        page.fill(f"#id_{field}", value)
    for field, value in {
        "sex": "female",
        "ecog": "1",
        "data_complete": "true",
        "pathology_confirmed_crlm": "true",
        "other_malignancy_history": "false",
        "prior_systemic_treatment": "progressed",
        "primary_tumor__site": "sigmoid_colon",
        "primary_tumor__completely_resectable": "true",
        "molecular__kras": "wild_type",
        "molecular__nras": "wild_type",
        "molecular__braf": "wild_type",
        "extrahepatic_metastasis": "false",
        "peritoneal_spread": "false",
        "ascites": "none",
        "hepatic_encephalopathy": "none",
        "liver_lesions__0__segment": "S7",
        "medical_history_assessed": "true",
        "allergies_assessed": "true",
        "unable_to_tolerate_assessed": "true",
        "prior_liver_directed_treatment_assessed": "true",
    }.items():
        page.select_option(f"#id_{field}", value)
    page.click("form.screening button[type=submit]")
    page.wait_for_url("**/screenings/*/")

    rows = page.locator("#criteria tr.criterion")
    assert rows.count() == 16
    assert page.locator("#criteria tr[data-id=I1]").inner_text().count("age 65 years") == 1
    assert page.locator("#criteria td.fail").count() == 0
    assert "eligible" in page.locator("#verdict").inner_text()

    # The enrolment step records the informed consent (docs/contracts/server.md; ICH E6(R2) 4.8.8).
    page.fill("#id_signed_on", dt.datetime.now(dt.UTC).date().isoformat())  # UTC today <= the site's today
    page.fill("#id_obtained_by", "Dr Li Wei")
    page.click("#enroll")
    page.wait_for_url("**/subjects/CHA-001-0001/")
    assert page.locator("#subject-id").inner_text() == "CHA-001-0001"
    assert "cetuximab" in page.locator("#agent").inner_text()

    page.click("#open-plan")
    page.wait_for_url("**/subjects/CHA-001-0001/plan/?cycle=1")
    assert "1.62" in page.locator("#bsa").inner_text()
    table = page.locator("#administrations").inner_text()
    assert "oxaliplatin" in table and "210.9" in table  # 130 mg/m2 x 1.62 m2 (docs/contracts/plan.md)
