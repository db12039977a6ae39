"""One patient's trial course in a real browser against ``haictrial serve`` (the core's server fixture):
enrolment, the Baseline eCRF, two HAIC cycles with the planned doses prefilled by the planning engine,
an imaging visit whose measurements give a RECIST 1.1 partial response (48 + 31 mm -> 30 + 20 mm,
-36.7 %) and an optimal Chun morphologic response, an MDT decision to resect entered with the keyboard
only, and an R0 resection (closest margin 3 mm >= 1 mm). The status follows the forms; the dashboard
shows the patient's timeline; the baseline page fits a tablet's width.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from .serving import PASSWORD, api_post, new_page, sign_in

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).parents[2] / "src" / "haictrial" / "protocols" / "examples" / "patient.example.json"
#: The course starts 70 days ago so that every date of it (cycles, imaging, resection at day 60) is in the
#: past: eCRF dates after today are refused at entry.
TODAY = dt.date.today() - dt.timedelta(days=70)


def _day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
def browser_page(server, browser):
    """One page for the whole course (the server and the browser of conftest.py)."""
    context, page = new_page(browser, server)
    yield page
    context.close()


def fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f'[name="{name}"]', value)


def select(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.select_option(f'[name="{name}"]', value)


def check(page, name: str, value: str | None = None) -> None:
    selector = f'[name="{name}"]' + (f'[value="{value}"]' if value else "")
    page.check(selector)


def tab_to(page, name: str | None, element_id: str | None = None) -> None:
    """Press Tab until the input ``name`` (or the element ``element_id``) has the focus: keyboard only."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if name is not None and page.evaluate("document.activeElement.name") == name:
            return
        if element_id is not None and page.evaluate("document.activeElement.id") == element_id:
            return
    pytest.fail(f"{name or element_id} cannot be reached with the Tab key")


def date_keys(page, iso: str) -> str:
    """The digits to type into a date input for ``iso``: the segment order (day-month or month-day) is
    chromium's own, which follows its build's locale rather than the page's, so it is probed once."""
    page.evaluate(
        """() => { const probe = document.createElement("input"); probe.type = "date"; probe.id = "date-probe";
                   document.body.append(probe); probe.focus(); }"""
    )
    probe = page.locator("#date-probe")
    for key in "01022026":
        page.keyboard.press(key)
    month_first = probe.input_value() == "2026-01-02"
    probe.evaluate("e => e.remove()")
    return dt.date.fromisoformat(iso).strftime("%m%d%Y" if month_first else "%d%m%Y")


SAVED = re.compile(r"/forms/\w+/\d+/$")


def save(page) -> None:
    """Save and wait for the saved record's page (not the "new" page the click starts from)."""
    page.click("#save")
    try:
        page.wait_for_url(SAVED)
    except Exception:  # the form came back: say which fields it refused
        summary = page.locator(".error-summary")
        pytest.fail("not saved: " + (summary.inner_text() if summary.count() else page.url))


def open_casebook(page, base: str, subject_id: str) -> None:
    page.goto(f"{base}/subjects/{subject_id}/casebook/")


