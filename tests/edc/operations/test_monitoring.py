"""Monitoring: source data verification per field (ICH E6(R2) 5.18.4 (m); selected fields under risk-based
monitoring, 5.0.3 and 5.18.3), the worklist of forms awaiting verification by site, the query field picker
labelled in the user's language and grouped by section, and query lists with form names and visit labels."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from haictrial.edc.accounts.models import User
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.operations import monitoring
from haictrial.edc.operations.models import FieldVerification

from .conftest import payloads, post_form


def login(name, language="en"):
    User.objects.filter(username=name).update(language=language)
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


@pytest.fixture
def cycle_record(api, subject_id, course):
    assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    response = post_form(api, "alice", subject_id, "haic_cycle", payloads(course, "haic_cycle")[0])
    assert response.status_code == 201, response.content
    return FormRecord.objects.get(pk=response.json()["record_id"])


def record_url(record):
    return f"/subjects/{record.subject.subject_id}/forms/{record.form}/{record.pk}/"


def test_a_monitor_verifies_one_field_and_a_change_of_that_field_undoes_it(api, cycle_record):
    monty = User.objects.get(username="monty")
    field = "infusions[0].given_dose_mg"
    monitoring.verify_field(monty, cycle_record.pk, field)
    [state] = monitoring.field_states(cycle_record)
    assert state.current and state.verified_by == "monty" and "#1" in state.label
    # another field changes: the verification holds; the verified field changes: it no longer does
    path = f"/api/subjects/{cycle_record.subject.subject_id}/forms/haic_cycle/{cycle_record.pk}"
    payload = cycle_record.payload
    for version, (index, reason) in enumerate([(1, "leucovorin from the pump log"), (0, "oxaliplatin corrected")], 1):
        payload["infusions"][index]["given_dose_mg"] = round(payload["infusions"][index]["given_dose_mg"] - 1.0, 1)
        edited = api["alice"].client.put(
            path,
            {"payload": payload, "version": version, "reason": reason},
            content_type="application/json",
            headers=api["alice"].headers,
        )
        assert edited.status_code == 200, edited.content
        [state] = monitoring.field_states(FormRecord.objects.get(pk=cycle_record.pk))
        assert state.current is (index == 1)
    monitoring.verify_field(monty, cycle_record.pk, field)  # verified again: one row, version 2
    row = FieldVerification.objects.get(record=cycle_record, field=field)
    assert row.version == 2 and monitoring.field_states(FormRecord.objects.get(pk=cycle_record.pk))[0].current


def test_only_a_monitor_of_the_site_verifies_a_field_of_this_form(api, cycle_record, client):
    from django.core.exceptions import PermissionDenied

    from haictrial.errors import InputError

    with pytest.raises(PermissionDenied):
        monitoring.verify_field(User.objects.get(username="carol"), cycle_record.pk, "admission_date")
    with pytest.raises(InputError) as caught:
        monitoring.verify_field(User.objects.get(username="monty"), cycle_record.pk, "no_such_field")
    assert caught.value.field == "field"
    page = login("carol").post(
        f"/monitoring/records/{cycle_record.pk}/verify-field/", {"field": "admission_date", "next": "/"}
    )
    assert page.status_code == 403 and not FieldVerification.objects.exists()


def test_the_worklist_lists_unverified_forms_by_site_with_form_names_and_visits(api, cycle_record):
    monty = login("monty")
    page = monty.get("/monitoring/worklist/?site=001")
    assert page.status_code == 200
    text = page.content.decode()
    assert "HAIC cycle" in text and "Baseline" in text and "haic_cycle #" not in text
    rows = monitoring.worklist(User.objects.get(username="monty"), site="001")
    assert {r["form"] for r in rows} == {"baseline", "haic_cycle"}
    cycle = next(r for r in rows if r["form"] == "haic_cycle")
    assert cycle["visit"] and cycle["visit"] != "haic_cycle"
    # the record verified as a whole leaves the worklist; the other site sees nothing of 001
    FormRecord.objects.filter(pk=cycle_record.pk).update(verified_at="2026-01-01T00:00:00Z")
    assert {r["form"] for r in monitoring.worklist(User.objects.get(username="monty"))} == {"baseline"}
    assert monitoring.worklist(User.objects.get(username="bob")) == []


@pytest.mark.parametrize("language, section, label", [("en", "Infusion", "Given dose"), ("zh-hans", None, None)])
def test_the_query_picker_shows_labels_grouped_by_section_not_paths(api, cycle_record, language, section, label):
    page = login("monty", language).get(record_url(cycle_record))
    assert page.status_code == 200
    text = page.content.decode()
    picker = re.search(r'<select name="field" id="query-field">(.*?)</select>', text, re.S).group(1)
    groups = re.findall(r'<optgroup label="([^"]+)">', picker)
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', picker)
    assert len(groups) >= 2 and len(options) > 20
    assert all(value != shown for value, shown in options)  # a label, never the internal path
    assert not [shown for _, shown in options if re.search(r"\w\[\d+\]\.|_", shown)]
    if language == "en":
        assert any(section.lower() in g.lower() for g in groups)
        assert any(label.lower() in shown.lower() for _, shown in options)
    else:
        assert any(re.search(r"[\u4e00-\u9fff]", shown) for _, shown in options)
        assert all(re.search(r"[\u4e00-\u9fff]", g) for g in groups)


def test_a_monitor_verifies_a_field_and_raises_a_query_from_the_record_page(api, cycle_record):
    monty = login("monty")
    url = record_url(cycle_record)
    done = monty.post(
        f"/monitoring/records/{cycle_record.pk}/verify-field/", {"field": "admission_date", "next": url}, follow=True
    )
    assert done.status_code == 200 and "Source data verified" in done.content.decode()
    assert FieldVerification.objects.filter(record=cycle_record, field="admission_date").exists()
    field_sdv = re.search(r'<ul class="field-sdv">(.*?)</ul>', done.content.decode(), re.S).group(1)
    assert "✓" in field_sdv and "admission_date" not in field_sdv
    opened = monty.post(
        url, {"action": "query", "field": "infusions[0].given_dose_mg", "message": "check the pump log"}, follow=True
    )
    assert opened.status_code == 200
    dm = monty.get("/data-management/").content.decode()
    table = re.search(r'<table class="compact" id="dm-queries">(.*?)</table>', dm, re.S).group(1)
    assert "check the pump log" in table and "HAIC cycle" in table
    assert "haic_cycle<" not in table and "infusions[0]" not in table and "Given dose" in table


@given(st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(), st.lists(st.integers())))
def test_the_value_hash_is_stable_and_tells_values_apart(value):
    assert monitoring.value_sha256(value) == monitoring.value_sha256(value)
    assert monitoring.value_sha256(value) != monitoring.value_sha256([value, 0])
