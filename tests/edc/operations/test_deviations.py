"""Protocol deviations found whenever data are saved (docs/contracts/server.md, "Trial operations"): one saved form
that creates each kind and one that does not; stored once; review by an investigator or monitor.

Sources: protocol ``schedule.visits[].window`` (visit windows); ``settings.dose_deviation_reason_percent``
(10 %; HOPA, Fahrenbruch et al., J Oncol Pract 2018, doi:10.1200/JOP.2017.025411); ``settings.dose_modification``
(Neutrophil count decreased grade 3: delay; CTCAE v5.0 grade 3 = <1.0-0.5 x10^9/L); ICH E6(R2) 4.8.8 (consent
before participation) and 4.5.1 (enrol only eligible subjects).
"""

from __future__ import annotations

import datetime as dt

import pytest

from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.operations.models import Deviation
from haictrial.edc.subjects.models import Consent, Screening, Subject

from ..crfs.conftest import _shift
from .conftest import payloads, post_form


def kinds(subject_id):
    return sorted(Deviation.objects.filter(subject__subject_id=subject_id).values_list("kind", flat=True))


@pytest.fixture
def with_baseline(api, subject_id, course):
    assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    return subject_id


def test_an_ordinary_course_has_no_deviation(api, with_baseline, course):
    first, second = payloads(course, "haic_cycle")
    assert post_form(api, "alice", with_baseline, "haic_cycle", first).status_code == 201
    assert post_form(api, "alice", with_baseline, "haic_cycle", second).status_code == 201
    assert kinds(with_baseline) == []


def test_a_cycle_outside_its_window_is_a_deviation(api, with_baseline, course):
    first, second = payloads(course, "haic_cycle")
    assert post_form(api, "alice", with_baseline, "haic_cycle", first).status_code == 201
    late = _shift(second, 12)  # the whole cycle 12 days late: outside the protocol's window
    assert dt.date.fromisoformat(late["admission_date"]) <= dt.date.today() + dt.timedelta(days=1)
    response = post_form(api, "alice", with_baseline, "haic_cycle", late)
    assert response.status_code == 201, response.content
    deviations = Deviation.objects.filter(subject__subject_id=with_baseline, kind="visit_out_of_window")
    assert deviations.count() == 1
    assert deviations.get().record_id == response.json()["record_id"]


def test_a_dose_off_plan_beyond_the_protocol_percent_is_a_deviation_within_it_is_not(api, with_baseline, course):
    first = payloads(course, "haic_cycle")[0]
    planned = first["infusions"][0]["planned_dose_mg"]
    first["infusions"][0]["given_dose_mg"] = round(planned * 0.95, 1)  # 5 % below: within 10 %
    response = post_form(api, "alice", with_baseline, "haic_cycle", first)
    assert response.status_code == 201, response.content
    assert "dose_off_plan" not in kinds(with_baseline)
    change = dict(response.json()["payload"])
    change["infusions"][0]["given_dose_mg"] = round(planned * 0.85, 1)  # 15 % below: beyond 10 %
    change["infusions"][0]["deviation_reason"] = "vomiting during the infusion"
    path = f"/api/subjects/{with_baseline}/forms/haic_cycle/{response.json()['record_id']}"
    edited = api["alice"].client.put(
        path,
        {"payload": change, "version": 1, "reason": "dose from the pump log"},
        content_type="application/json",
        headers=api["alice"].headers,
    )
    assert edited.status_code == 200, edited.content
    found = Deviation.objects.get(subject__subject_id=with_baseline, kind="dose_off_plan")
    assert "-15.0 %" in found.detail and "limit 10 %" in found.detail
    # corrected data: the deviation stays (it happened) but is marked resolved by the data
    change["infusions"][0]["given_dose_mg"] = planned
    again = api["alice"].client.put(
        path,
        {"payload": change, "version": 2, "reason": "typo: full dose was given"},
        content_type="application/json",
        headers=api["alice"].headers,
    )
    assert again.status_code == 200, again.content
    found.refresh_from_db()
    assert found.resolved_by_data is True and found.status == "open"
    assert Deviation.objects.filter(subject__subject_id=with_baseline, kind="dose_off_plan").count() == 1


@pytest.fixture
def delayed_cycle(api, with_baseline, course):
    first, second = payloads(course, "haic_cycle")
    assert post_form(api, "alice", with_baseline, "haic_cycle", first).status_code == 201
    second["pre_cycle_labs"]["neutrophils"] = {"value": 0.8, "unit": "10^9/L"}  # CTCAE grade 3: delay
    return second