def enter_cycle(page, number: int, admission: int) -> None:
    page.click("#add-haic_cycle")
    page.wait_for_url(f"**/forms/haic_cycle/new/?cycle={number}")
    assert "BSA" in page.locator("#plan-prefill").inner_text()
    day = _day(admission)
    fill(
        page,
        {
            "admission_date": day,
            "discharge_date": _day(admission + 3),
            "procedure.sheath_fr": "5",
            "procedure.catheter_fr": "3.5",
            "procedure.microcatheter_fr": "2.7",
            "catheter_removed_at": f"{_day(admission + 2)}T10:00",
            "pre_cycle_labs.date": day,
            "pre_cycle_labs.neutrophils.value": "3.1",
            "pre_cycle_labs.platelets.value": "210",
            "weight_kg": "58.5",
        },
    )
    select(
        page,
        {
            "procedure.access_site": "right_femoral",
            "procedure.coeliac_trunk_angiography": "true",
            "procedure.sma_angiography": "true",
            "procedure.microcatheter_position": "proper_hepatic_artery",
        },
    )
    check(page, "procedure.collaterals.__none")
    check(page, "complications.__none")
    rows = page.locator('[name$=".planned_dose_mg"]').count()
    assert rows == 4  # oxaliplatin, leucovorin, fluorouracil bolus and infusion, from the plan
    for i in range(rows):
        planned = page.input_value(f'[name="infusions[{i}].planned_dose_mg"]')
        fill(
            page,
            {
                f"infusions[{i}].given_dose_mg": planned,
                f"infusions[{i}].start_at": f"{day}T08:00",
                f"infusions[{i}].stop_at": f"{_day(admission + 2)}T09:00",
            },
        )
    assert page.input_value('[name="infusions[0].planned_dose_mg"]') == "210.9"  # 130 mg/m2 x 1.62 m2
    save(page)
    assert page.locator("#plan").count() == 1
    assert page.locator("#lab-grades").count() == 1


