"""The real server in a real browser: ``haictrial serve`` (gunicorn) on a free port with a temporary
data directory, driven by Debian's chromium through Playwright (never ``playwright install``).

A coordinator signs in, screens the contract's example patient with the form, sees the sixteen
criteria (NCT06988852 I1-I8, E1-E8) and their reasons, enrols the patient and opens the cycle plan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from .serving import haictrial, server_environment, serving

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Corr3ct-horse-battery-staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    data = tmp_path_factory.mktemp("edc-data")
    env = server_environment(data)
    haictrial(["site", "add", "001", "--name", "Tongji Hospital"], env)
    haictrial(["user", "add", "carol", "--role", "coordinator", "--site", "001"], env, stdin=PASSWORD + "\n")
    with serving(env, data) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB")
        yield context.new_page()
        context.close()
        browser.close()


def test_sign_in_screen_enrol_and_open_the_plan(server, page):
    page.goto(server + "/login/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
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
