"""Fixtures shared by the ODM and REDCap export tests: the EDC's users of every role (tests/edc/conftest.py)
and a small two-site trial entered through the EDC's own services: at site 001 the complete synthetic
course of tests/clinical/crf_examples.py (every eCRF, one record changed with a reason, the casebook
signed by the investigator), at site 002 a second patient with a Baseline form. Synthetic data only."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

TESTS = Path(__file__).parents[2]


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


edc = importlib.import_module("edc.conftest")  # tests/ is on sys.path (pytest's rootdir conftest)
try:
    from edc.enrolment import consent_body  # the informed consent an enrolment records (docs/contracts/server.md)
except ImportError:  # an EDC without the consent record at enrolment

    def consent_body() -> dict[str, Any]:
        return {}


crf_examples = _load("interop_crf_examples", TESTS / "clinical" / "crf_examples.py")
PASSWORD = edc.PASSWORD
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


def _payloads(document: dict[str, Any], form: str) -> list[dict[str, Any]]:
    value = document.get(ATTRIBUTES[form])
    if value is None:
        return []
    out = copy.deepcopy(value if isinstance(value, list) else [value])
    for item in out:
        item.pop("record_id", None)
    return out


def _enrol(api_client: Any, patient: dict[str, Any], site: str, hospital_number: str, birth_date: str) -> str:
    document = copy.deepcopy(patient)
    document["site"] = site
    document["birth_date"] = birth_date
    document["identifiers"] = {"full_name": f"Synthetic Patient {hospital_number}", "hospital_number": hospital_number}
    screening = api_client.post("/api/screenings", document)
    assert screening.status_code == 201, screening.content
    enrolled = api_client.post(f"/api/screenings/{screening.json()['screening_id']}/enroll", consent_body())
    assert enrolled.status_code == 201, enrolled.content
    return enrolled.json()["subject_id"]


@pytest.fixture
def trial(users, api, patient) -> dict[str, Any]:
    """Two enrolled subjects (001: every eCRF, signed; 002: Baseline); returns ids and the course."""
    from haictrial.edc.crfs import services
    from haictrial.edc.dm.services import sign_casebook
    from haictrial.edc.subjects.models import Subject

    document = crf_examples.complete_subject()
    enrolment = dt.date.fromisoformat(document["enrolment_date"])
    first = _enrol(api["alice"], patient, "001", "H-0001", "1961-04-03")
    second = _enrol(api["bob"], patient, "002", "H-0002", "1958-09-21")
    moment = timezone.make_aware(dt.datetime.combine(enrolment, dt.time(9, 0)))
    Subject.objects.filter(subject_id__in=[first, second]).update(enrolled_at=moment)
    alice, bob = users["alice"], users["bob"]
    today = crf_examples.TODAY
    saved = {}
    for form in ATTRIBUTES:
        for payload in _payloads(document, form):
            record = services.save_form(alice, first, form, payload, today=today)
            saved.setdefault(form, []).append(record.pk)
    baseline = services.record_for(alice, first, "baseline", saved["baseline"][0])
    changed = copy.deepcopy(baseline.payload)
    changed["demographics"]["weight_kg"] = 59.0
    services.save_form(
        alice,
        first,
        "baseline",
        changed,
        record_id=baseline.pk,
        version=baseline.version,
        reason="scale recalibrated",
        today=today,
    )
    sign_casebook(alice, first, PASSWORD)
    services.save_form(bob, second, "baseline", _payloads(document, "baseline")[0], today=today)
    return {"first": first, "second": second, "document": document, "records": saved}