def test_one_patient_from_enrolment_to_an_r0_resection(server, browser_page):
    page = browser_page
    token = api_post(server, "/api/auth/token", {"username": "carol", "password": PASSWORD})["token"]
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document.pop("subject_id", None)
    document["site"] = "001"
    document["screening_date"] = _day(-3)  # the course below starts in the past
    screening = api_post(server, "/api/screenings", document, token)
    assert screening["eligible"] is True

    sign_in(page, server, "carol")

    # Enrolment.
    page.goto(f"{server}/screenings/{screening['screening_id']}/")
    # The enrolment step records the informed consent (docs/contracts/server.md; ICH E6(R2) 4.8.8).
    page.fill("#id_signed_on", _day(-1))  # before the first study procedure
    page.fill("#id_obtained_by", "Dr Li Wei")
    page.click("#enroll")
    page.wait_for_url("**/subjects/CHA-001-*/")
    subject_id = page.locator("#subject-id").inner_text()
    page.click("#open-casebook")
    page.wait_for_url(f"**/subjects/{subject_id}/casebook/")
    assert "Enrolled" in page.locator("#subject-status").inner_text()

    # Baseline, on a tablet's width first: nothing wider than the screen.
    page.set_viewport_size({"width": 768, "height": 1024})
    page.click("#add-baseline")
    page.wait_for_url("**/forms/baseline/new/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.set_viewport_size({"width": 1280, "height": 900})
    fill(
        page,
        {
            "visit_date": _day(0),
            "demographics.height_cm": "162",
            "demographics.weight_kg": "58.5",
            "baseline_imaging_date": _day(0),
            "lesions[0].id": "T1",
            "lesions[0].longest_diameter_mm": "48",
            "lesions[1].id": "T2",
            "lesions[1].longest_diameter_mm": "31",
            "lvef_percent": "62",
        },
    )
    select(
        page,
        {
            "demographics.sex": "female",
            "primary_tumour.site": "sigmoid_colon",
            "primary_tumour.resected": "false",
            "primary_tumour.histology": "adenocarcinoma",
            "molecular.kras": "wild_type",
            "molecular.nras": "wild_type",
            "molecular.braf": "wild_type",
            "molecular.msi": "mss",
            "baseline_imaging_modality": "ct",
            "lesions[0].role": "target",
            "lesions[0].morphology_group": "3",
            "lesions[1].role": "target",
            "lesions[1].morphology_group": "3",
            "ecog": "0",
        },
    )
    check(page, "lesions[0].segments", "S7")
    check(page, "lesions[1].segments", "S4")
    # The form is prefilled with every liver lesion of the screening, without a RECIST role (the investigator
    # chooses it): the two measured above are the targets, any other is followed as a non-target.
    prefilled = page.locator('select[name^="lesions["][name$="].role"]').count()
    assert prefilled >= 2
    for i in range(2, prefilled):
        if page.input_value(f'[name="lesions[{i}].id"]'):
            select(page, {f"lesions[{i}].role": "non_target", f"lesions[{i}].morphology_group": "3"})
    check(page, "comorbidities.__none")
    save(page)
    assert page.locator("#d-sidedness").inner_text() == "left"

    # Two HAIC cycles, 21 days apart.
    open_casebook(page, server, subject_id)
    enter_cycle(page, 1, 1)
    open_casebook(page, server, subject_id)
    assert "On treatment" in page.locator("#subject-status").inner_text()
    enter_cycle(page, 2, 22)

    # Imaging after cycle 2: a partial response.
    open_casebook(page, server, subject_id)
    page.click("#add-imaging")
    page.wait_for_url("**/forms/imaging/new/")
    fill(page, {"date": _day(36), "after_cycle": "2", "target_mm.T1": "30", "target_mm.T2": "20"})
    select(page, {"modality": "ct", "new_lesions": "false", "morphology.T1": "1", "morphology.T2": "1"})
    for name in page.locator('select[name^="non_target."]').evaluate_all("els => els.map(e => e.name)"):
        select(page, {name: "present", name.replace("non_target.", "morphology."): "1"})  # the 8 mm L3
    save(page)
    assert page.locator("#timepoint-response strong").inner_text() == "PR"  # RECIST 1.1 Table 1: PR, non-CR/non-PD
    assert page.locator("#morphologic-response").inner_text() == "optimal"

    # The MDT review, with the keyboard only.
    open_casebook(page, server, subject_id)
    page.click("#add-mdt_review")
    page.wait_for_url("**/forms/mdt_review/new/")
    page.locator("body").focus()
    review = date_keys(page, _day(37))
    imaged = date_keys(page, _day(36))
    for name, keys in (
        ("date", list(review)),
        ("imaging_date", list(imaged)),
        ("flr_percent", ["4", "5"]),
        ("cirrhosis", ["n"]),  # no
        ("extensive_chemotherapy", ["n"]),
        ("r0_achievable", ["y"]),  # yes
        ("remnant_contiguous_segments", ["4"]),
        ("remnant_inflow_preserved", ["y"]),
        ("remnant_outflow_preserved", ["y"]),
        ("remnant_biliary_drainage_preserved", ["y"]),
        ("portal_vein_embolisation_planned", ["n"]),
        ("two_stage_hepatectomy_planned", ["n"]),
        ("decision", ["r"]),  # resect
        ("reason", list("R0-resectable, adequate remnant")),
    ):
        tab_to(page, name)
        for key in keys:
            page.keyboard.press(key)
    tab_to(page, None, element_id="save")
    page.keyboard.press("Enter")
    page.wait_for_url(SAVED)
    assert page.input_value('[name="decision"]') == "resect"
    assert page.input_value('[name="flr_percent"]') == "45.0"
    assert "yes" in page.locator("#derived").inner_text()

    # An R0 resection.
    open_casebook(page, server, subject_id)
    page.click("#add-resection")
    page.wait_for_url("**/forms/resection/new/")
    fill(
        page,
        {
            "date": _day(60),
            "pathology.margin_mm": "3",
            "pathology.lesion_trgs": "2, 3",
            "pathology.lesions_resected": "2",
        },
    )
    select(page, {"approach": "open", "anatomical": "false", "ablation": "false", "macroscopic_residual": "false"})
    check(page, "segments_resected", "S4")
    check(page, "segments_resected", "S7")
    check(page, "complications.__none")
    save(page)
    assert page.locator("#margin").inner_text() == "R0"

    open_casebook(page, server, subject_id)
    assert "Resected" in page.locator("#subject-status").inner_text()
    assert "<strong>PR</strong>" in page.locator("#timepoints").inner_html()
    visits = page.locator("#visits").inner_text()
    assert "HAIC cycle 2" in visits and "Liver resection" in visits

    page.goto(server + "/")
    line = page.locator(f'#timelines .timeline-line[data-subject="{subject_id}"]')
    text = line.inner_text()
    assert "C1" in text and "C2" in text and "PR" in text and "MDT" in text and "R0" in text
