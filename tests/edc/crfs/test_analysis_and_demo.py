"""The demo's courses entered as eCRFs from the synthetic cohort (haictrial.synth). The analysis rows of the
eCRFs have one derivation, haictrial.reports.from_forms: tests/edc/test_reports_page.py."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from haictrial.edc.crfs.demo import load_course
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.synth.cohort import generate_cohort


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
        consent = {"signed_on": enrolled.date().isoformat(), "icf_version": "1.0", "obtained_by": "carol"}
        subject = subjects.enroll(carol, screening.pk, consent, enrolled_at=enrolled)
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
