"""The subject timeline: one line per patient from enrolment, with the cycles (dose modified or not,
worst laboratory grade), adverse events by grade, imaging with its RECIST response, MDT decisions,
resection with its margin, and follow-up events (progression, recurrence, death), as positions for an
SVG. Only layout is computed here: the grades, responses, margins and decisions are the values the
core derived and stored on the records (``derived``, ``outcome_code``). No Django, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from haictrial.edc.crfs.labels import code_label

#: Days shown at least (so that a new subject's line is not stretched): one protocol cycle is 21 days.
MIN_SPAN_DAYS = 84


@dataclass(frozen=True)
class TimelineRow:
    """One record as the timeline needs it."""

    form: str
    date: dt.date | None
    cycle: int | None
    outcome_code: str
    derived: dict[str, Any]
    payload: dict[str, Any] | None = None


@dataclass
class Mark:
    kind: str
    date: dt.date
    x: float
    label: str
    css: str
    title: str


@dataclass
class Line:
    subject_id: str
    status: str
    start: dt.date
    end: dt.date
    marks: list[Mark] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "status": self.status,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "events": [
                {"kind": m.kind, "date": m.date.isoformat(), "x_percent": m.x, "label": m.label, "title": m.title}
                for m in self.marks
            ],
        }


def _grade_css(code: str) -> str:
    number = int(code[1]) if len(code) > 1 and code[0] == "G" and code[1].isdigit() else 0
    return "g-high" if number >= 3 else "g-mid" if number == 2 else "g-low"


def _marks(rows: list[TimelineRow]) -> list[tuple[str, dt.date, str, str, str]]:
    """(kind, date, label, css class, title) for each event of the rows."""
    out: list[tuple[str, dt.date, str, str, str]] = []
    for row in rows:
        code = row.outcome_code
        if row.form == "haic_cycle" and row.date:
            modified = bool(row.derived.get("dose_modified"))
            grade = row.derived.get("worst_lab_grade")
            label = f"C{row.cycle}"
            title = _("HAIC cycle %(cycle)s") % {"cycle": row.cycle} + (" · " + _("dose modified") if modified else "")
            if isinstance(grade, int):
                title += " · " + _("worst lab grade %(grade)s") % {"grade": grade}
            css = (
                "cycle"
                + (" modified" if modified else "")
                + (f" {_grade_css(f'G{grade}')}" if isinstance(grade, int) else "")
            )
            out.append(("cycle", row.date, label, css, title))
        elif row.form == "adverse_events" and row.date and code:
            out.append(
                (
                    "ae",
                    row.date,
                    code.rstrip("S"),
                    f"ae {_grade_css(code)}",
                    _("adverse event grade %(grade)s") % {"grade": code[1:]},
                )
            )
        elif row.form == "imaging" and row.date:
            response = code or "?"
            out.append(
                (
                    "imaging",
                    row.date,
                    response,
                    f"imaging r-{response.lower()}",
                    _("imaging: %(response)s") % {"response": code_label(response)},
                )
            )
        elif row.form == "mdt_review" and row.date:
            out.append(
                (
                    "mdt",
                    row.date,
                    "MDT",
                    f"mdt d-{code or 'none'}",
                    _("MDT decision: %(decision)s") % {"decision": code_label(code or "-")},
                )
            )
        elif row.form == "resection" and row.date:
            out.append(
                (
                    "resection",
                    row.date,
                    code or "R?",
                    f"resection m-{(code or 'x').lower()}",
                    _("resection %(margin)s") % {"margin": code or "-"},
                )
            )
        elif row.form == "follow_up" and row.payload:
            event, day = row.payload.get("disease_event"), row.payload.get("event_date")
            if event and day:
                out.append(
                    (event, dt.date.fromisoformat(day), event[0].upper(), f"event {event}", str(code_label(event)))
                )
            death = row.payload.get("death_date")
            if death:
                out.append(("death", dt.date.fromisoformat(death), "†", "event death", _("death")))
            elif row.date:
                out.append(
                    (
                        "follow_up",
                        row.date,
                        "FU",
                        "follow-up",
                        _("follow-up: %(status)s") % {"status": code_label(code or "-")},
                    )
                )
        elif row.form == "end_of_study" and row.date:
            out.append(
                (
                    "end_of_study",
                    row.date,
                    "EOS",
                    "eos",
                    _("end of study: %(reason)s") % {"reason": code_label(code or "-")},
                )
            )
    return out


def subject_line(subject_id: str, status: str, start: dt.date, rows: list[TimelineRow], today: dt.date) -> Line:
    """The subject's line from ``start`` (enrolment) to today or the last event."""
    raw = _marks(rows)
    last = max([today, *(d for _, d, *_ in raw)])
    end = max(last, start + dt.timedelta(days=MIN_SPAN_DAYS))
    span = (end - start).days or 1
    line = Line(subject_id=subject_id, status=status, start=start, end=end)
    for kind, day, label, css, title in sorted(raw, key=lambda m: m[1]):
        x = round(100.0 * min(max((day - start).days, 0), span) / span, 2)
        line.marks.append(Mark(kind=kind, date=day, x=x, label=label, css=css, title=f"{day.isoformat()} · {title}"))
    return line
