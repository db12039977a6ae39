"""E-mail notifications through Django's mail framework (backend: :mod:`haictrial.edc.operations.mail`).

- a new serious adverse event: the site's investigators, at once (ICH E6(R2) 4.11.1: SAEs are reported
  immediately; the investigator must know);
- an SAE still unreported 4 hours before its ``due_at`` (protocol ``settings.sae_initial_report_hours`` after
  ``aware_at``): the site's investigators and coordinators;
- a query opened by a monitor: the site's coordinators (edit-check queries, opened by the data themselves, are in
  the digest instead of one e-mail each);
- a daily digest of overdue visits and open queries: every active investigator, coordinator and monitor of the
  site who has not switched it off (:class:`~haictrial.edc.operations.models.NotificationPreference`).

Every e-mail is sent by the background worker (:mod:`haictrial.edc.operations.tasks`), never inside a request: a
save only schedules the task with ``transaction.on_commit``, so a transaction that fails sends nothing. Each
notification is recorded once by ``(kind, key)`` (:class:`~haictrial.edc.operations.models.Notification`), so
re-running a task never sends it twice. Each message is written in its recipient's language: codes as their
labels (:mod:`haictrial.edc.crfs.labels`), the CTCAE v5.0 term with its Chinese name beside it in zh-Hans
(:mod:`haictrial.clinical.ctcae_names_zh`), an edit-check question rendered from its template
(:attr:`haictrial.edc.dm.models.Query.shown_message`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haictrial.clinical.adverse_events import AdverseEvent, sae_report_due
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.ctcae_names_zh import chinese_name
from haictrial.edc.accounts.models import User
from haictrial.edc.crfs.labels import code_label, field_label, field_labels
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.operations.models import Notification, NotificationPreference
from haictrial.edc.subjects.models import Subject
from haictrial.edc.trial import protocol

#: The reminder goes out this long before the SAE report is due (issue: "4 h before due").
REMINDER_BEFORE = dt.timedelta(hours=4)
STAFF_ROLES = ("investigator", "coordinator", "monitor")


def site_users(site_id: int, roles: Iterable[str]) -> list[User]:
    """Active users of the site with one of ``roles`` and an e-mail address, by user name."""
    rows = User.objects.filter(sites__id=site_id, role__in=list(roles), is_active=True).exclude(email="")
    return list(rows.order_by("username").distinct())


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def _term(term: str) -> str:
    """The CTCAE v5.0 term as stored, with its Chinese name beside it when the e-mail is in Chinese."""
    name = chinese_name(term) if translation.get_language().lower().startswith("zh") else None
    return f"{term}（{name}）" if name else term


def _form_and_field(form: str, field: str) -> tuple[str, str]:
    """The labels of a query's form and field path (the codes themselves when unknown)."""
    from haictrial.edc.crfs.catalogue import FORMS
    from haictrial.edc.crfs.layouts import layout_for

    if form not in FormName._value2member_map_:
        return form, field or "-"
    name = FormName(form)
    shown = str(field_label(field_labels(layout_for(name)), field)) if field else "-"
    return str(FORMS[name].label), shown


def send_once(
    kind: str, key: str, recipients: list[User], render: Callable[[User], tuple[str, str]]
) -> Notification | None:
    """Send one e-mail per recipient (``render(user) -> (subject, body)`` in the user's language) unless
    ``(kind, key)`` was already sent; record it. Returns the new record, or None when already sent."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                note = Notification.objects.create(kind=kind, key=key, recipients=[u.email for u in recipients])
        except IntegrityError:
            return None
        for user in recipients:
            with translation.override(_language(user)):
                subject, body = render(user)
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
            note.subject_line = subject[:300]
        note.save(update_fields=["subject_line"])
    return note


# --- SAE ------------------------------------------------------------------------------------------------


def _sae(record: FormRecord) -> AdverseEvent | None:
    if record.form != FormName.adverse_events.value or not record.payload.get("seriousness"):
        return None
    return AdverseEvent.model_validate(record.payload)


def _sae_text(record: FormRecord, event: AdverseEvent, heading: str) -> tuple[str, str]:
    assert event.aware_at is not None
    due = sae_report_due(event.aware_at, protocol())
    zone = timezone.get_current_timezone()
    lines = [
        heading,
        "",
        _("Subject: %(subject)s (site %(site)s)")
        % {"subject": record.subject.subject_id, "site": record.subject.site.code},
        _("Event: %(term)s, CTCAE grade %(grade)s") % {"term": _term(event.term), "grade": event.grade},
        _("Seriousness: %(criteria)s") % {"criteria": ", ".join(str(code_label(c.value)) for c in event.seriousness)},
        _("Site aware at: %(time)s") % {"time": timezone.localtime(event.aware_at, zone).strftime("%Y-%m-%d %H:%M %Z")},
        _("Initial report due at: %(time)s") % {"time": timezone.localtime(due, zone).strftime("%Y-%m-%d %H:%M %Z")},
        "",
        _("Record %(record)s of the adverse events form.") % {"record": record.pk},
    ]
    return "\n".join(lines), due.isoformat()


def schedule_new_saes(subject: Subject, records: Iterable[FormRecord] | None = None) -> None:
    """After the current transaction commits, e-mail every SAE of ``subject`` not yet notified.

    ``records``: the subject's records already loaded by the caller (a save), else read here; only the
    notifications of this subject's serious events are looked up (not every SAE of the trial)."""
    from haictrial.edc.operations.tasks import notify_new_sae

    if records is None:
        records = FormRecord.objects.filter(subject=subject, form=FormName.adverse_events.value)
    serious = [
        r.pk
        for r in records
        if r.form == FormName.adverse_events.value and isinstance(r.payload, dict) and r.payload.get("seriousness")
    ]
    if not serious:
        return
    keys = [str(pk) for pk in serious]
    sent = set(Notification.objects.filter(kind="sae_new", key__in=keys).values_list("key", flat=True))
    for pk in serious:
        if str(pk) not in sent:
            transaction.on_commit(lambda pk=pk: notify_new_sae.enqueue(pk))