def test_a_cycle_given_with_an_override_while_the_plan_delays_it_is_a_deviation(api, with_baseline, delayed_cycle):
    delayed_cycle["safety_override"] = {"reason": "ANC 1.6 on the morning of admission"}
    response = post_form(api, "alice", with_baseline, "haic_cycle", delayed_cycle)
    assert response.status_code == 201, response.content
    assert kinds(with_baseline).count("cycle_given_while_delayed") == 1
    found = Deviation.objects.get(kind="cycle_given_while_delayed")
    assert "delays cycle 2" in found.detail and "ANC 1.6" in found.detail


def test_a_delayed_cycle_not_given_is_no_deviation(api, with_baseline, delayed_cycle):
    for infusion in delayed_cycle["infusions"]:
        for name in ("given_dose_mg", "start_at", "stop_at", "interruptions", "deviation_reason"):
            infusion.pop(name, None)
    delayed_cycle.pop("catheter_removed_at", None)
    assert post_form(api, "carol", with_baseline, "haic_cycle", delayed_cycle).status_code == 201
    assert not [k for k in kinds(with_baseline) if k.startswith("cycle_given")]


def test_an_enrolment_whose_screening_did_not_pass_is_a_deviation(api, subject_id, course):
    subject = Subject.objects.get(subject_id=subject_id)
    assert kinds(subject_id) == []  # enrolled eligible: none
    result = dict(subject.screening.result, eligible=False)
    result["criteria"] = [dict(result["criteria"][0], status="fail"), *result["criteria"][1:]]
    Screening.objects.filter(pk=subject.screening_id).update(result=result)
    assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    found = Deviation.objects.get(subject=subject, kind="enrolled_not_eligible")
    assert result["criteria"][0]["id"] in found.detail


def test_consent_dated_after_the_first_cycle_is_a_deviation(api, with_baseline, course):
    first = payloads(course, "haic_cycle")[0]
    admission = dt.date.fromisoformat(first["admission_date"])
    assert post_form(api, "alice", with_baseline, "haic_cycle", first).status_code == 201
    assert "consent_after_procedure" not in kinds(with_baseline)
    Consent.objects.filter(subject__subject_id=with_baseline).update(signed_on=admission + dt.timedelta(days=1))
    targeted = payloads(course, "targeted_agent")[0]
    assert post_form(api, "alice", with_baseline, "targeted_agent", targeted).status_code == 201
    found = Deviation.objects.get(kind="consent_after_procedure")
    assert "HAIC cycle 1" in found.detail
    assert found.record_id == FormRecord.objects.get(form="haic_cycle", cycle=1).pk


def test_the_api_lists_filters_and_reviews(api, with_baseline, course, delayed_cycle):
    delayed_cycle["safety_override"] = {"reason": "ANC 1.6 on the morning of admission"}
    assert post_form(api, "alice", with_baseline, "haic_cycle", delayed_cycle).status_code == 201
    rows = api["carol"].get("/api/deviations").json()
    assert [r["kind"] for r in rows] == ["cycle_given_while_delayed"]
    row = rows[0]
    for name in ("deviation_id", "subject_id", "kind", "detail", "form", "record_id", "detected_at", "status"):
        assert name in row
    assert row["status"] == "open" and row["form"] == "haic_cycle"
    assert api["bob"].get("/api/deviations").json() == []  # another site
    assert api["carol"].get("/api/deviations", site="002").json() == []
    assert api["carol"].get("/api/deviations", status="bogus").status_code in (400, 422)
    path = f"/api/deviations/{row['deviation_id']}/review"
    assert api["carol"].post(path, {"comment": "seen"}).status_code == 403  # a coordinator does not review
    assert api["bob"].post(path, {"comment": "seen"}).status_code == 404
    empty = api["monty"].post(path, {"comment": ""})
    assert empty.status_code == 422 and empty.json()["field"] == "comment"
    reviewed = api["monty"].post(path, {"comment": "investigator decision documented"})
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["status"] == "reviewed" and reviewed.json()["reviewed_by"] == "monty"
    assert api["alice"].post(path, {"comment": "again"}).status_code == 409
    assert [r["deviation_id"] for r in api["alice"].get("/api/deviations", status="reviewed").json()] == [
        row["deviation_id"]
    ]
    assert api["alice"].get("/api/deviations", status="open").json() == []
