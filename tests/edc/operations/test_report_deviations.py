"""Protocol deviations counted in the report (ICH E3 10.2, "Protocol deviations"), read from the EDC database
(:mod:`haictrial.reports.from_database`): ``results.json`` ``deviations`` by kind and one line in the report.

The deviation used is ``cycle_given_while_held``: cetuximab given in cycle 2 with the investigator's override
while the plan holds it, after a CTCAE v5.0 "Rash acneiform" grade 3 in cycle 1 (protocol
``settings.dose_modification``: Rash acneiform grade 3 -> hold cetuximab).
"""

from __future__ import annotations

import datetime as dt

import pytest

from haictrial.edc.operations.models import Deviation
from haictrial.edc.trial import protocol
from haictrial.reports.datasets import prepare
from haictrial.reports.from_database import from_database
from haictrial.reports.html import deviations_line
from haictrial.reports.results import compute_results, deviations

from .conftest import payloads, post_form


@pytest.fixture
def held_dose(api, subject_id, course):
    """Baseline, cycle 1 with its cetuximab doses and a grade 3 acneiform rash; the cycle 2 cetuximab dose."""
    assert post_form(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    first = payloads(course, "haic_cycle")[0]
    assert post_form(api, "alice", subject_id, "haic_cycle", first).status_code == 201
    doses = payloads(course, "targeted_agent")
    for dose in doses[:3]:
        response = post_form(api, "alice", subject_id, "targeted_agent", dose)
        assert response.status_code == 201, response.content
    onset = dt.date.fromisoformat(doses[1]["date"])
    rash = {
        "term": "Rash acneiform",
        "grade": 3,
        "onset_date": onset.isoformat(),
        "action_taken": "drug_interrupted",
        "outcome": "recovering",
        "attribution": {"cetuximab": "probable"},
    }
    response = post_form(api, "alice", subject_id, "adverse_events", rash)
    assert response.status_code == 201, response.content
    return doses[3]


def test_a_dose_given_while_held_is_a_deviation_and_is_counted_in_the_report(api, subject_id, held_dose):
    refused = post_form(api, "alice", subject_id, "targeted_agent", held_dose)
    assert refused.status_code == 422, refused.content  # the plan holds cetuximab: refused without override
    assert not Deviation.objects.filter(kind="cycle_given_while_held").exists()
    held_dose["safety_override"] = {"reason": "rash grade 1 on the morning of the dose"}
    response = post_form(api, "alice", subject_id, "targeted_agent", held_dose)
    assert response.status_code == 201, response.content
    found = Deviation.objects.get(subject__subject_id=subject_id, kind="cycle_given_while_held")
    assert found.record_id == response.json()["record_id"] and "holds cetuximab" in found.detail

    proto = protocol()
    ds = from_database(proto)
    assert ds.deviations == {"cycle_given_while_held": 1}
    section = compute_results(prepare(ds, proto), proto).data["deviations"]
    assert section == {"total": 1, "by_kind": {"cycle_given_while_held": 1}}
    assert deviations_line(section) == "1 protocol deviations recorded: cycle_given_while_held 1."


def test_a_held_dose_not_given_is_no_deviation_and_the_report_says_none(api, subject_id, held_dose):
    held_dose.pop("given_dose_mg")  # not given, as the plan says
    response = post_form(api, "alice", subject_id, "targeted_agent", held_dose)
    assert response.status_code == 201, response.content
    ds = from_database(protocol())
    assert ds.deviations == {}
    section = compute_results(prepare(ds, protocol()), protocol()).data["deviations"]
    assert section == {"total": 0, "by_kind": {}}
    assert deviations_line(section) == "No protocol deviation recorded."


def test_a_source_without_a_deviation_log_says_so():
    section = deviations(None)
    assert section["total"] is None and "no protocol deviation log" in deviations_line(section)
