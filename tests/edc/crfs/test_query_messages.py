"""An edit-check query stores its message language-neutral beside the English and shows it in zh-Hans on the
form page; a row without a template (older, or a monitor's) shows the stored English.

References: ICH E2A section II.A (an adverse event occurs during the study: one before enrolment is medical
history), the edit check XF-ae-after-enrolment.
"""

from __future__ import annotations

import datetime as dt

from django.test import Client

from haictrial.edc.crfs import services
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.dm.models import Query

from .conftest import payloads


def test_an_edit_check_query_is_stored_with_its_template_and_shown_in_chinese(users, subject_id, course):
    alice = users["alice"]
    event = payloads(course, "adverse_events")[0]
    enrolment = dt.date.fromisoformat(course["enrolment_date"])
    onset = (enrolment - dt.timedelta(days=5)).isoformat()
    event.update(onset_date=onset, resolution_date=None)
    services.save_form(alice, subject_id, "adverse_events", event)
    query = Query.objects.get(check_id="XF-ae-after-enrolment")
    english = f"{onset} vs enrolment {enrolment}: an event before enrolment is medical history, not an adverse event"
    assert query.message == english
    assert query.message_template == "{date} vs enrolment {enrolment}: {check_term}"
    assert query.message_params == {
        "date": onset,
        "enrolment": enrolment.isoformat(),
        "check_term": english.split(": ", 1)[1],
    }
    record = FormRecord.objects.get(form="adverse_events")
    alice.language = "zh-hans"
    alice.save()
    client = Client()
    client.force_login(alice)
    url = f"/subjects/{subject_id}/forms/adverse_events/{record.pk}/"
    page = client.get(url).content.decode()
    assert f"{onset}，入组日期 {enrolment}：入组前发生的事件属于既往病史，不是不良事件" in page
    assert "medical history, not an adverse event" not in page
    Query.objects.filter(pk=query.pk).update(message_template="", message_params={})  # a row stored before
    assert english in client.get(url).content.decode()
