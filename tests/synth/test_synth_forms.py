"""The one mapping of a synthetic course to eCRF payloads (haictrial.synth.forms), without Django."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_models import SubjectForms
from haictrial.documents import parse_model
from haictrial.protocol import load_protocol
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.forms import course_document, course_entries, course_rng, end_of_day, export_entries

PROTOCOL = load_protocol()
ZONE = ZoneInfo(PROTOCOL.settings.site_time_zone.value)


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(60, seed=11, start=dt.date(2023, 5, 1), verify=0)


def _enrolled(cohort):
    for course in cohort.courses(batch=100):
        if course["subjects"][0]["enrolment_date"] is not None:
            yield course


def test_the_mapping_needs_no_django():
    code = "import sys, haictrial.synth.forms; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_course_parses_as_subject_forms_without_identifiers(cohort):
    seen = 0
    for course in _enrolled(cohort):
        document = course_document(course, cohort.data_cutoff, PROTOCOL, seed=cohort.seed)
        forms = parse_model(SubjectForms, document)
        assert "birth_date" not in document["baseline"]["demographics"]  # docs/contracts/interop.md: de-identified
        assert forms.subject_id == course["subjects"][0]["subject_id"]
        seen += 1
    assert seen >= 10


def test_nothing_after_the_cutoff_and_running_infusions_have_no_stop_time(cohort):
    course = next(c for c in _enrolled(cohort) if len(c["cycles"]) >= 2)
    day = course["cycles"][1]["date"]
    morning = dt.datetime.combine(day, dt.time(9, 0), tzinfo=ZONE)
    entries = course_entries(course, day, PROTOCOL, rng=course_rng(1, "x"), zone=ZONE, now=morning)
    cycles = [p for f, p in entries if f == FormName.haic_cycle]
    assert [c["cycle"] for c in cycles] == [1, 2]
    # the 46-h fluorouracil infusion started at 08:00 today is still running at 09:00: no stop time yet
    assert all("stop_at" not in i for i in cycles[1]["infusions"] if i["drug"] == "fluorouracil")
    assert "catheter_removed_at" not in cycles[1]
    assert all(dt.date.fromisoformat(p["onset_date"]) <= day for f, p in entries if f == FormName.adverse_events)


def test_the_same_seed_gives_the_same_payloads_and_another_seed_other_unmodelled_values(cohort):
    course = next(_enrolled(cohort))
    today = cohort.data_cutoff
    first = export_entries(course, today, PROTOCOL, seed=1)
    assert first == export_entries(course, today, PROTOCOL, seed=1)
    other = export_entries(course, today, PROTOCOL, seed=2)
    assert first[0][1]["tumour_markers"] != other[0][1]["tumour_markers"]  # drawn, not modelled
    assert first[0][1]["lesions"] == other[0][1]["lesions"]  # modelled: the same


def test_end_of_day_is_the_last_moment_at_the_site():
    moment = end_of_day(dt.date(2025, 3, 1), ZONE)
    assert moment.date() == dt.date(2025, 3, 1) and moment.utcoffset() == dt.timedelta(hours=8)
