"""The subject's course from the forms: status transitions, dose modification from the recorded
toxicities (protocol settings.dose_modification), CTCAE grades of the pre-cycle labs, RECIST 1.1 response,
resection margin, the visit schedule (protocol schedule and windows) and the timeline."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from haictrial.clinical.visit_schedule import RecordFacts, VisitState, subject_schedule
from haictrial.edc.crfs import progress, services
from haictrial.edc.subjects import services as subject_services
from haictrial.edc.subjects.models import Subject
from haictrial.edc.trial import protocol

from .conftest import payloads


def _status(subject_id):
    return Subject.objects.get(subject_id=subject_id).status


def test_the_status_follows_the_forms(users, subject_id, course):
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    assert _status(subject_id) == "enrolled"
    services.save_form(alice, subject_id, "haic_cycle", payloads(course, "haic_cycle")[0])
    subject = Subject.objects.get(subject_id=subject_id)
    assert subject.status == "on_treatment"
    assert subject.treatment_start_date.isoformat() == course["haic_cycles"][0]["admission_date"]
    services.save_form(alice, subject_id, "resection", payloads(course, "resection")[0])
    assert _status(subject_id) == "resected"
    services.save_form(alice, subject_id, "follow_up", payloads(course, "follow_up")[0])
    assert _status(subject_id) == "follow_up"
    services.save_form(
        alice, subject_id, "end_of_study", {"date": course["follow_up"][0]["date"], "reason": "completed_follow_up"}
    )
    assert _status(subject_id) == "off_study"
    reasons = list(
        Subject.history.filter(subject_id=subject_id)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons[-1] == "status follows the End of study form"


def test_a_grade_2_neuropathy_reduces_oxaliplatin_in_the_next_cycle(users, subject_id, course):
    """Protocol rule: Peripheral sensory neuropathy grade 2 -> oxaliplatin one level down (130 -> 100 mg/m2);
    100 mg/m2 x 1.622498 m2 (Mosteller, sqrt(162 x 58.5 / 3600)) = 162.2 mg, rounded to 0.1 mg."""
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    services.save_form(alice, subject_id, "haic_cycle", payloads(course, "haic_cycle")[0])
    onset = (dt.date.fromisoformat(course["haic_cycles"][0]["admission_date"]) + dt.timedelta(days=5)).isoformat()
    services.save_form(
        alice,
        subject_id,
        "adverse_events",
        {
            "term": "Peripheral sensory neuropathy",
            "grade": 2,
            "onset_date": onset,
            "action_taken": "dose_reduced",
            "outcome": "not_recovered",
        },
    )
    prefill = services.haic_prefill(alice, subject_id, 2)
    oxaliplatin = next(i for i in prefill["haic_cycle"]["infusions"] if i["drug"] == "oxaliplatin")
    assert oxaliplatin["planned_dose_mg"] == 162.2
    assert oxaliplatin["planned_dose_level"] == 1
    assert "Peripheral sensory neuropathy grade 2" in oxaliplatin["planned_dose_modification"]
    # The subject's cycle plan (page and GET /api/subjects/{id}/plan) is the same plan, not the unmodified one.
    plan = subject_services.cycle_plan(alice, subject_id, 2)
    planned = next(a for a in plan["administrations"] if a["drug"] == "oxaliplatin")
    assert planned["dose_mg"] == 162.2
    assert any("Peripheral sensory neuropathy" in str(change) for change in plan["modifications"])
    client = Client()
    client.force_login(alice)
    page = client.get(f"/subjects/{subject_id}/plan/?cycle=2").content.decode()
    assert "162.2" in page and 'id="modifications"' in page and "oxaliplatin reduced to level 1" in page


def test_pre_cycle_neutropenia_is_graded_and_delays_that_cycle(users, subject_id, course):
    """CTCAE v5.0 Neutrophil count decreased grade 3 (<1.0-0.5 x10^9/L) in cycle 2's pre-cycle labs: the
    toxicity of cycle 1; protocol rule: delay and reduce oxaliplatin and fluorouracil."""
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    first, second = payloads(course, "haic_cycle")
    services.save_form(alice, subject_id, "haic_cycle", first)
    second["pre_cycle_labs"]["neutrophils"] = {"value": 0.8, "unit": "10^9/L"}
    for infusion in second["infusions"]:  # the cycle is delayed, not given (safety stop otherwise)
        for name in ("given_dose_mg", "start_at", "stop_at", "interruptions", "deviation_reason"):
            infusion.pop(name, None)
    second.pop("catheter_removed_at", None)
    record = services.save_form(alice, subject_id, "haic_cycle", second)
    grades = {g["test"]: g["grade"] for g in record.derived["lab_grades"]}
    assert grades["neutrophils"] == 3
    assert record.outcome_code == "G3"
    plan = record.derived["plan"]
    assert plan["delay"]["delayed"] is True
    assert record.derived["dose_modified"] is True


def test_imaging_gives_the_recist_response_and_the_resection_its_margin(users, subject_id, course):
    """RECIST 1.1: 48 + 31 = 79 mm -> 30 + 20 = 50 mm, -36.7 %: PR at the time point (Table 1), not yet
    confirmed (best overall response SD). Margin 3 mm without macroscopic residual: R0 (>= 1 mm)."""
    alice = users["alice"]
    for form in ("baseline", "imaging", "resection"):
        services.save_form(alice, subject_id, form, payloads(course, form)[0])
    response = services.response_summary(alice, subject_id)["recist"]
    assert [t["overall_response"] for t in response["timepoints"]] == ["PR"]
    assert response["timepoints"][0]["change_from_baseline_pct"] == -36.7
    assert response["best_overall_response"] == "SD" and response["confirmed"] is False
    subject = Subject.objects.get(subject_id=subject_id)
    imaging = subject.form_records.get(form="imaging")
    assert imaging.outcome_code == "PR"
    resection = subject.form_records.get(form="resection")
    assert resection.outcome_code == "R0"
    assert resection.derived["margin"] == "R0" and resection.derived["major"] is False
    assert resection.derived["highest_clavien_dindo"] == "II"


def test_overdue_and_out_of_window_visits_are_flagged(users, subject_id, course):
    """Cycles every 21 days +/- haic_window_days (3): cycle 2 admitted 5 days late is out of window;
    with no cycle 3 recorded 21 days after that and its window passed, cycle 3 is overdue."""
    alice = users["alice"]
    first, second = payloads(course, "haic_cycle")
    services.save_form(alice, subject_id, "haic_cycle", first)
    late = dt.date.fromisoformat(first["admission_date"]) + dt.timedelta(days=26)
    second = {"cycle": 2, "admission_date": late.isoformat()}
    services.save_form(alice, subject_id, "haic_cycle", second)
    subject = Subject.objects.get(subject_id=subject_id)
    visits = {(v.kind, v.cycle): v for v in progress.subject_visits(subject)}
    assert visits[("haic_cycle", 2)].state == VisitState.out_of_window
    assert visits[("haic_cycle", 3)].state == VisitState.overdue  # today is months after the course's dates
    assert visits[("haic_cycle", 3)].date == late + dt.timedelta(days=21)
    flagged = {(v["subject_id"], v["label"]) for v in progress.flagged_visits(alice)}
    assert (subject_id, "HAIC cycle 2") in flagged
    assert progress.flagged_visits(users["bob"]) == []


def test_the_schedule_follows_the_protocol():
    """Imaging after every 2nd cycle and its MDT review (protocol settings.imaging_every_cycles); forms per
    visit from schedule.visits[].forms; follow-up every 3 months after the last treatment."""
    start = dt.date(2026, 1, 5)
    records = [
        RecordFacts(1, "baseline", None, dt.date(2026, 1, 2)),
        RecordFacts(2, "haic_cycle", 1, dt.date(2026, 1, 5)),
        RecordFacts(3, "haic_cycle", 2, dt.date(2026, 1, 26)),
        RecordFacts(4, "imaging", 2, dt.date(2026, 2, 9)),
        RecordFacts(5, "resection", None, dt.date(2026, 3, 2)),
        RecordFacts(6, "targeted_agent", 1, dt.date(2026, 1, 5), day=1, drug="bevacizumab"),
    ]
    visits = subject_schedule(
        status="resected",
        enrolment_date=start,
        treatment_start_date=start,
        targeted_agent="bevacizumab",
        records=records,
        protocol=protocol(),
        today=dt.date(2026, 6, 20),
    )
    kinds = [(v.kind, v.cycle, v.state.value) for v in visits]
    assert visits[0].forms_expected == ["baseline", "imaging", "concomitant_medications"]
    assert visits[0].missing_forms == []  # the baseline imaging is in the baseline form
    assert kinds[:4] == [
        ("baseline", None, "done"),
        ("haic_cycle", 1, "done"),
        ("haic_cycle", 2, "done"),
        ("imaging", 2, "done"),
    ]
    mdt = next(v for v in visits if v.kind == "mdt_review")
    assert mdt.state == VisitState.overdue and mdt.missing_forms == ["mdt_review"]
    cycle_one = visits[1]
    assert cycle_one.forms_expected == ["haic_cycle", "targeted_agent", "adverse_events", "concomitant_medications"]
    assert cycle_one.records["targeted_agent"] == [6]
    assert not any(v.kind == "haic_cycle" and v.cycle == 3 for v in visits)  # resected: no more cycles
    follow = [v for v in visits if v.kind == "follow_up"]
    assert follow[0].date == dt.date(2026, 6, 2) and follow[0].state == VisitState.overdue
    assert follow[-1].state == VisitState.upcoming


def test_the_timeline_has_one_line_with_the_course(users, subject_id, course):
    alice = users["alice"]
    for form in ("baseline", "haic_cycle", "adverse_events", "imaging", "mdt_review", "resection", "follow_up"):
        for payload in payloads(course, form):
            services.save_form(alice, subject_id, form, payload)
    line = progress.subject_timeline(Subject.objects.get(subject_id=subject_id), today=timezone.localdate())
    labels = [(m.kind, m.label) for m in line.marks]
    assert labels == [
        ("cycle", "C1"),
        ("ae", "G1"),
        ("cycle", "C2"),
        ("imaging", "PR"),
        ("mdt", "MDT"),
        ("resection", "R0"),
        ("follow_up", "FU"),
    ]
    xs = [m.x for m in line.marks]
    assert xs == sorted(xs) and 0 <= xs[0] and xs[-1] <= 100
    assert [line.subject_id for line in progress.timelines(alice)] == [subject_id]
    assert progress.timelines(users["bob"]) == []


def test_the_chun_morphologic_response_is_computed_and_shown(users, subject_id, course):
    """Chun et al., JAMA 2009;302:2338: a group 3 metastasis that becomes group 1 is an optimal response."""
    alice = users["alice"]
    baseline = payloads(course, "baseline")[0]
    for lesion in baseline["lesions"]:
        lesion["morphology_group"] = 3
    services.save_form(alice, subject_id, "baseline", baseline)
    imaging = payloads(course, "imaging")[0]
    imaging["morphology"] = {"T1": 1, "T2": 1, "NT1": 2}
    record = services.save_form(alice, subject_id, "imaging", imaging)
    assert record.derived["timepoint"]["morphologic_response"] == "incomplete"  # patient group: the worst lesion (2)
    imaging["morphology"]["NT1"] = 1
    record = services.save_form(alice, subject_id, "imaging", imaging, record_id=record.pk, version=1, reason="re-read")
    assert record.derived["timepoint"]["morphologic_response"] == "optimal"
    assert services.response_summary(alice, subject_id)["recist"]["morphologic_response"] == "optimal"


def test_the_sae_clock_runs_between_saves(users, subject_id, api):
    """ICH E2A / protocol sae_initial_report_hours (24 h): aware 30 hours ago and not reported is overdue,
    read now, whatever it was when saved; once the report is sent it is reported."""
    aware = timezone.now() - dt.timedelta(hours=30)
    event = {
        "term": "Febrile neutropenia",
        "grade": 3,
        "seriousness": ["hospitalisation"],
        "onset_date": timezone.localdate(aware).isoformat(),
        "action_taken": "dose_delayed",
        "outcome": "recovering",
        "aware_at": aware.isoformat(),
    }
    created = api["alice"].post(f"/api/subjects/{subject_id}/forms/adverse_events", {"payload": event}).json()
    assert created["derived"]["sae_status"] == "overdue"
    assert created["derived"]["serious"] is True
    assert created["outcome_code"] == "G3S"
    event["reported_at"] = timezone.now().isoformat()
    record = services.save_form(
        users["alice"],
        subject_id,
        "adverse_events",
        event,
        record_id=created["record_id"],
        version=1,
        reason="report sent",
    )
    assert services.record_contract(users["alice"], record)["derived"]["sae_status"] == "reported"
