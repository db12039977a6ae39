"""The visit schedule of one subject: the visits the protocol expects, each with its window, the forms
the protocol asks for at it (``schedule.visits[].forms``), what was recorded, and whether it is done,
done out of its window, due, overdue or upcoming. No Django, no I/O.

Dates come from the core only: :func:`haictrial.clinical.schedule.visit_calendar` for the HAIC cycles,
the weekly cetuximab infusions, imaging every ``imaging_every_cycles`` cycles and the MDT review, and
:func:`haictrial.clinical.follow_up.follow_up_schedule` for the follow-up every 3 months after the last
treatment. Each cycle is planned from the previous cycle's actual admission (a delay moves the cycles
after it), and the events after a cycle from that cycle's actual admission.

A recorded form belongs to a visit by its cycle (HAIC cycle, targeted agent by cycle and day, imaging by
``after_cycle``) or, for the other forms, by its date: the unmatched record closest to the visit's target
date within half the distance to the neighbouring visits.
At the baseline visit the protocol's ``imaging`` form is the baseline imaging that the Baseline form
records (its lesions are the RECIST baseline), so it is never missing there once the Baseline form exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.follow_up import follow_up_schedule
from haictrial.clinical.schedule import CalendarEvent, EventKind, visit_calendar
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug, SubjectStatus

#: Log forms: recorded when something happens, never "missing" at a visit.
LOG_FORMS = frozenset({FormName.adverse_events.value, FormName.concomitant_medications.value})
#: Statuses in which more HAIC cycles are expected.
TREATING = frozenset({SubjectStatus.enrolled, SubjectStatus.on_treatment})
#: Statuses after the treatment phase, when follow-up visits are expected.
AFTER_TREATMENT = frozenset({SubjectStatus.resected, SubjectStatus.follow_up})


class VisitState(StrEnum):
    done = "done"
    out_of_window = "out_of_window"
    due = "due"
    overdue = "overdue"
    upcoming = "upcoming"


@dataclass(frozen=True)
class RecordFacts:
    """What the schedule needs of one record: its form, cycle, date and (targeted agent) day and drug."""

    record_id: int
    form: str
    cycle: int | None
    date: dt.date | None
    day: int | None = None
    drug: str | None = None


@dataclass
class Visit:
    kind: str
    label: str
    cycle: int | None
    number: int | None
    date: dt.date | None
    window_start: dt.date | None
    window_end: dt.date | None
    state: VisitState = VisitState.upcoming
    actual_date: dt.date | None = None
    forms_expected: list[str] = field(default_factory=list)
    records: dict[str, list[int]] = field(default_factory=dict)
    #: expected forms whose content another recorded form holds (the baseline imaging is in the baseline form)
    covered: list[str] = field(default_factory=list)

    @property
    def missing_forms(self) -> list[str]:
        if self.state in (VisitState.upcoming,):
            return []
        return [
            f for f in self.forms_expected if f not in LOG_FORMS and f not in self.covered and not self.records.get(f)
        ]

    @property
    def flagged(self) -> bool:
        return self.state in (VisitState.overdue, VisitState.out_of_window)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "label": self.label,
            "cycle": self.cycle,
            "number": self.number,
            "date": self.date.isoformat() if self.date else None,
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "state": self.state.value,
            "actual_date": self.actual_date.isoformat() if self.actual_date else None,
            "forms_expected": list(self.forms_expected),
            "records": {k: list(v) for k, v in self.records.items()},
            "missing_forms": self.missing_forms,
        }


def visit_forms(protocol: Protocol) -> dict[str, list[str]]:
    """Visit id -> the forms the protocol expects at it (``schedule.visits[].forms``)."""
    return {visit.id: list(visit.forms) for visit in protocol.schedule.visits}


def _label(protocol: Protocol, visit_id: str) -> str:
    for visit in protocol.schedule.visits:
        if visit.id == visit_id:
            return visit.label
    return visit_id


def _cycle_events(anchor: dt.date, cycle: int, protocol: Protocol, agent: Drug | None) -> list[CalendarEvent]:
    """The calendar events of ``cycle`` when its day 1 is ``anchor`` (visit_calendar shifted to it)."""
    length = protocol.regimen.cycle_length_days
    start = anchor - dt.timedelta(days=(cycle - 1) * length)
    return [e for e in visit_calendar(start, cycle, protocol, agent) if e.cycle == cycle]


def _state(visit: Visit, today: dt.date) -> VisitState:
    if visit.actual_date is not None:
        inside = (visit.window_start is None or visit.window_start <= visit.actual_date) and (
            visit.window_end is None or visit.actual_date <= visit.window_end
        )
        return VisitState.done if inside else VisitState.out_of_window
    if visit.window_end is not None and today > visit.window_end:
        return VisitState.overdue
    if visit.window_start is None or visit.window_start <= today:
        return VisitState.due
    return VisitState.upcoming


def _visit(event: CalendarEvent, forms: dict[str, list[str]], number: int | None = None) -> Visit:
    return Visit(
        kind=event.kind.value,
        label=event.label,
        cycle=event.cycle,
        number=number,
        date=event.date,
        window_start=event.window_start,
        window_end=event.window_end,
        forms_expected=list(forms.get(event.kind.value, [])),
    )


def _recorded_visit(form: FormName, record: RecordFacts, protocol: Protocol, forms: dict[str, list[str]]) -> Visit:
    """An unscheduled visit that exists because its form was recorded (resection, end of study)."""
    return Visit(
        kind=form.value,
        label=_label(protocol, form.value),
        cycle=None,
        number=None,
        date=record.date,
        window_start=None,
        window_end=None,
        actual_date=record.date,
        forms_expected=list(forms.get(form.value, [])),
        records={form.value: [record.record_id]},
    )


def _match_by_date(visits: list[Visit], records: list[RecordFacts], form: str) -> None:
    """Give each visit of ``visits`` (sorted by date) the closest unmatched ``form`` record near it."""
    pool = sorted((r for r in records if r.form == form and r.date is not None), key=lambda r: (r.date, r.record_id))
    targets = [v.date for v in visits]
    for i, visit in enumerate(visits):
        assert visit.date is not None
        low = visit.date - (visit.date - targets[i - 1]) / 2 if i > 0 and targets[i - 1] else None  # type: ignore[operator]
        high = visit.date + (targets[i + 1] - visit.date) / 2 if i + 1 < len(targets) and targets[i + 1] else None  # type: ignore[operator]
        inside = [
            r
            for r in pool
            if (visit.window_start is None or r.date >= visit.window_start)  # type: ignore[operator]
            and (visit.window_end is None or r.date <= visit.window_end)  # type: ignore[operator]
        ]
        near = inside or [r for r in pool if (low is None or r.date >= low) and (high is None or r.date < high)]  # type: ignore[operator]
        if near:
            best = min(near, key=lambda r: abs((r.date - visit.date).days))  # type: ignore[operator]
            pool.remove(best)
            visit.actual_date = best.date
            visit.records.setdefault(form, []).append(best.record_id)


def _attach_logs(visit: Visit, records: list[RecordFacts], until: dt.date | None) -> None:
    """Adverse events and concomitant medications dated from this visit until the next one."""
    start = visit.actual_date or visit.date
    for form in visit.forms_expected:
        if form not in LOG_FORMS or start is None:
            continue
        ids = [
            r.record_id
            for r in records
            if r.form == form and r.date and r.date >= start and (until is None or r.date < until)
        ]
        if ids:
            visit.records[form] = ids


def subject_schedule(
    *,
    status: str,
    enrolment_date: dt.date,
    treatment_start_date: dt.date | None,
    targeted_agent: str | None,
    records: list[RecordFacts],
    protocol: Protocol,
    today: dt.date,
) -> list[Visit]:
    """Every visit expected so far and the next one of each kind, in date order (see the module doc)."""
    forms = visit_forms(protocol)
    agent = Drug(targeted_agent) if targeted_agent else None
    by_form: dict[str, list[RecordFacts]] = {}
    for record in records:
        by_form.setdefault(record.form, []).append(record)
    cycles = {r.cycle: r for r in by_form.get(FormName.haic_cycle.value, []) if r.cycle}
    visits: list[Visit] = []

    baseline = Visit(
        kind="baseline",
        label=_label(protocol, "baseline"),
        cycle=None,
        number=None,
        date=enrolment_date,
        window_start=None,
        window_end=None,
        forms_expected=list(forms.get("baseline", [])),
    )
    for record in by_form.get(FormName.baseline.value, []):
        baseline.actual_date = record.date or enrolment_date
        baseline.records.setdefault(FormName.baseline.value, []).append(record.record_id)
        baseline.covered.append(FormName.imaging.value)  # the baseline form records the baseline imaging
    visits.append(baseline)

    # The treatment phase ends at the first resection or the end of study.
    ends = [
        r.date
        for r in by_form.get(FormName.resection.value, []) + by_form.get(FormName.end_of_study.value, [])
        if r.date
    ]
    treatment_end = min(ends) if ends else None
    last_cycle = max(cycles, default=0)
    planned_cycles = last_cycle + (1 if status in TREATING else 0)
    previous_day_one = treatment_start_date or enrolment_date
    treatment_visits: list[Visit] = []
    length = dt.timedelta(days=protocol.regimen.cycle_length_days)
    for cycle in range(1, planned_cycles + 1):
        # Day 1 of cycle c: one cycle length after the previous cycle's actual admission.
        anchor = previous_day_one if cycle == 1 else previous_day_one + length
        haic = next(e for e in _cycle_events(anchor, cycle, protocol, agent) if e.kind == EventKind.haic_cycle)
        recorded = cycles.get(cycle)
        if treatment_end is not None and recorded is None and haic.window_start > treatment_end:
            break
        visit = _visit(haic, forms)
        if recorded is not None:
            visit.actual_date = recorded.date
            visit.records[FormName.haic_cycle.value] = [recorded.record_id]
        day_one = [
            r.record_id for r in by_form.get(FormName.targeted_agent.value, []) if r.cycle == cycle and r.day == 1
        ]
        if day_one:
            visit.records[FormName.targeted_agent.value] = day_one
        if agent is None and FormName.targeted_agent.value in visit.forms_expected:
            visit.forms_expected.remove(FormName.targeted_agent.value)
        treatment_visits.append(visit)
        if recorded is None:
            break  # nothing is planned after a cycle that has not happened yet
        day_one_date = recorded.date or haic.date
        previous_day_one = day_one_date
        for event in _cycle_events(day_one_date, cycle, protocol, agent):
            if event.kind == EventKind.haic_cycle or event.date == day_one_date:
                continue  # the admission itself (cetuximab day 1 is given at it)
            if treatment_end is not None and event.window_start > treatment_end:
                continue
            extra = _visit(event, forms)
            if event.kind == EventKind.cetuximab_weekly:
                day = (event.date - day_one_date).days + 1
                found = [r for r in by_form.get(FormName.targeted_agent.value, []) if r.cycle == cycle and r.day == day]
                if found:
                    extra.actual_date = found[0].date
                    extra.records[FormName.targeted_agent.value] = [r.record_id for r in found]
            elif event.kind == EventKind.imaging:
                found = [r for r in by_form.get(FormName.imaging.value, []) if r.cycle == cycle]
                if found:
                    extra.actual_date = found[0].date
                    extra.records[FormName.imaging.value] = [r.record_id for r in found]
            treatment_visits.append(extra)

    unmatched_imaging = [
        r
        for r in by_form.get(FormName.imaging.value, [])
        if not any(r.record_id in v.records.get("imaging", []) for v in treatment_visits)
    ]
    imaging_visits = [v for v in treatment_visits if v.kind == EventKind.imaging and not v.records]
    if imaging_visits:
        _match_by_date(imaging_visits, unmatched_imaging, FormName.imaging.value)
    mdt_visits = [v for v in treatment_visits if v.kind == EventKind.mdt_review]
    if mdt_visits:
        _match_by_date(mdt_visits, by_form.get(FormName.mdt_review.value, []), FormName.mdt_review.value)
    visits.extend(treatment_visits)
    if treatment_visits:
        baseline.window_end = treatment_visits[0].window_end

    for record in by_form.get(FormName.resection.value, []):
        visits.append(_recorded_visit(FormName.resection, record, protocol, forms))

    eos = by_form.get(FormName.end_of_study.value, [])
    eos_date = eos[0].date if eos else None
    if status in AFTER_TREATMENT or (status == SubjectStatus.off_study and by_form.get(FormName.follow_up.value)):
        treatment_dates = [r.date for r in by_form.get(FormName.resection.value, []) if r.date]
        treatment_dates += [r.date for r in cycles.values() if r.date]
        if treatment_dates:
            last_treatment = max(treatment_dates)
            follow: list[Visit] = []
            for due in follow_up_schedule(last_treatment, protocol):
                if eos_date is not None and due.window_start > eos_date:
                    break
                follow.append(
                    Visit(
                        kind="follow_up",
                        label=f"{_label(protocol, 'follow_up')} {due.number} ({due.months_after} m)",
                        cycle=None,
                        number=due.number,
                        date=due.date,
                        window_start=due.window_start,
                        window_end=due.window_end,
                        forms_expected=list(forms.get("follow_up", [])),
                    )
                )
                if due.window_start > today:
                    break  # the next one is enough
            _match_by_date(follow, by_form.get(FormName.follow_up.value, []), FormName.follow_up.value)
            visits.extend(follow)

    for record in eos:
        visits.append(_recorded_visit(FormName.end_of_study, record, protocol, forms))

    dated = sorted(visits[1:], key=lambda v: (v.date or dt.date.max, v.kind))
    ordered = [visits[0], *dated]
    for i, visit in enumerate(ordered):
        nxt = next((v.date for v in ordered[i + 1 :] if v.date and v.kind == visit.kind), None)
        _attach_logs(visit, records, nxt if visit.kind != "baseline" else None)
        visit.state = _state(visit, today)
    return ordered
