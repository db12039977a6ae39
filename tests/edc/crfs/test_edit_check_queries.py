"""Edit checks on save (declared in haictrial.clinical.edit_checks): a failing check opens a query on its
field of the saved record; a later save that passes closes it (``resolved_by_data``); a query a monitor
closed stays closed while the finding stands. Each rule's clinical source is cited by the core's check."""

from __future__ import annotations

import copy

import pytest

from haictrial.edc.crfs import services
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.dm import services as dm
from haictrial.edc.dm.models import Query, QueryStatus
from haictrial.errors import InputError

from .conftest import payloads


def _queries(check_id):
    return list(Query.objects.filter(check_id=check_id).order_by("id"))


def test_an_implausible_weight_is_refused_at_entry_naming_the_field_and_nothing_is_stored(users, subject_id, course):
    """Weight 25-250 kg (clinical.limits, the planning engine's limits): 58.5 typed without its decimal point
    is an entry error, not a query on a saved record."""
    alice = users["alice"]
    baseline = payloads(course, "baseline")[0]
    baseline["demographics"]["weight_kg"] = 585
    with pytest.raises(InputError) as refused:
        services.save_form(alice, subject_id, "baseline", baseline)
    assert refused.value.field == "demographics.weight_kg" and "kg" in refused.value.message
    assert not FormRecord.objects.filter(form="baseline").exists()

    baseline["demographics"]["weight_kg"] = 58.5
    services.save_form(alice, subject_id, "baseline", baseline)
    assert _queries("RNG-baseline-weight_kg") == []


def test_a_dose_deviation_over_ten_percent_needs_a_reason(users, subject_id, course):
    """XF-haic-dose-deviation-reason: protocol dose_deviation_reason_percent (10 %)."""
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    cycle = payloads(course, "haic_cycle")[0]
    cycle["infusions"][0]["given_dose_mg"] = 150.0  # planned 210.9 mg: -28.9 %
    record = services.save_form(alice, subject_id, "haic_cycle", cycle)
    [query] = _queries("XF-haic-dose-deviation-reason")
    assert query.field == "infusions[0].deviation_reason" and query.record_id == record.pk
    assert query.status == QueryStatus.open
    deviation = record.derived["deviations"][0]
    assert deviation["reason_required"] is True and round(deviation["deviation_percent"], 1) == -28.9

    cycle["infusions"][0]["deviation_reason"] = "catheter displaced; infusion stopped early"
    services.save_form(alice, subject_id, "haic_cycle", cycle, record_id=record.pk, version=1, reason="reason added")
    query.refresh_from_db()
    assert query.status == QueryStatus.closed and query.resolved_by_data


def test_a_deviation_of_exactly_ten_percent_needs_no_reason(users, subject_id, course):
    alice = users["alice"]
    services.save_form(alice, subject_id, "baseline", payloads(course, "baseline")[0])
    cycle = payloads(course, "haic_cycle")[0]
    cycle["infusions"][1]["given_dose_mg"] = 584.1  # leucovorin 649.0 planned: exactly -10 %
    services.save_form(alice, subject_id, "haic_cycle", cycle)
    assert _queries("XF-haic-dose-deviation-reason") == []


def test_a_missing_required_field_is_a_query_on_that_field(users, subject_id, course):
    alice = users["alice"]
    baseline = payloads(course, "baseline")[0]
    del baseline["ecog"]
    record = services.save_form(alice, subject_id, "baseline", baseline)
    [query] = _queries("REQ-baseline-ecog")
    assert (query.field, query.record_id, query.status) == ("ecog", record.pk, QueryStatus.open)


def test_a_whole_complete_course_leaves_no_open_query(users, subject_id, course):
    alice = users["alice"]
    for form in ("baseline", "haic_cycle", "targeted_agent", "adverse_events", "concomitant_medications"):
        for payload in payloads(course, form):
            services.save_form(alice, subject_id, form, payload)
    for form in ("imaging", "mdt_review", "resection", "follow_up"):
        for payload in payloads(course, form):
            services.save_form(alice, subject_id, form, payload)
    assert list(Query.objects.filter(status=QueryStatus.open).values_list("check_id", "field")) == []


def test_a_query_a_monitor_closed_is_not_reopened_while_its_finding_stands(users, subject_id, course):
    alice, monty = users["alice"], users["monty"]
    baseline = payloads(course, "baseline")[0]
    del baseline["ecog"]  # required: a query (a height over 250 cm is refused at entry: clinical.limits)
    record = services.save_form(alice, subject_id, "baseline", baseline)
    [query] = _queries("REQ-baseline-ecog")
    dm.close_query(monty, query.pk, "confirmed with the source: ECOG was not assessed at baseline")
    again = copy.deepcopy(baseline)
    again["lvef_percent"] = 63
    services.save_form(alice, subject_id, "baseline", again, record_id=record.pk, version=1, reason="LVEF re-read")
    assert [q.status for q in _queries("REQ-baseline-ecog")] == [QueryStatus.closed]
    assert not _queries("REQ-baseline-ecog")[0].resolved_by_data
