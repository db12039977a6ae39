"""Fixtures of the trial-course tests: the core's complete synthetic subject (tests/clinical/crf_examples.py),
moved in time so that its last visit is recent, and the example patient enrolled with that enrolment date."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from haictrial.edc.subjects.models import Subject

_spec = importlib.util.spec_from_file_location(
    "crf_examples", Path(__file__).parents[2] / "clinical" / "crf_examples.py"
)
assert _spec is not None and _spec.loader is not None
crf_examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crf_examples)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: form name -> the attribute of the complete subject document holding it
ATTRIBUTES = {
    "baseline": "baseline",
    "haic_cycle": "haic_cycles",
    "targeted_agent": "targeted_agent",
    "imaging": "imaging",
    "adverse_events": "adverse_events",
    "concomitant_medications": "concomitant_medications",
    "mdt_review": "mdt_reviews",
    "resection": "resections",
    "follow_up": "follow_up",
}


def _shift(value: Any, days: int) -> Any:
    if isinstance(value, dict):
        return {k: _shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, str) and _DATE.match(value) and len(value) in (10, 25):
        if len(value) == 10:
            return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
        return (dt.datetime.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    return value


def course_document(today: dt.date | None = None) -> dict[str, Any]:
    """The complete subject with every date moved so that the core's TODAY falls on ``today``."""
    today = today or timezone.localdate()
    days = (today - crf_examples.TODAY).days
    document = _shift(crf_examples.complete_subject(), days)
    for attribute in ("baseline", "haic_cycles", "imaging", "mdt_reviews", "resections", "follow_up"):
        value = document[attribute]
        for item in value if isinstance(value, list) else [value]:
            item.pop("record_id", None)
    return document


def payloads(document: dict[str, Any], form: str) -> list[dict[str, Any]]:
    value = document[ATTRIBUTES[form]]
    return copy.deepcopy(value if isinstance(value, list) else [value])


@pytest.fixture
def course() -> dict[str, Any]:
    return course_document()


@pytest.fixture
def subject_id(enrolled, course) -> str:
    """The example patient enrolled at site 001 by alice, enrolment dated as in the course document."""
    enrolment = dt.date.fromisoformat(course["enrolment_date"])
    moment = timezone.make_aware(dt.datetime.combine(enrolment, dt.time(9, 0)))
    Subject.objects.filter(subject_id=enrolled["subject_id"]).update(enrolled_at=moment)
    return enrolled["subject_id"]
