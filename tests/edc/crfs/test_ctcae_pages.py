"""Pages that show a CTCAE v5.0 term show its Chinese name beside it in zh-Hans, and the English term alone in
English: the adverse-event list (casebook) and form, the SAE desk, the cycle's laboratory grades table.

References: NCI CTCAE v5.0 and its Chinese translation (常见不良事件评价标准 5.0 版): "Neutrophil count
decreased" 中性粒细胞计数降低, "Nausea" 恶心; MedDRA Chinese SOC "Investigations" 各类检查; ICH E2A II.B
(seriousness criteria, the SAE desk).
"""

from __future__ import annotations

import pytest
from django.test import Client

from haictrial.edc.crfs import services
from haictrial.edc.crfs.models import FormRecord

from .conftest import payloads


def client_for(user, language: str) -> Client:
    user.language = language
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def recorded(users, subject_id, course):
    alice = users["alice"]
    for form in ("baseline", "haic_cycle"):
        for payload in payloads(course, form):
            services.save_form(alice, subject_id, form, payload)
    serious = {
        **payloads(course, "adverse_events")[0],
        "term": "Neutrophil count decreased",
        "grade": 4,
        "seriousness": ["hospitalisation"],
        "aware_at": f"{course['haic_cycles'][0]['admission_date']}T10:00:00+08:00",
    }
    services.save_form(alice, subject_id, "adverse_events", serious)
    return subject_id


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", True), ("en", False)])
def test_the_casebook_and_ae_form_show_the_chinese_name_beside_the_term(users, recorded, language, shown):
    client = client_for(users["alice"], language)
    casebook = client.get(f"/subjects/{recorded}/casebook/").content.decode()
    assert "Neutrophil count decreased" in casebook
    assert ('<span class="ctcae-zh" lang="zh-Hans">中性粒细胞计数降低</span>' in casebook) is shown
    record = FormRecord.objects.get(form="adverse_events")
    page = client.get(f"/subjects/{recorded}/forms/adverse_events/{record.pk}/").content.decode()
    assert 'value="Neutrophil count decreased"' in page  # the data keep the English term
    assert ("中性粒细胞计数降低</small>" in page) is shown
    assert ('<option value="Nausea" label="恶心">' in page) is shown  # the type-ahead list
    assert ("各类检查" in page) is shown  # its system organ class, Investigations
    new = client.get(f"/subjects/{recorded}/forms/adverse_events/new/").content.decode()
    assert ('label="周围感觉神经病变"' in new) is shown


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", True), ("en", False)])
def test_the_sae_desk_shows_the_chinese_name(users, recorded, language, shown):
    desk = client_for(users["alice"], language).get("/safety/sae/")
    assert desk.status_code == 200
    html = desk.content.decode()
    assert "Neutrophil count decreased" in html
    assert ("中性粒细胞计数降低" in html) is shown


def test_the_cycle_lab_grades_table_shows_the_chinese_names(users, recorded):
    client = client_for(users["alice"], "zh-hans")
    record = FormRecord.objects.filter(form="haic_cycle").order_by("pk").first()
    html = client.get(f"/subjects/{recorded}/forms/haic_cycle/{record.pk}/").content.decode()
    table = html[html.index('id="lab-grades"') :]
    table = table[: table.index("</table>")]
    assert "Platelet count decreased" in table and "血小板计数降低" in table
