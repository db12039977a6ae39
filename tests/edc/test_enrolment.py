"""Enrolment: informed consent, one person one subject, amendments of a screening
(docs/contracts/server.md, "Enrolment: consent, one person one subject, amendments").

Sources: ICH E6(R2) 4.8.8 (consent signed and dated before participation) and 4.8.1 (the approved ICF
version, protocol ``settings.consent.icf_versions``); RFC 7396 (JSON Merge Patch) for amendments.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.subjects import services
from haictrial.edc.subjects.amend import merge_patch
from haictrial.edc.subjects.models import Consent, Screening, Subject
from haictrial.edc.subjects.persons import person_ids
from haictrial.edc.trial import protocol
from haictrial.errors import UnprocessableError

from .enrolment import consent_body, consent_record


def _screen(api, patient, who="alice"):
    response = api[who].post("/api/screenings", patient)
    assert response.status_code == 201, response.content
    return response.json()


# --- consent ----------------------------------------------------------------------------------------


def test_it_stores_the_consent_and_returns_it_with_the_subject(api, patient):
    body = _screen(api, patient)
    response = api["alice"].post(f"/api/screenings/{body['screening_id']}/enroll", consent_body())
    assert response.status_code == 201, response.content
    today = timezone.localdate().isoformat()
    expected = {"signed_on": today, "icf_version": "1.0", "obtained_by": "Dr Li Wei"}
    assert response.json()["consent"] == expected
    assert api["alice"].get(f"/api/subjects/{response.json()['subject_id']}").json()["consent"] == expected
    assert Consent.objects.get().subject.subject_id == "CHA-001-0001"
    trail = api["alice"].get("/api/subjects/CHA-001-0001/audit").json()
    assert ("create", "subjects.consent") in [(e["action"], e["model"]) for e in trail]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "consent"),
        ({"consent": None}, "consent"),
        ({"consent": {"icf_version": "1.0", "obtained_by": "Dr Li"}}, "consent.signed_on"),
        ({"consent": consent_record(obtained_by="")}, "consent.obtained_by"),
        ({"consent": consent_record(icf_version="2.0")}, "consent.icf_version"),
        ({"consent": {**consent_record(), "signed_on": "yesterday"}}, "consent.signed_on"),
        ({"consent": {**consent_record(), "witness": "x"}}, "consent.witness"),
    ],
)
def test_an_enrolment_without_a_valid_consent_is_422_naming_the_field(api, patient, body, field):
    screening = _screen(api, patient)
    response = api["alice"].post(f"/api/screenings/{screening['screening_id']}/enroll", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Subject.objects.exists() and not Consent.objects.exists()


def test_a_consent_signed_after_today_in_the_site_time_zone_is_refused(api, patient):
    screening = _screen(api, patient)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = api["alice"].post(
        f"/api/screenings/{screening['screening_id']}/enroll", consent_body(signed_on=tomorrow)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "consent.signed_on"
    assert "after today" in response.json()["detail"]


def test_a_consent_signed_after_a_recorded_enrolment_is_refused(users, patient, api):
    """The demo loads enrolments in the past: the consent must precede them (ICH E6(R2) 4.8.8)."""
    screening = _screen(api, patient)
    enrolled_at = timezone.now() - dt.timedelta(days=10)
    signed = timezone.localdate() - dt.timedelta(days=3)
    with pytest.raises(UnprocessableError) as caught:
        services.enroll(
            users["alice"], screening["screening_id"], consent_record(signed_on=signed), enrolled_at=enrolled_at
        )
    assert caught.value.field == "consent.signed_on"
    subject = services.enroll(
        users["alice"],
        screening["screening_id"],
        consent_record(signed_on=signed - dt.timedelta(days=10)),
        enrolled_at=enrolled_at,
    )
    assert subject.consent.signed_on == signed - dt.timedelta(days=10)


def test_the_approved_icf_versions_come_from_the_protocol_settings():
    setting = protocol().settings.consent.icf_versions
    assert setting.value == ["1.0"] and setting.default == ["1.0"] and setting.site_setting is True


# --- one person, one subject ------------------------------------------------------------------------


def test_a_second_screening_of_the_same_hospital_number_lists_the_first(api, patient):
    first = _screen(api, patient)
    assert first["possible_duplicates"] == []
    patient["identifiers"]["full_name"] = "Zhang  San Jr"  # another name, the same hospital number
    second = _screen(api, patient, "carol")
    assert second["possible_duplicates"] == [{"screening_id": first["screening_id"], "subject_id": None}]
    # the first screening now lists the later one too
    again = api["alice"].get(f"/api/screenings/{first['screening_id']}").json()
    assert again["possible_duplicates"] == [{"screening_id": second["screening_id"], "subject_id": None}]


def test_the_same_name_and_birth_date_at_another_site_is_a_possible_duplicate(api, patient):
    first = _screen(api, patient)
    patient["site"] = "002"
    patient["identifiers"] = {"full_name": " zhang san ", "hospital_number": "B-77"}
    second = _screen(api, patient, "bob")
    assert [d["screening_id"] for d in second["possible_duplicates"]] == [first["screening_id"]]


def test_another_person_is_not_a_duplicate(api, patient):
    _screen(api, patient)
    patient["identifiers"] = {"full_name": "Zhang San", "hospital_number": "H-9999"}
    patient["birth_date"] = "1962-04-03"  # same name, another birth date, another number
    assert _screen(api, patient)["possible_duplicates"] == []
    patient["site"] = "002"
    patient["identifiers"] = {"full_name": "Wang Wu", "hospital_number": "H-0042"}  # same number, other site
    assert _screen(api, patient, "bob")["possible_duplicates"] == []


def test_enrolling_a_person_who_is_already_a_subject_is_409_naming_the_subject(api, patient, enrolled):
    second = _screen(api, patient)
    assert second["possible_duplicates"] == [{"screening_id": enrolled["screening_id"], "subject_id": "CHA-001-0001"}]
    response = api["alice"].post(f"/api/screenings/{second['screening_id']}/enroll", consent_body())
    assert response.status_code == 409
    assert "CHA-001-0001" in response.json()["detail"]
    assert Subject.objects.count() == 1


def test_person_ids_join_chains_of_matches(api, patient):
    a = _screen(api, patient)["screening_id"]
    patient["identifiers"] = {"full_name": "Zhang San", "hospital_number": "H-1"}  # same name + birth date as a
    b = _screen(api, patient)["screening_id"]
    patient["identifiers"] = {"full_name": "Other Name", "hospital_number": "H-1"}  # same number as b
    c = _screen(api, patient)["screening_id"]
    patient["identifiers"] = {"full_name": "Somebody Else", "hospital_number": "H-2"}
    patient["birth_date"] = "1970-01-01"
    d = _screen(api, patient)["screening_id"]
    assert person_ids([a, b, c, d]) == {a: a, b: a, c: a, d: d}


# --- amendments -------------------------------------------------------------------------------------


def test_a_screening_is_amended_by_merge_patch_rescreened_and_audited(api, patient):
    del patient["labs"]["inr"]
    first = _screen(api, patient)
    assert first["eligible"] is None and "labs.inr" in first["missing"]
    change = {"changes": {"labs": {"inr": {"value": 1.0, "unit": "ratio"}}}, "reason": "INR result arrived"}
    response = api["carol"].patch(f"/api/screenings/{first['screening_id']}", change)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["screening_id"] == first["screening_id"] and body["eligible"] is True and body["missing"] == []
    stored = Screening.objects.get(pk=first["screening_id"])
    assert stored.patient["labs"]["inr"] == {"value": 1.0, "unit": "ratio"} and stored.version == 2
    assert stored.patient["labs"]["platelets"] == patient["labs"]["platelets"]  # merged, not replaced
    entry = AuditEntry.objects.filter(model="subjects.screening", action="update").get()
    assert entry.reason == "INR result arrived"
    assert entry.old_values["eligible"] is None and entry.new_values["eligible"] is True
    assert "inr" not in entry.old_values["patient"]["labs"] and "inr" in entry.new_values["patient"]["labs"]
    trail = api["alice"].get(f"/api/screenings/{first['screening_id']}/audit").json()
    assert [e["action"] for e in trail] == ["create", "create", "update"]
    # one screening row, one person: the screening log still has one entry
    assert len(api["alice"].get("/api/screenings").json()) == 1


def test_null_removes_a_key_and_lists_are_replaced_whole(api, patient):
    first = _screen(api, patient)
    lesions = [{"id": "L9", "segment": "S6", "longest_diameter_mm": 20}]
    change = {"changes": {"lvef_percent": None, "liver_lesions": lesions}, "reason": "echo report withdrawn"}
    body = api["alice"].patch(f"/api/screenings/{first['screening_id']}", change).json()
    assert "lvef_percent" in body["missing"]
    stored = Screening.objects.get(pk=first["screening_id"]).patient
    assert "lvef_percent" not in stored and stored["liver_lesions"] == lesions


def test_identifiers_are_amended_and_the_birth_date_keeps_the_age_derived(api, patient):
    first = _screen(api, patient)
    change = {"changes": {"birth_date": "1960-04-03", "identifiers": {"hospital_number": "H-0099"}}, "reason": "typo"}
    assert api["alice"].patch(f"/api/screenings/{first['screening_id']}", change).status_code == 200
    screening = Screening.objects.get(pk=first["screening_id"])
    assert screening.identifiers.hospital_number == "H-0099" and screening.identifiers.full_name == "Zhang San"
    assert screening.identifiers.birth_date == dt.date(1960, 4, 3)
    assert screening.patient["age_years"] == 66  # on the screening date 2026-11-20
    assert "birth_date" not in screening.patient


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"changes": {"ecog": 0}}, 422, "reason"),
        ({"changes": {"ecog": 0}, "reason": "   "}, 422, "reason"),
        ({"changes": {}, "reason": "x"}, 422, "changes"),
        ({"changes": {"site": "002"}, "reason": "x"}, 422, "changes.site"),
        ({"changes": {"ascites": "lots"}, "reason": "x"}, 422, "changes.ascites"),
        ({"changes": {"ecog": 0}, "reason": "x", "version": 7}, 409, "version"),
    ],
)
def test_a_bad_amendment_changes_nothing(api, patient, body, status, field):
    first = _screen(api, patient)
    response = api["alice"].patch(f"/api/screenings/{first['screening_id']}", body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert Screening.objects.get(pk=first["screening_id"]).version == 1


def test_an_enrolled_screening_is_not_amended(api, enrolled):
    change = {"changes": {"ecog": 0}, "reason": "late correction"}
    response = api["alice"].patch(f"/api/screenings/{enrolled['screening_id']}", change)
    assert response.status_code == 409
    assert "CHA-001-0001" in response.json()["detail"]


def test_another_sites_screening_is_not_amended(api, patient):
    first = _screen(api, patient)
    response = api["bob"].patch(f"/api/screenings/{first['screening_id']}", {"changes": {"ecog": 0}, "reason": "x"})
    assert response.status_code in (403, 404)
    assert (
        api["monty"]
        .patch(f"/api/screenings/{first['screening_id']}", {"changes": {"ecog": 0}, "reason": "x"})
        .status_code
        == 403
    )


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=8,
)


@given(target=_json, patch=_json)
def test_merge_patch_follows_rfc_7396(target, patch):
    """RFC 7396 section 2: a non-object patch replaces; null members are removed; others merge recursively."""
    result = merge_patch(target, patch)
    if not isinstance(patch, dict):
        assert result == patch
        return
    assert isinstance(result, dict)
    for key, value in patch.items():
        if value is None:
            assert key not in result
        elif not isinstance(value, dict):
            assert result[key] == value
    base = target if isinstance(target, dict) else {}
    for key in base:
        if key not in patch:
            assert result[key] == base[key]


def test_merge_patch_matches_the_rfc_7396_appendix_a_examples():
    cases = [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ]
    for target, patch, expected in cases:
        assert merge_patch(target, patch) == expected


def test_an_enrolment_with_no_body_at_all_is_422_naming_consent(api, patient):
    screening = _screen(api, patient)
    client = api["alice"]
    path = f"/api/screenings/{screening['screening_id']}/enroll"
    for content_type in ("application/json", ""):
        response = client.client.generic("POST", path, b"", content_type=content_type, headers=client.headers)
        assert response.status_code == 422, response.content
        assert response.json()["field"] == "consent"
    # a form body is not the JSON document the API reads
    assert client.client.post(path, {"consent": "yes"}, headers=client.headers).status_code == 400


def test_consort_counts_persons_assessed_for_eligibility_not_screening_rows(api, patient):
    """CONSORT 2010 flow diagram (Schulz et al., BMJ 2010;340:c332): "assessed for eligibility" is persons."""
    from haictrial.reports.consort import consort_counts
    from haictrial.reports.datasets import prepare
    from haictrial.reports.from_database import from_database

    patient["extrahepatic_metastasis"] = True  # E1: not eligible
    first = _screen(api, patient)
    patient["extrahepatic_metastasis"] = False
    second = _screen(api, patient)  # the same person screened again: now eligible
    api["alice"].post(f"/api/screenings/{second['screening_id']}/enroll", consent_body())
    patient["identifiers"] = {"full_name": "Wang Wu", "hospital_number": "H-9"}
    patient["birth_date"] = "1970-05-01"
    patient["ecog"] = 3  # I4 fails: not eligible
    _screen(api, patient)
    log = api["alice"].get("/api/screenings").json()
    assert len(log) == 3 and len({row["person_id"] for row in log}) == 2
    assert {r["person_id"] for r in log if r["screening_id"] in (first["screening_id"], second["screening_id"])} == {
        first["screening_id"]
    }
    datasets = from_database(protocol())
    assert list(datasets.screening_log["person_id"]).count(f"SCR-{first['screening_id']}") == 2
    counts = consort_counts(prepare(datasets, protocol()))
    assert counts["screenings"] == 3
    assert (counts["screened"], counts["not_eligible"], counts["enrolled"]) == (2, 1, 1)
    assert counts["eligible_not_enrolled"] == 0
