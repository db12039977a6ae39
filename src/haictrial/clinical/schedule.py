"""The visit calendar of one patient: HAIC admissions, cetuximab infusions, imaging and MDT reviews.

Dates follow the protocol file: an HAIC admission on day 1 of each cycle (every
``regimen.cycle_length_days``, window +/- ``schedule.haic_window_days``); bevacizumab is given at the
admission; cetuximab on each day of ``settings.cetuximab_days`` (day 1 at the admission, inside its
window; the other days on the day itself, the protocol sets no window for them); imaging after every
``settings.imaging_every_cycles``-th cycle, before the next admission; an MDT resectability review
after each imaging.

Imaging target: ``imaging_window_days`` before the next admission, window +/- ``imaging_window_days``,
so the window closes on the day of that admission (imaging before the catheter is placed). With the
CHALLENGE-A1 defaults (21-day cycles, every 2 cycles, +/- 7 days) the first imaging is due on day 36
(window days 29-43), after cycle 2 and before cycle 3 (day 43).

MDT review: from the day after the imaging target to the day before the next admission (target: the
first of those days), so that the team sees the imaging before deciding on the next cycle or resection.

References
----------
- CHALLENGE-A1 (NCT06988852): cycles every 21 days; ``schedule`` and ``settings`` of the protocol file.
- RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-47, doi:10.1016/j.ejca.2008.10.026), section 4.5:
  tumour re-evaluation every 6-8 weeks during treatment.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import icalendar
from pydantic import BaseModel, ConfigDict, model_validator

from haictrial.clinical.messages import N_
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug


class EventKind(StrEnum):
    """Calendar event kinds; the values are the protocol's visit ids (``schedule.visits``)."""

    haic_cycle = "haic_cycle"
    cetuximab_weekly = "cetuximab_weekly"
    imaging = "imaging"
    mdt_review = "mdt_review"


class CalendarEvent(BaseModel):
    """One planned visit: its target date and the window it may move within."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    label: str
    cycle: int
    date: dt.date
    window_start: dt.date
    window_end: dt.date

    @model_validator(mode="after")
    def _window_holds_date(self) -> CalendarEvent:
        if not self.window_start <= self.date <= self.window_end:
            raise ValueError("the target date must lie inside its window")
        return self

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "label": self.label,
            "cycle": self.cycle,
            "date": self.date.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


def _label(protocol: Protocol, kind: EventKind) -> str:
    for visit in protocol.schedule.visits:
        if visit.id == kind.value:
            return visit.label
    return kind.value.replace("_", " ").capitalize()


def visit_calendar(
    start_date: dt.date,
    cycles: int,
    protocol: Protocol,
    targeted_agent: Drug | None,
) -> list[CalendarEvent]:
    """The visits of ``cycles`` cycles starting on ``start_date`` (cycle 1 day 1), sorted by date.

    Raises :class:`InputError` naming ``cycles`` when it is below 1.

    References
    ----------
    Protocol ``regimen.cycle_length_days``, ``schedule.haic_window_days``, ``settings.cetuximab_days``,
    ``settings.imaging_every_cycles``, ``settings.imaging_window_days``.
    """
    if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1:
        raise InputError.of(N_("must be a whole number >= 1 (got {value})"), "cycles", value=repr(cycles))
    length = protocol.regimen.cycle_length_days
    haic_window = dt.timedelta(days=protocol.schedule.haic_window_days)
    every = protocol.settings.imaging_every_cycles.value
    imaging_window = dt.timedelta(days=protocol.settings.imaging_window_days.value)
    one_day = dt.timedelta(days=1)

    def day_one(cycle: int) -> dt.date:
        return start_date + dt.timedelta(days=(cycle - 1) * length)

    events: list[CalendarEvent] = []
    for cycle in range(1, cycles + 1):
        admission = day_one(cycle)
        label = f"{_label(protocol, EventKind.haic_cycle)} {cycle}"
        if targeted_agent == Drug.bevacizumab and 1 in protocol.regimen.bevacizumab.days:
            label += " + bevacizumab"
        events.append(
            CalendarEvent(
                kind=EventKind.haic_cycle,
                label=label,
                cycle=cycle,
                date=admission,
                window_start=admission - haic_window,
                window_end=admission + haic_window,
            )
        )
        if targeted_agent == Drug.cetuximab:
            for day in sorted(protocol.settings.cetuximab_days.value):
                when = admission + dt.timedelta(days=day - 1)
                window = haic_window if day == 1 else dt.timedelta(0)
                events.append(
                    CalendarEvent(
                        kind=EventKind.cetuximab_weekly,
                        label=f"{_label(protocol, EventKind.cetuximab_weekly)} (cycle {cycle} day {day})",
                        cycle=cycle,
                        date=when,
                        window_start=when - window,
                        window_end=when + window,
                    )
                )
        if every > 0 and cycle % every == 0:
            next_admission = day_one(cycle + 1)
            target = next_admission - imaging_window
            events.append(
                CalendarEvent(
                    kind=EventKind.imaging,
                    label=f"{_label(protocol, EventKind.imaging)} after cycle {cycle}",
                    cycle=cycle,
                    date=target,
                    window_start=target - imaging_window,
                    window_end=target + imaging_window,
                )
            )
            mdt = target + one_day
            events.append(
                CalendarEvent(
                    kind=EventKind.mdt_review,
                    label=f"{_label(protocol, EventKind.mdt_review)} after cycle {cycle}",
                    cycle=cycle,
                    date=mdt,
                    window_start=mdt,
                    window_end=max(mdt, next_admission - one_day),
                )
            )
    order = list(EventKind)
    return sorted(events, key=lambda e: (e.date, e.cycle, order.index(e.kind)))


def to_icalendar(
    events: list[CalendarEvent],
    protocol: Protocol,
    subject_id: str | None,
    stamp: dt.datetime,
) -> bytes:
    """The calendar as an iCalendar (RFC 5545) file: one all-day event per visit, window in the description.

    Each event's UID is stable (subject, kind, cycle, date), so importing the file again updates the
    coordinator's calendar instead of duplicating it. ``stamp`` is the DTSTAMP (the
    caller's clock: the core never reads it).

    References
    ----------
    RFC 5545 (iCalendar), sections 3.6.1 (VEVENT) and 3.8.4.7 (UID).
    """
    who = subject_id or "subject"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//haictrial//CHALLENGE-A1 visit calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{protocol.protocol_id} {who}")
    for event in events:
        item = icalendar.Event()
        item.add("uid", f"{who}-{event.kind.value}-c{event.cycle}-{event.date.isoformat()}@haictrial")
        item.add("dtstamp", stamp)
        item.add("summary", f"{who}: {event.label}")
        item.add("dtstart", event.date)
        item.add("dtend", event.date + dt.timedelta(days=1))
        item.add("transp", "TRANSPARENT")
        item.add(
            "description",
            f"Target date {event.date.isoformat()}; window {event.window_start.isoformat()} to "
            f"{event.window_end.isoformat()}. Cycle {event.cycle}. "
            f"Protocol {protocol.protocol_id} version {protocol.version}.",
        )
        item.add("categories", [event.kind.value])
        cal.add_component(item)
    return cal.to_ical()
