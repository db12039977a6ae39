"""The screening page shows each criterion's reason in the user's language (NCT06988852 I1-I8, E1-E8):
translated from the stored template and params, the stored result staying English; a screening
stored before the templates existed shows its English reason."""

from __future__ import annotations

import pytest
from django.utils import translation

from haictrial.edc.accounts.services import set_language
from haictrial.edc.subjects.models import Screening

from .test_web import FORM


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """The pages activate the user's language in this thread; leave none active for the next test."""
    yield
    translation.deactivate()


def _screen(client, user, **changes: str) -> Screening:
    client.force_login(user)
    response = client.post("/screenings/new/", dict(FORM, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Screening.objects.get()


def test_a_chinese_speaking_user_sees_chinese_reasons_and_the_stored_result_stays_english(client, users):
    set_language(users["alice"], "zh-hans")
    screening = _screen(client, users["alice"], labs__platelets__value="62")
    page = client.get(f"/screenings/{screening.pk}/").content.decode()
    assert "年龄 65 岁（18-75）" in page
    assert "血小板 62 x10^9/L，低于 75 x10^9/L" in page
    assert "age 65 years" not in page
    stored = {c["id"]: c for c in Screening.objects.get().result["criteria"]}
    assert stored["I1"]["reason"] == "age 65 years (18-75)"
    assert stored["I8"]["reason"] == "platelets 62 x10^9/L below 75 x10^9/L"

    set_language(users["monty"], "en")  # an English-speaking monitor of the same site reads English
    client.force_login(users["monty"])
    page = client.get(f"/screenings/{screening.pk}/").content.decode()
    assert "age 65 years (18-75)" in page and "platelets 62 x10^9/L below 75 x10^9/L" in page


def test_an_old_screening_without_templates_shows_its_english_reason(client, users):
    screening = _screen(client, users["alice"])
    result = dict(screening.result)
    template_fields = ("reason_template", "reason_params", "reason_parts")
    result["criteria"] = [{k: v for k, v in c.items() if k not in template_fields} for c in result["criteria"]]
    Screening.objects.filter(pk=screening.pk).update(result=result)
    set_language(users["alice"], "zh-hans")
    client.force_login(users["alice"])
    page = client.get(f"/screenings/{screening.pk}/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "age 65 years (18-75)" in page and "年龄 65 岁" not in page
