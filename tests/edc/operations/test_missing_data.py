"""The missing-data report per site: by visit, the expected forms not entered (the protocol's schedule of
assessments, ``schedule.visits[].forms``) and the required fields left empty (the eCRF specification's required
fields, :data:`haictrial.clinical.edit_checks.REQUIRED_FIELDS`)."""

from __future__ import annotations

import pytest
from django.test import Client

from haictrial.edc.accounts.models import User
from haictrial.edc.operations import monitoring

from .conftest import payloads, post_form


def login(name, language="en"):
    User.objects.filter(username=name).update(language=language)
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


@pytest.fixture
def baseline_without_histology(api, subject_id, course):
    baseline = payloads(course, "baseline")[0]
    baseline["primary_tumour"].pop("histology")
    response = post_form(api, "alice", subject_id, "baseline", baseline)
    assert response.status_code == 201, response.content
    return response.json()["record_id"]


def test_forms_not_entered_and_required_fields_empty_by_visit(api, subject_id, baseline_without_histology):
    rows = monitoring.missing_data(User.objects.get(username="carol"), site="001")
    assert rows and {r["subject_id"] for r in rows} == {subject_id}
    baseline = next(r for r in rows if r["empty_fields"])
    assert [f["record_id"] for f in baseline["empty_fields"]] == [baseline_without_histology]
    assert "histology" in baseline["empty_fields"][0]["field_label"].lower()
    assert baseline["empty_fields"][0]["form_label"] == "Baseline"
    # the course's cycles are past: their visits expect a HAIC cycle form that was not entered
    assert any("HAIC cycle" in r["missing_forms"] for r in rows if r["state"] in ("overdue", "due"))
    assert all(r["state"] != "upcoming" for r in rows)


def test_an_entered_cycle_leaves_the_report(api, subject_id, course, baseline_without_histology):
    def missing(visit):
        rows = monitoring.missing_data(User.objects.get(username="carol"))
        return [r for r in rows if r["visit"] == visit and "HAIC cycle" in r["missing_forms"]]

    assert missing("HAIC cycle 1")
    assert post_form(api, "alice", subject_id, "haic_cycle", payloads(course, "haic_cycle")[0]).status_code == 201
    assert missing("HAIC cycle 1") == []
    assert missing("HAIC cycle 2")  # the schedule now expects the next cycle, and its date is past


def test_the_page_per_site_in_both_languages_and_the_other_site_sees_nothing(
    api, subject_id, baseline_without_histology
):
    page = login("carol").get("/monitoring/missing-data/?site=001").content.decode()
    assert (
        subject_id in page
        and "HAIC cycle" in page
        and "haic_cycle" not in page.split("<tbody>")[1].split("</tbody>")[0].replace("/haic_cycle/", "")
    )
    chinese = login("carol", "zh-hans").get("/monitoring/missing-data/").content.decode()
    assert "缺失数据" in chinese
    assert monitoring.missing_data(User.objects.get(username="bob")) == []
