"""Child-Pugh points per component on the screening result and on the baseline eCRF's derived view:
bilirubin, albumin, INR, ascites and encephalopathy, 1-3 points each, then the total and the class.

References
----------
Pugh RNH, Murray-Lyon IM, Dawson JL, Pietroni MC, Williams R. Br J Surg 1973;60(8):646-649
(doi:10.1002/bjs.1800600817), with the INR row in place of the prothrombin time (clinical/child_pugh.py):
bilirubin 34-50 umol/L and albumin 28-35 g/L score 2 points; INR < 1.7 and no ascites / no encephalopathy
score 1 point; class A is 5-6 points, B 7-9.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from haictrial.edc.crfs import services as crfs
from haictrial.edc.crfs.models import FormRecord

from .crfs.conftest import course, payloads, subject_id  # noqa: F401 - fixtures

ROW = re.compile(r'<tr data-component="(\w+)"><th scope="row">([^<]+)</th><td class="num">(.*?)</td></tr>', re.S)
HEADINGS = {
    "en": ["Total bilirubin", "Albumin", "INR", "Ascites", "Hepatic encephalopathy", "Total score (class)"],
    "zh-hans": ["总胆红素", "白蛋白", "INR", "腹水", "肝性脑病", "总分（分级）"],
}


def _rows(html: str) -> dict[str, tuple[str, str]]:
    table = html[html.index('id="child-pugh"') :]
    table = table[: table.index("</table>")]
    return {key: (heading, re.sub(r"<[^>]+>", "", cell).strip()) for key, heading, cell in ROW.findall(table)}


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def patient(patient):
    """The example patient with albumin 33 g/L (2 points): 6 points, class A, eligible."""
    patient["labs"]["albumin"] = {"value": 33, "unit": "g/L"}
    return patient


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_screening_result_shows_the_points_of_each_component(api, users, patient, language):
    patient["labs"]["total_bilirubin"] = {"value": 40, "unit": "umol/L"}  # 2 points: 7 in all, class B
    created = api["alice"].post("/api/screenings", patient)
    assert created.status_code == 201, created.content
    html = _client(users["alice"], language).get(f"/screenings/{created.json()['screening_id']}/").content.decode()
    rows = _rows(html)
    assert [heading for heading, _cell in rows.values()] == HEADINGS[language]
    points = {key: cell for key, (_heading, cell) in rows.items()}
    total = "7 (B 级)" if language == "zh-hans" else "7 (class B)"
    assert points == {
        "total_bilirubin": "2",
        "albumin": "2",
        "inr": "1",
        "ascites": "1",
        "hepatic_encephalopathy": "1",
        "total": total,
    }


@pytest.mark.django_db
def test_a_missing_component_is_shown_as_not_recorded(api, users, patient):
    del patient["labs"]["inr"]
    created = api["alice"].post("/api/screenings", patient)
    assert created.status_code == 201, created.content
    html = _client(users["alice"], "en").get(f"/screenings/{created.json()['screening_id']}/").content.decode()
    points = {key: cell for key, (_heading, cell) in _rows(html).items()}
    assert points["inr"] == "not recorded"
    # Without a score the engine gives no points: the recorded components show a dash, never a guess.
    assert points["albumin"] == "—"
    assert points["total"] == "not computable: a component is not recorded"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_baseline_derived_view_shows_the_enrolment_screenings_child_pugh(users, subject_id, course, language):  # noqa: F811
    # The enrolled patient (albumin 33 g/L, 2 points; 1 point for every other component): 6 points, class A.
    record = crfs.save_form(users["alice"], subject_id, "baseline", payloads(course, "baseline")[0])
    stored = FormRecord.objects.get(pk=record.pk).derived["child_pugh"]
    assert stored == {
        "score": 6,
        "class": "A",
        "points": {"total_bilirubin": 1, "albumin": 2, "inr": 1, "ascites": 1, "hepatic_encephalopathy": 1},
    }
    html = _client(users["alice"], language).get(f"/subjects/{subject_id}/forms/baseline/{record.pk}/").content.decode()
    derived = html[html.index('id="derived"') :]
    rows = _rows(derived)
    assert [heading for heading, _cell in rows.values()] == HEADINGS[language]
    assert [cell for _heading, cell in rows.values()][:5] == ["1", "2", "1", "1", "1"]
    assert rows["total"][1] == ("6 (A 级)" if language == "zh-hans" else "6 (class A)")
