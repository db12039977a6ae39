"""The imaging form stores the reader's overall response beside the measurements; when it disagrees with the
RECIST 1.1 engine's time-point response an edit-check query (XF-reader-response) opens on that field, and it
closes when the two agree. Both languages.

References
----------
RECIST 1.1, Eisenhauer EA et al., Eur J Cancer 2009;45:228-47, section 4.3 and Table 1: the example subject's
targets go from 48 + 31 = 79 mm at baseline to 30 + 20 = 50 mm (-36.7 %, at least 30 % smaller), the
non-target is present and there is no new lesion: partial response (PR).
"""

from __future__ import annotations

import pytest
from django.test import Client

from haictrial.clinical.crf_outcome import ImagingAssessmentForm
from haictrial.clinical.edit_checks import check_by_id
from haictrial.documents import parse_model
from haictrial.edc.crfs import services
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.dm.models import Query, QueryStatus
from haictrial.errors import InputError

from .crfs.conftest import course, payloads, subject_id  # noqa: F401 - fixtures
from .crfs.test_pages import post_data

LABEL = {"en": "Reader&#x27;s time-point response", "zh-hans": "阅片者的时间点疗效评价"}


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _queries(record_id: int) -> list[Query]:
    return list(Query.objects.filter(record_id=record_id, check_id="XF-reader-response"))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_disagreeing_reader_response_is_stored_and_queried_then_closed_when_corrected(
    users,
    subject_id,  # noqa: F811
    course,  # noqa: F811
    language,
):
    services.save_form(users["alice"], subject_id, "baseline", payloads(course, "baseline")[0])
    lesions = course["baseline"]["lesions"]
    client = _client(users["carol"], language)
    page = client.get(f"/subjects/{subject_id}/forms/imaging/new/").content.decode()
    assert 'name="reader_response"' in page and LABEL[language] in page
    payload = payloads(course, "imaging")[0]
    data = post_data("imaging", payload, lesions) | {"reader_response": "SD"}
    response = client.post(f"/subjects/{subject_id}/forms/imaging/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = FormRecord.objects.get(form="imaging")
    assert record.payload["reader_response"] == "SD" and record.payload["target_mm"] == {"T1": 30, "T2": 20}
    assert record.derived["timepoint"]["overall_response"] == "PR"
    [query] = _queries(record.pk)
    assert query.status == QueryStatus.open and query.field == "reader_response"
    assert "SD" in query.message and "PR" in query.message
    shown = client.get(response["Location"]).content.decode()
    field = shown[shown.index('data-path="reader_response"') :]
    assert "query-flag" in field[: field.index("</div>")]
    assert 'id="reader-response"' in shown
    # The reader's response corrected to the engine's: the check passes and its query closes.
    data["reader_response"] = "PR"
    data["version"] = str(record.version)
    data["reason"] = "reader response re-read"
    data["action"] = "save"
    again = client.post(response["Location"], data)
    assert again.status_code == 302, again.content.decode()[:2000]
    assert [q.status for q in _queries(record.pk)] == [QueryStatus.closed]


@pytest.mark.django_db
def test_an_agreeing_reader_response_raises_no_query(users, subject_id, course):  # noqa: F811
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    record = services.save_form(
        alice, subject_id, "imaging", payloads(course, "imaging")[0] | {"reader_response": "PR"}
    )
    assert _queries(record.pk) == []


def test_the_reader_response_needs_the_measurements_and_is_not_a_second_reader_only_response():
    measured = {"date": "2026-02-19", "target_mm": {"T1": 30}, "reader_response": "PR"}
    assert parse_model(ImagingAssessmentForm, measured).reader_response == "PR"
    with pytest.raises(InputError) as error:
        parse_model(ImagingAssessmentForm, {"date": "2026-02-19", "reader_response": "PR"})
    assert error.value.field == "reader_response"
    with pytest.raises(InputError) as error:
        parse_model(ImagingAssessmentForm, {"date": "2026-02-19", "overall_response": "PR", "reader_response": "PR"})
    assert error.value.field in ("overall_response", "reader_response")


def test_the_check_cites_recist():
    check = check_by_id("XF-reader-response")
    assert check.field == "reader_response" and "Eisenhauer" in check.reference and "Table 1" in check.reference
