"""The enrolment pages: the consent step, the possible-duplicate warning with its links, "Correct this
screening" with a reason, the consent on the subject page, the screening log's count of persons
(docs/contracts/server.md, "Enrolment"; ICH E6(R2) 4.8.8; RFC 7396 for the correction's merge patch)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.subjects.models import Screening, Subject

from .enrolment import consent_record
from .test_web import FORM


def _screen(client, **changes) -> str:
    response = client.post("/screenings/new/", dict(FORM, **changes))
    assert response.status_code == 302, response.content.decode()[-2000:]
    return response.url


def test_the_enrolment_step_asks_for_the_consent(client, users):
    client.force_login(users["alice"])
    page = client.get(_screen(client)).content.decode()
    assert 'name="signed_on"' in page and 'name="icf_version"' in page and 'name="obtained_by"' in page
    assert '<option value="1.0"' in page  # the protocol's approved ICF versions


def test_a_consent_error_is_shown_on_its_field_and_keeps_what_was_typed(client, users):
    client.force_login(users["alice"])
    url = _screen(client)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(url + "enroll/", consent_record(obtained_by="Dr Typed Name") | {"signed_on": tomorrow})
    assert response.status_code == 422
    page = response.content.decode()
    assert "after today" in page and 'value="Dr Typed Name"' in page and f'value="{tomorrow}"' in page
    missing = client.post(url + "enroll/", {"signed_on": timezone.localdate().isoformat(), "icf_version": "1.0"})
    assert missing.status_code == 422 and "This field is required." in missing.content.decode()
    assert not Subject.objects.exists()


def test_the_subject_page_shows_the_consent(client, users):
    client.force_login(users["alice"])
    response = client.post(_screen(client) + "enroll/", consent_record())
    page = client.get(response.url).content.decode()
    assert 'id="consent"' in page and timezone.localdate().isoformat() in page and "Dr Li Wei" in page


def test_a_second_screening_of_the_person_warns_with_a_link_to_the_first(client, users):
    client.force_login(users["alice"])
    first = _screen(client)
    client.post(first + "enroll/", consent_record())
    second = _screen(client, full_name="Li  Si")  # the same hospital number H-7 at site 001
    page = client.get(second).content.decode()
    first_pk = first.rstrip("/").rsplit("/", 1)[1]
    assert 'id="possible-duplicates"' in page
    assert f'href="/screenings/{first_pk}/"' in page and 'href="/subjects/CHA-001-0001/"' in page
    response = client.post(second + "enroll/", consent_record())
    assert response.status_code == 302 and Subject.objects.count() == 1
    assert "CHA-001-0001" in client.get(response.url).content.decode()  # the 409 reason as a message


def test_a_screening_is_corrected_with_a_reason_and_screened_again(client, users):
    client.force_login(users["carol"])
    form = {k: v for k, v in FORM.items() if not k.startswith("labs__inr")}
    url = client.post("/screenings/new/", form).url
    pk = int(url.rstrip("/").rsplit("/", 1)[1])
    assert Screening.objects.get(pk=pk).eligible is None
    page = client.get(url).content.decode()
    assert f'href="/screenings/{pk}/correct/"' in page
    correct = client.get(f"/screenings/{pk}/correct/").content.decode()
    assert 'value="162.0"' in correct or 'value="162"' in correct  # the stored values are filled in
    assert 'value="Li Si"' in correct
    no_reason = client.post(f"/screenings/{pk}/correct/", dict(form, labs__inr__value="1.04", labs__inr__unit="ratio"))
    assert no_reason.status_code == 200 and "This field is required." in no_reason.content.decode()
    done = client.post(
        f"/screenings/{pk}/correct/",
        dict(form, labs__inr__value="1.04", labs__inr__unit="ratio", reason="INR result arrived"),
    )
    assert done.status_code == 302 and done.url == url
    screening = Screening.objects.get(pk=pk)
    assert screening.eligible is True and screening.version == 2
    entry = AuditEntry.objects.filter(model="subjects.screening", action="update").get()
    assert entry.reason == "INR result arrived" and "inr" in entry.new_values["patient"]["labs"]


def test_a_bad_correction_is_a_field_error_keeping_the_typed_value(client, users):
    client.force_login(users["alice"])
    url = _screen(client)
    pk = int(url.rstrip("/").rsplit("/", 1)[1])
    response = client.post(f"/screenings/{pk}/correct/", dict(FORM, height_cm="16O", reason="typo"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a number." in page and 'value="16O"' in page
    assert Screening.objects.get(pk=pk).version == 1


def test_an_enrolled_screening_has_no_correction(client, users):
    client.force_login(users["alice"])
    url = _screen(client)
    client.post(url + "enroll/", consent_record())
    assert 'id="correct"' not in client.get(url).content.decode()
    assert client.get(url + "correct/").status_code == 302


def test_the_screening_log_counts_persons(client, users):
    client.force_login(users["alice"])
    _screen(client)
    _screen(client)  # the same person again
    _screen(client, full_name="Wang Wu", hospital_number="H-8", birth_date="1970-01-01")
    page = client.get("/screenings/").content.decode()
    assert "3 screenings of 2 persons" in page
