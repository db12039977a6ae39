"""A new Baseline eCRF opens prefilled from the enrolment screening (demographics, primary tumour, RAS/BRAF,
ECOG, LVEF, the liver lesions), each prefilled input marked, everything editable, nothing stored until the
user saves; what the screening does not know (MSI, histology, the RECIST role) stays empty. Both languages.

References: ICH E6(R2) 4.9.0 (source data attributable and consistent: entered once, confirmed);
RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228) section 4.2: the investigator selects the targets.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from haictrial.clinical.baseline_prefill import baseline_from_screening
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.edc.crfs.models import FormRecord

from .crfs.conftest import course, subject_id  # noqa: F401 - fixtures

NOTICE = {"en": "fields are prefilled from the enrolment screening", "zh-hans": "个字段已根据入组筛选预填"}
MARK = {"en": "from the screening", "zh-hans": "来自筛选"}


def _client(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _field(html: str, path: str) -> str:
    start = html.index(f'data-path="{path}"')
    return html[html.rindex("<div", 0, start) : html.index("</div>", start)]


def _value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{re.escape(name)}".*?</select>', html, re.S)
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0)) if select else None
    return chosen.group(1) if chosen else None


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_new_baseline_opens_with_what_the_screening_knows_marked_and_nothing_stored(users, subject_id, language):  # noqa: F811
    html = _client(users["alice"], language).get(f"/subjects/{subject_id}/forms/baseline/new/").content.decode()
    assert NOTICE[language] in html
    assert _value(html, "demographics.birth_date") == "1961-04-03"  # alice is staff of the subject's site
    assert _selected(html, "demographics.sex") == "female"
    assert float(_value(html, "demographics.height_cm")) == 162
    assert float(_value(html, "demographics.weight_kg")) == 58.5
    assert _selected(html, "primary_tumour.site") == "sigmoid_colon"
    assert _selected(html, "primary_tumour.resected") == "false"
    assert [_selected(html, f"molecular.{g}") for g in ("kras", "nras", "braf")] == ["wild_type"] * 3
    assert _selected(html, "ecog") == "1" or _value(html, "ecog") == "1"
    assert float(_value(html, "lvef_percent")) == 62
    assert [float(_value(html, f"lesions[{i}].longest_diameter_mm")) for i in range(3)] == [48, 31, 8]
    assert re.search(r'name="lesions\[0\]\.segments" value="S7"[^>]*checked', html)
    for path in ("demographics.weight_kg", "molecular.kras", "lesions[1].longest_diameter_mm"):
        assert "prefilled" in _field(html, path) and MARK[language] in _field(html, path)
    # Not known at screening: empty and not marked.
    assert not _selected(html, "molecular.msi") and "prefilled" not in _field(html, "molecular.msi")
    assert not _selected(html, "lesions[0].role")
    assert not FormRecord.objects.filter(form="baseline").exists()


@pytest.mark.django_db
def test_the_prefilled_values_are_editable_and_saved_only_with_the_form(users, subject_id, course):  # noqa: F811
    client = _client(users["carol"])
    html = client.get(f"/subjects/{subject_id}/forms/baseline/new/").content.decode()
    assert not FormRecord.objects.exists()
    data = {
        name: value
        for name in re.findall(r'<input[^>]*name="([^"]+)"', html)
        if (value := _value(html, name)) and name != "csrfmiddlewaretoken" and "segments" not in name
    }
    data |= {k: v for k in ("demographics.sex", "primary_tumour.site", "primary_tumour.resected",
                            "molecular.kras", "molecular.nras", "molecular.braf") if (v := _selected(html, k))}  # fmt: skip
    data |= {"ecog": "1", "demographics.weight_kg": "57.0", "lesions[0].segments": "S7", "lesions[1].segments": "S4",
             "lesions[2].segments": "S2", "lesions[0].role": "target", "lesions[1].role": "target",
             "lesions[2].role": "non_target"}  # fmt: skip
    response = client.post(f"/subjects/{subject_id}/forms/baseline/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    payload = FormRecord.objects.get(form="baseline").payload
    assert payload["demographics"]["weight_kg"] == 57.0  # the edit, not the screening's 58.5
    assert payload["demographics"]["height_cm"] == 162 and payload["molecular"]["kras"] == "wild_type"
    assert [lesion["id"] for lesion in payload["lesions"]] == ["L1", "L2", "L3"]
    # Opening the stored record shows it as stored, without the prefill marks.
    shown = client.get(response["Location"]).content.decode()
    assert 'id="prefill-notice"' not in shown and "prefill-note" not in shown


def test_without_the_birth_date_and_lesions_nothing_is_invented():
    patient = parse_model(Patient, {"sex": "male", "molecular": {"kras": "mutant"}})
    payload, filled = baseline_from_screening(patient)
    assert payload == {"demographics": {"sex": "male"}, "molecular": {"kras": "mutant"}}
    assert filled == ["demographics.sex", "molecular.kras"]
