"""Documents on the web: the order sheet PDF from the plan page (two signature lines: prescriber and verifier,
ASCO/ONS chemotherapy administration safety standard 2016, standard 2.2: independent verification of orders),
the iCalendar file of the visit calendar (RFC 5545), and the printable layout and blank CRF PDF of every form."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.test import Client

from haictrial.clinical.crf_base import FormName
from haictrial.edc.accounts.models import User

from .conftest import payloads, post_form


def login(name, language="en"):
    User.objects.filter(username=name).update(language=language)
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def pdf_text(content: bytes) -> str:
    """The text of a PDF as pdftotext (poppler-utils, an outside reader; scripts/system-deps) reads it."""
    done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode()


def pdf_pages(content: bytes) -> int:
    done = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    return int(re.search(rb"^Pages:\s+(\d+)", done.stdout, re.M).group(1))


def test_the_plan_page_links_the_order_sheet_pdf_with_two_signature_lines(api, subject_id, course):
    assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    carol = login("carol")
    page = carol.get(f"/subjects/{subject_id}/plan/?cycle=1").content.decode()
    link = re.search(r'id="order-sheet-pdf" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = carol.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert pdf_pages(response.content) == 1
    assert "Prescriber (name)" in text and "Verifier (name)" in text and text.count("Signature") >= 2
    assert subject_id in text and "oxaliplatin" in text.lower()


def test_an_order_sheet_of_an_impossible_cycle_is_a_one_line_error(api, subject_id):
    response = login("carol").get(f"/subjects/{subject_id}/plan/order-sheet.pdf?cycle=x")
    assert response.status_code == 400 and "cycle:" in response.content.decode()


def test_the_other_site_gets_no_order_sheet(api, subject_id):
    assert login("bob").get(f"/subjects/{subject_id}/plan/order-sheet.pdf?cycle=1").status_code == 404


def test_the_calendar_file_is_icalendar_with_the_subjects_visits(api, subject_id):
    carol = login("carol")
    page = carol.get(f"/subjects/{subject_id}/").content.decode()
    link = re.search(r'id="calendar-ics" href="([^"]+)"', page).group(1)
    response = carol.get(link)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR") and text.rstrip().endswith("END:VCALENDAR")
    assert "\r\n" in text  # RFC 5545 3.1: lines end with CRLF
    assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") >= 6


@pytest.mark.parametrize("form", [f.value for f in FormName])
def test_every_form_has_a_printable_layout_and_a_blank_crf_pdf(users, form):
    client = login("carol")
    index = client.get("/forms/").content.decode()
    assert f"/forms/{form}/blank/" in index
    page = client.get(f"/forms/{form}/blank/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="blank-form"' in text and "style=" not in text and "<script>" not in text
    pdf = client.get(f"/forms/{form}/blank/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert "Entered by" in pdf_text(pdf.content)


def test_the_blank_crf_is_in_the_users_language(users):
    text = login("carol", "zh-hans").get("/forms/haic_cycle/blank/").content.decode()
    assert re.search(r"<h2>[^<]*[\u4e00-\u9fff]", text)
    assert login("carol").get("/forms/no_such_form/blank/").status_code == 404


def test_the_mdt_pack_is_one_pdf_with_the_course_recist_labs_open_events_and_plan(api, subject_id, course):
    for form in ("baseline", "haic_cycle", "imaging", "adverse_events"):
        for payload in payloads(course, form):
            response = post_form(api, "alice", subject_id, form, payload)
            assert response.status_code == 201, (form, response.content)
    open_event = {
        "term": "Fatigue", "grade": 2, "onset_date": payloads(course, "haic_cycle")[-1]["admission_date"],
        "action_taken": "none", "outcome": "not_recovered", "attribution": {"oxaliplatin": "possible"},
    }  # fmt: skip
    assert post_form(api, "alice", subject_id, "adverse_events", open_event).status_code == 201
    carol = login("carol")
    page = carol.get(f"/subjects/{subject_id}/").content.decode()
    link = re.search(r'id="mdt-pack" href="([^"]+)"', page).group(1)
    response = carol.get(link)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for heading in (
        "Course so far",
        "RECIST 1.1 assessments",
        "Laboratory values",
        "Open adverse events",
        "Current plan",
    ):
        assert heading in text, heading
    assert "oxaliplatin" in text and "Fatigue" in text and "Nausea" not in text  # nausea resolved: not open
    assert "Change of the sum of target-lesion diameters" not in text  # the spider plot is a picture, not text
    assert b"/Subtype /Image" in response.content or b"/Image" in response.content
    chinese = login("carol", "zh-hans").get(link)
    chinese_text = pdf_text(chinese.content)
    assert chinese.status_code == 200 and "既往病程" in chinese_text and "当前计划" in chinese_text
