"""Visit calendar (protocol ``regimen.cycle_length_days``, ``schedule.haic_window_days`` and the
``cetuximab_days``/``imaging_every_cycles``/``imaging_window_days`` site settings; CHALLENGE-A1: cycles
every 21 days, imaging every 2 cycles = 6 weeks, within the 6-8 weeks of RECIST 1.1 section 4.5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.schedule import EventKind, to_icalendar, visit_calendar
from haictrial.errors import InputError
from haictrial.protocol import load_protocol
from haictrial.vocabulary.enums import Drug

VARIANT = Path(__file__).parent.parent / "data" / "protocols" / "variant.yaml"
START = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def protocol():
    return load_protocol()


def day(n: int) -> dt.date:
    """Day n of the treatment (day 1 = START)."""
    return START + dt.timedelta(days=n - 1)


def of_kind(events, kind):
    return [e for e in events if e.kind == kind]


def test_haic_admissions_every_21_days_with_a_3_day_window(protocol):
    haic = of_kind(visit_calendar(START, 4, protocol, Drug.cetuximab), EventKind.haic_cycle)
    assert [(e.cycle, e.date) for e in haic] == [(1, day(1)), (2, day(22)), (3, day(43)), (4, day(64))]
    assert all((e.window_start, e.window_end) == (e.date - dt.timedelta(3), e.date + dt.timedelta(3)) for e in haic)
    assert haic[0].label == "HAIC cycle 1"


def test_cetuximab_infusions_on_days_1_8_15_of_each_cycle(protocol):
    cet = of_kind(visit_calendar(START, 2, protocol, Drug.cetuximab), EventKind.cetuximab_weekly)
    assert [e.date for e in cet] == [day(1), day(8), day(15), day(22), day(29), day(36)]
    # Day 1 is given at the admission, inside its window; the others on their day.
    assert (cet[0].window_start, cet[0].window_end) == (day(1) - dt.timedelta(3), day(1) + dt.timedelta(3))
    assert cet[1].window_start == cet[1].window_end == day(8)


def test_cetuximab_days_follow_the_variant_setting():
    cet = of_kind(visit_calendar(START, 1, load_protocol(VARIANT), Drug.cetuximab), EventKind.cetuximab_weekly)
    assert [e.date for e in cet] == [day(1), day(15)]


def test_bevacizumab_patients_have_no_weekly_visits(protocol):
    events = visit_calendar(START, 2, protocol, Drug.bevacizumab)
    assert of_kind(events, EventKind.cetuximab_weekly) == []
    assert of_kind(events, EventKind.haic_cycle)[0].label == "HAIC cycle 1 + bevacizumab"


def test_imaging_after_every_second_cycle_before_the_next_admission(protocol):
    events = visit_calendar(START, 4, protocol, None)
    imaging = of_kind(events, EventKind.imaging)
    assert [e.cycle for e in imaging] == [2, 4]
    first = imaging[0]
    # Target day 36 (7 days before cycle 3 on day 43), window +/- 7 days: days 29-43.
    assert (first.date, first.window_start, first.window_end) == (day(36), day(29), day(43))
    assert first.window_start > day(22) + dt.timedelta(days=2)  # after the cycle 2 infusion (49 h)
    assert first.window_end <= of_kind(events, EventKind.haic_cycle)[2].date


def test_an_mdt_review_follows_each_imaging_before_the_next_admission(protocol):
    events = visit_calendar(START, 4, protocol, None)
    imaging, mdt = of_kind(events, EventKind.imaging), of_kind(events, EventKind.mdt_review)
    assert len(mdt) == len(imaging) == 2
    for scan, review in zip(imaging, mdt, strict=True):
        assert review.cycle == scan.cycle and review.date > scan.date
    assert (mdt[0].window_start, mdt[0].window_end) == (day(37), day(42))


def test_events_are_in_date_order(protocol):
    events = visit_calendar(START, 6, protocol, Drug.cetuximab)
    assert [e.date for e in events] == sorted(e.date for e in events)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.sampled_from([Drug.bevacizumab, Drug.cetuximab, None]))
def test_every_target_date_lies_in_its_window(cycles, agent):
    events = visit_calendar(START, cycles, load_protocol(), agent)
    assert len(of_kind(events, EventKind.haic_cycle)) == cycles
    assert len(of_kind(events, EventKind.imaging)) == cycles // 2
    assert all(e.window_start <= e.date <= e.window_end for e in events)


def test_it_refuses_zero_cycles(protocol):
    with pytest.raises(InputError) as err:
        visit_calendar(START, 0, protocol, None)
    assert err.value.field == "cycles"


def test_the_icalendar_file_parses_back_with_all_day_events(protocol):
    events = visit_calendar(START, 4, protocol, Drug.cetuximab)
    data = to_icalendar(events, protocol, subject_id="CHA-001-0001", stamp=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    cal = icalendar.Calendar.from_ical(data)
    parsed = [c for c in cal.walk("VEVENT")]
    assert len(parsed) == len(events)
    uids = {str(c["UID"]) for c in parsed}
    assert len(uids) == len(events)
    for event, item in zip(events, parsed, strict=True):
        start = item.decoded("DTSTART")
        assert type(start) is dt.date and start == event.date  # all-day (VALUE=DATE)
        assert item.decoded("DTEND") == event.date + dt.timedelta(days=1)
        description = str(item["DESCRIPTION"])
        assert f"window {event.window_start.isoformat()} to {event.window_end.isoformat()}" in description
        assert str(item["SUMMARY"]).startswith("CHA-001-0001: ")
    # Stable UIDs: the same calendar exported twice has the same events.
    assert to_icalendar(events, protocol, "CHA-001-0001", stamp=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)) == data
