"""Follow-up schedule (calendar months from the protocol's ``schedule``) and the Follow-up / End of study forms.

Source: CHALLENGE-A1 protocol ``schedule``: follow-up every 3 months for 5 years, window +/- 14 days
(endpoints os, pfs, rfs: up to 5 years).
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.follow_up import EndOfStudy, FollowUpVisit, add_months, follow_up_schedule
from haictrial.documents import parse_model
from haictrial.errors import InputError
from haictrial.protocol import load_protocol

PROTOCOL = load_protocol()
VARIANT = load_protocol(Path(__file__).parent.parent / "data" / "protocols" / "variant.yaml")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),  # clamped to the end of February
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-12-15", 1, "2027-01-15"),  # across the year
        ("2026-05-31", 3, "2026-08-31"),
        ("2026-05-31", 0, "2026-05-31"),
    ],
)
def test_add_months_is_calendar_arithmetic(day, months, expected):
    assert add_months(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


def test_the_challenge_a1_schedule_is_every_3_months_for_5_years():
    visits = follow_up_schedule(dt.date(2026, 6, 10), PROTOCOL)
    assert len(visits) == 20  # 5 years x 12 / 3
    assert [v.months_after for v in visits] == list(range(3, 61, 3))
    first, last = visits[0], visits[-1]
    assert (first.date, first.window_start, first.window_end) == (
        dt.date(2026, 9, 10), dt.date(2026, 8, 27), dt.date(2026, 9, 24)
    )  # fmt: skip
    assert last.date == dt.date(2031, 6, 10)
    assert first.as_dict()["date"] == "2026-09-10"


def test_each_visit_is_counted_from_the_last_treatment_so_month_ends_do_not_drift():
    dates = [v.date for v in follow_up_schedule(dt.date(2026, 1, 31), PROTOCOL)[:5]]
    # 30 April, then back to the 31st in July: not 30 July (which stepping visit to visit would give).
    assert dates == [
        dt.date(2026, 4, 30),
        dt.date(2026, 7, 31),
        dt.date(2026, 10, 31),
        dt.date(2027, 1, 31),
        dt.date(2027, 4, 30),
    ]


def test_the_schedule_comes_from_the_protocol():
    schedule = PROTOCOL.schedule.model_copy(
        update={"follow_up_every_months": 5, "follow_up_years": 2, "follow_up_window_days": 7}
    )
    other = PROTOCOL.model_copy(update={"schedule": schedule})
    visits = follow_up_schedule(dt.date(2026, 1, 1), other)
    assert [v.months_after for v in visits] == [5, 10, 15, 20]  # the last whole interval within 24 months
    assert visits[0].window_end - visits[0].date == dt.timedelta(days=7)
    assert len(follow_up_schedule(dt.date(2026, 1, 1), VARIANT)) == 20


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_visits_increase_and_keep_the_day_of_the_month(anchor):
    visits = follow_up_schedule(anchor, PROTOCOL)
    dates = [v.date for v in visits]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    for visit in visits:
        months = (visit.date.year - anchor.year) * 12 + visit.date.month - anchor.month
        assert months == visit.months_after
        assert visit.date.day == min(anchor.day, calendar.monthrange(visit.date.year, visit.date.month)[1])
        assert visit.window_start <= visit.date <= visit.window_end


# --- the forms -------------------------------------------------------------------------------------


def test_a_follow_up_visit_with_recurrence_and_death():
    visit = parse_model(
        FollowUpVisit,
        {
            "date": "2027-05-02", "vital_status": "dead", "disease_event": "recurrence", "event_date": "2026-12-01",
            "event_sites": ["liver", "lung"], "subsequent_therapies": [{"type": "systemic_chemotherapy",
            "start_date": "2026-12-20", "description": "FOLFIRI"}], "death_date": "2027-04-20",
            "death_cause": "disease_progression",
        },
    )  # fmt: skip
    assert visit.death_date == dt.date(2027, 4, 20)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "2027-01-01", "vital_status": "alive", "death_date": "2026-12-01"}, "death_date"),
        ({"date": "2027-01-01", "vital_status": "dead", "death_date": "2027-02-01"}, "death_date"),
        ({"date": "2027-01-01", "vital_status": "dead", "death_cause": "other_cause"}, "death_cause_text"),
        ({"date": "2027-01-01", "event_date": "2026-11-01"}, "disease_event"),
        ({"date": "2027-01-01", "disease_event": "progression", "event_date": "2027-03-01"}, "event_date"),
        ({"date": "2027-01-01", "disease_event": "recurrence", "event_sites": ["other"]}, "event_site_other"),
        ({"date": "2027-01-01", "subsequent_therapies": [{"type": "other"}]}, "subsequent_therapies[0].description"),
        ({"vital_status": "zombie"}, "vital_status"),
    ],
)  # fmt: skip
def test_follow_up_rejects_impossible_values_naming_the_field(data, field):
    with pytest.raises(InputError) as err:
        parse_model(FollowUpVisit, data)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "2027-01-01", "reason": "other"}, "reason_text"),
        ({"date": "2027-01-01", "reason": "withdrawal_of_consent", "death_date": "2026-12-01"}, "death_date"),
        ({"date": "2027-01-01", "reason": "death", "death_date": "2027-02-01"}, "death_date"),
    ],
)
def test_end_of_study_rejects_impossible_values_naming_the_field(data, field):
    with pytest.raises(InputError) as err:
        parse_model(EndOfStudy, data)
    assert err.value.field == field
    assert parse_model(EndOfStudy, {"date": "2027-01-01", "reason": "death", "death_date": "2026-12-31"}).death_date
