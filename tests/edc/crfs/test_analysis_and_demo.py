"""Analysis-ready records for the report (haictrial.reports.from_database) and the demo's courses entered
as eCRFs from the synthetic cohort (haictrial.synth)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from haictrial.edc.crfs import services
from haictrial.edc.crfs.demo import load_course
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.synth.cohort import generate_cohort

from .conftest import payloads


def test_analysis_records_of_the_complete_course(users, subject_id, course):
    alice = users["alice"]
    for form in ("baseline", "haic_cycle", "adverse_events", "imaging", "mdt_review", "resection", "follow_up"):
        for payload in payloads(course, form):
            services.save_form(alice, subject_id, form, payload)
    records = services.analysis_records(alice)
    [adsl] = records["adsl"]
    assert adsl["subject_id"] == subject_id
    assert adsl["best_overall_response"] == "SD"  # the PR is not confirmed (RECIST 1.1 section 4.4)
    assert adsl["response_confirmed"] is False
    assert adsl["best_percent_change"] == -36.7
    assert adsl["mdt_decision"] == "resect"
    assert adsl["resection_margin"] == "R0"
    assert adsl["resection_date"].isoformat() == course["resections"][0]["date"]
    assert adsl["cea_ng_ml"] == 45.2
    assert adsl["death_date"] is None and adsl["off_study_reason"] is None
    assert adsl["last_contact_date"].isoformat() == course["follow_up"][0]["date"]
    assert [(r["baseline"], r["sum_mm"], r["overall_response"]) for r in records["adrs"]] == [
        (True, 79, None),
        (False, 50, "PR"),
    ]
    assert [(r["term"], r["grade"], r["attribution"]) for r in records["adae"]] == [("Nausea", 1, "possible")]
    assert [(r["cycle"], r["delay_days"], r["dose_modified"]) for r in records["adex"]] == [
        (1, 0, False),
        (2, 0, False),
    ]
    assert services.analysis_records(users["bob"]) == {"adsl": [], "adrs": [], "adae": [], "adex": []}
    assert len(services.analysis_records()["adsl"]) == 1


def test_the_demo_enters_synthetic_courses_as_ecrfs(users):
    today = timezone.localdate()
    cohort = generate_cohort(30, seed=5, start=today - dt.timedelta(days=500), verify=0)
    carol = users["carol"]
    loaded = []
    for document in cohort.screening_documents():
        synthetic_id = document.pop("subject_id")
        document["site"] = "001"
        screening, result = subjects.screen_patient(carol, document)
        if result["eligible"] is not True:
            continue
        course = cohort.course(synthetic_id)
        enrolled = dt.datetime.combine(
            course["subjects"][0]["enrolment_date"], dt.time(9), tzinfo=timezone.get_current_timezone()
        )
        subject = subjects.enroll(carol, screening.pk, enrolled_at=enrolled)
        made = load_course(subject, carol, course, today)
        loaded.append((subject.subject_id, made, course))
        if len(loaded) == 4:
            break
    assert loaded
    for subject_id, made, course in loaded:
        subject = Subject.objects.get(subject_id=subject_id)
        records = FormRecord.objects.filter(subject=subject)
        assert records.count() == made > 1
        assert records.filter(form="haic_cycle").count() == len([c for c in course["cycles"] if c["date"] <= today])
        assert all(r.event_date is None or r.event_date <= today for r in records)
        assert subject.status != "enrolled"  # the first cycle moved it on
        if records.filter(form="end_of_study").exists():
            assert subject.status == "off_study"
        cycle = records.filter(form="haic_cycle").order_by("cycle").first()
        assert cycle.derived["plan"]["cycle"] == 1  # derived by the core on the final refresh