def new_sae(record_id: int) -> Notification | None:
    record = FormRecord.objects.select_related("subject__site").filter(pk=record_id).first()
    event = _sae(record) if record is not None else None
    if record is None or event is None:
        return None

    def render(user: User) -> tuple[str, str]:
        body, _due = _sae_text(record, event, _("A serious adverse event was recorded."))
        return _("[CHALLENGE-A1] New SAE: %(subject)s %(term)s") % {
            "subject": record.subject.subject_id,
            "term": _term(event.term),
        }, body

    return send_once("sae_new", str(record.pk), site_users(record.subject.site_id, ["investigator"]), render)


def sae_reminders(now: dt.datetime | None = None) -> list[Notification]:
    """E-mail every SAE still unreported when less than 4 hours remain before its report is due."""
    now = now or timezone.now()
    sent = []
    for record in FormRecord.objects.filter(form=FormName.adverse_events.value).select_related("subject__site"):
        event = _sae(record)
        if event is None or event.reported_at is not None or event.aware_at is None:
            continue
        due = sae_report_due(event.aware_at, protocol())
        if now < due - REMINDER_BEFORE:
            continue

        def render(user: User, record: FormRecord = record, event: AdverseEvent = event) -> tuple[str, str]:
            body, _due = _sae_text(record, event, _("This serious adverse event is not reported yet."))
            return _("[CHALLENGE-A1] SAE report due soon: %(subject)s %(term)s") % {
                "subject": record.subject.subject_id,
                "term": _term(event.term),
            }, body

        note = send_once(
            "sae_reminder", str(record.pk), site_users(record.subject.site_id, ["investigator", "coordinator"]), render
        )
        if note is not None:
            sent.append(note)
    return sent


# --- queries and the digest ---------------------------------------------------------------------------------


def query_opened(query_id: int) -> Notification | None:
    from haictrial.edc.dm.models import Query

    query = Query.objects.select_related("subject__site").filter(pk=query_id).first()
    if query is None:
        return None

    def render(user: User) -> tuple[str, str]:
        form, field = _form_and_field(query.form, query.field)
        body = "\n".join(
            [
                _("A monitor opened a query."),
                "",
                _("Subject: %(subject)s (site %(site)s)")
                % {"subject": query.subject.subject_id, "site": query.subject.site.code},
                _("Form: %(form)s, field %(field)s") % {"form": form, "field": field},
                _("Question: %(message)s") % {"message": query.shown_message},
            ]
        )
        return _("[CHALLENGE-A1] New query on %(subject)s") % {"subject": query.subject.subject_id}, body

    return send_once("query_opened", str(query.pk), site_users(query.subject.site_id, ["coordinator"]), render)


def wants_digest(user: User) -> bool:
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref is None or pref.daily_digest


def set_digest(user: User, on: bool) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults={"daily_digest": on})


def digest_items(user: User, today: dt.date) -> tuple[list[dict[str, Any]], list[Any]]:
    """The overdue visits and the open or answered queries of the user's sites."""
    from haictrial.edc.crfs import progress
    from haictrial.edc.dm.models import QueryStatus
    from haictrial.edc.dm.services import queries_for

    visits = [v for v in progress.flagged_visits(user, today=today, limit=500) if v["state"] == "overdue"]
    queries = list(queries_for(user).filter(status__in=[QueryStatus.open, QueryStatus.answered])[:500])
    return visits, queries


def daily_digest(today: dt.date | None = None) -> list[Notification]:
    """One digest e-mail per staff member who wants it and has something overdue or open."""
    today = today or timezone.localdate()
    sent = []
    users = User.objects.filter(role__in=STAFF_ROLES, is_active=True).exclude(email="").order_by("username")
    for user in users:
        if not wants_digest(user):
            continue
        with translation.override(_language(user)):  # the visit labels in the user's language
            visits, queries = digest_items(user, today)
        if not visits and not queries:
            continue

        def render(user: User, visits: list[dict[str, Any]] = visits, queries: list[Any] = queries) -> tuple[str, str]:
            lines = [_("Overdue visits: %(n)s") % {"n": len(visits)}]
            lines += [f"- {v['subject_id']} {v['label']} ({_('window ends')} {v['window_end']})" for v in visits]
            lines += ["", _("Open queries: %(n)s") % {"n": len(queries)}]
            for q in queries:
                form, field = _form_and_field(q.form, q.field)
                lines.append(f"- {q.subject.subject_id} {form} · {field}: {q.shown_message}")
            lines += ["", _("You can switch this digest off on your account page.")]
            return _("[CHALLENGE-A1] Daily digest %(date)s") % {"date": today.isoformat()}, "\n".join(lines)

        note = send_once("digest", f"{user.pk}:{today.isoformat()}", [user], render)
        if note is not None:
            sent.append(note)
    return sent
