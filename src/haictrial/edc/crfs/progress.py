"""Services for the course of the subjects: the visit schedule (:mod:`haictrial.clinical.visit_schedule`) and
the timeline (:mod:`haictrial.edc.crfs.timeline`) from the stored records, for the API, the casebook
and the dashboard. Rows are read through the site-isolation layer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.visit_schedule import RecordFacts, Visit, subject_schedule
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.crfs.timeline import Line, TimelineRow, subject_line
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject, SubjectStatus
from haictrial.edc.trial import protocol

_FACT_FIELDS = ("id", "subject_id", "form", "cycle", "event_date", "payload__day", "payload__drug")


def _facts(row: dict[str, Any]) -> RecordFacts:
    day = row.get("payload__day")
    return RecordFacts(
        record_id=row["id"],
        form=row["form"],
        cycle=row["cycle"],
        date=row["event_date"],
        day=day if isinstance(day, int) else None,
        drug=row.get("payload__drug") if isinstance(row.get("payload__drug"), str) else None,
    )


def _schedule(subject: Subject, facts: list[RecordFacts], today: dt.date) -> list[Visit]:
    return subject_schedule(
        status=subject.status,
        enrolment_date=timezone.localdate(subject.enrolled_at),
        treatment_start_date=subject.treatment_start_date,
        targeted_agent=subject.targeted_agent or None,
        records=facts,
        protocol=protocol(),
        today=today,
    )


def record_facts(record: FormRecord) -> RecordFacts:
    """What the schedule reads of one loaded record (as :func:`_facts` of a ``values()`` row)."""
    payload = record.payload if isinstance(record.payload, dict) else {}
    return _facts(
        {
            "id": record.pk,
            "form": record.form,
            "cycle": record.cycle,
            "event_date": record.event_date,
            "payload__day": payload.get("day"),
            "payload__drug": payload.get("drug"),
        }
    )


def subject_visits(
    subject: Subject, today: dt.date | None = None, records: list[FormRecord] | None = None
) -> list[Visit]:
    """The subject's visit schedule (the caller has read the subject through the site-isolation layer).

    ``records``: the subject's records already loaded by the caller (a save loads them once), else read here.
    """
    if records is not None:
        facts = [record_facts(r) for r in records]
    else:
        facts = [_facts(r) for r in FormRecord.objects.filter(subject=subject).values(*_FACT_FIELDS)]
    return _schedule(subject, facts, today or timezone.localdate())


def flagged_visits(user: Any, today: dt.date | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Overdue and out-of-window visits of every subject the user may see, oldest first."""
    today = today or timezone.localdate()
    subject_rows = list(subjects.subjects_for(user).exclude(status=SubjectStatus.off_study))
    facts: dict[int, list[RecordFacts]] = defaultdict(list)
    for row in FormRecord.objects.visible_to(user).filter(subject__in=subject_rows).values(*_FACT_FIELDS):
        facts[row["subject_id"]].append(_facts(row))
    found = []
    for subject in subject_rows:
        for visit in _schedule(subject, facts[subject.pk], today):
            if visit.flagged:
                found.append({"subject_id": subject.subject_id, "site": subject.site.code, **visit.as_dict()})
    # Overdue first, then out of window; the most recent first within each.
    found.sort(key=lambda v: (v["subject_id"],))
    found.sort(key=lambda v: v["window_end"] or "", reverse=True)
    found.sort(key=lambda v: v["state"] != "overdue")
    return found[:limit]


def _timeline_rows(records: list[dict[str, Any]]) -> list[TimelineRow]:
    return [
        TimelineRow(
            form=r["form"],
            date=r["event_date"],
            cycle=r["cycle"],
            outcome_code=r["outcome_code"],
            derived={k: r["derived"].get(k) for k in ("dose_modified", "worst_lab_grade")} if r["derived"] else {},
            payload=r["payload"] if r["form"] == FormName.follow_up.value else None,
        )
        for r in records
    ]


_TIMELINE_FIELDS = ("subject_id", "form", "event_date", "cycle", "outcome_code", "derived", "payload")


def subject_timeline(subject: Subject, today: dt.date | None = None) -> Line:
    rows = list(FormRecord.objects.filter(subject=subject).values(*_TIMELINE_FIELDS))
    return subject_line(
        subject.subject_id,
        subject.status,
        timezone.localdate(subject.enrolled_at),
        _timeline_rows(rows),
        today or timezone.localdate(),
    )


def timelines(user: Any, limit: int = 30, today: dt.date | None = None) -> list[Line]:
    """Lines of the ``limit`` subjects the user may see with the most recent records."""
    today = today or timezone.localdate()
    recent = FormRecord.objects.visible_to(user).order_by("-updated_at").values_list("subject_id", flat=True).distinct()
    ids: list[int] = []
    for sid in recent[: limit * 20]:
        if sid not in ids:
            ids.append(sid)
        if len(ids) >= limit:
            break
    chosen = {s.pk: s for s in subjects.subjects_for(user).filter(pk__in=ids)}
    by_subject: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in FormRecord.objects.filter(subject_id__in=list(chosen)).values(*_TIMELINE_FIELDS):
        by_subject[row["subject_id"]].append(row)
    lines = [
        subject_line(s.subject_id, s.status, timezone.localdate(s.enrolled_at), _timeline_rows(by_subject[pk]), today)
        for pk, s in chosen.items()
    ]
    return sorted(lines, key=lambda line: line.subject_id)
