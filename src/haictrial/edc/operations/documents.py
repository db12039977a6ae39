"""Documents on the web: the order sheet PDF of a cycle (the CLI's ``haictrial plan --pdf``), the iCalendar file
of the visit calendar (``haictrial calendar --ics``), and the printable layout and blank CRF PDF of every form
(the paper fallback when the EDC is unavailable). Thin shells: the documents are made by the same code as the
CLI's (:mod:`haictrial.reports.order_sheet`, :func:`haictrial.clinical.schedule.to_icalendar`).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from haictrial.clinical import course
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.dosing import CyclePlan
from haictrial.clinical.schedule import to_icalendar, visit_calendar
from haictrial.edc.crfs.catalogue import FORMS
from haictrial.edc.crfs.labels import field_label, field_labels
from haictrial.edc.crfs.layouts import layout_for
from haictrial.edc.crfs.webforms import build_form
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.edc.trial import MAX_CYCLE, protocol
from haictrial.errors import DomainError, InputError
from haictrial.vocabulary.enums import Drug


def _pdf(html: str, stylesheet: str | None = None) -> bytes:
    from weasyprint import CSS, HTML

    sheets = [CSS(string=stylesheet)] if stylesheet else []
    return HTML(string=html).write_pdf(stylesheets=sheets)  # type: ignore[no-any-return]


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _cycle(request: HttpRequest) -> int:
    raw = request.GET.get("cycle", "1")
    try:
        cycle = int(raw)
    except ValueError:
        raise InputError(_("must be a whole number from 1 to %(max)d") % {"max": MAX_CYCLE}, "cycle") from None
    if not 1 <= cycle <= MAX_CYCLE:
        raise InputError(_("must be a whole number from 1 to %(max)d") % {"max": MAX_CYCLE}, "cycle")
    return cycle


def cycle_plan(subject: Subject, cycle: int) -> CyclePlan:
    """The plan of ``cycle`` exactly as the plan page shows it (:func:`subjects.planned_cycle`), as the core's
    :class:`CyclePlan` the order sheet is drawn from."""
    from haictrial.edc.crfs.services import records_of, subject_forms

    forms, _keys = subject_forms(subject, list(records_of(subject)))
    return course.plan_for_cycle(forms, protocol(), cycle, subjects.subject_patient(subject))[0]


def _error(request: HttpRequest, subject: Subject | None, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "operations/document_error.html",
        {"subject": subject, "field": exc.field, "message": exc.message},
        status=400,
    )


@login_required
def order_sheet(request: HttpRequest, subject_id: str) -> HttpResponse:
    """The one-page order sheet PDF of a cycle, with the prescriber's and the verifier's signature lines."""
    from haictrial.reports.order_sheet import order_sheet_html

    subject = subjects.subject_for(request.user, subject_id)
    try:
        plan = cycle_plan(subject, _cycle(request))
    except DomainError as exc:
        return _error(request, subject, exc)
    name = f"{subject.subject_id}-cycle-{plan.cycle}-order-sheet.pdf"
    return _attachment(_pdf(order_sheet_html(plan)), "application/pdf", name)


@login_required
def calendar_ics(request: HttpRequest, subject_id: str) -> HttpResponse:
    """The subject's visit calendar as an iCalendar file (RFC 5545), as the CLI writes it."""
    subject = subjects.subject_for(request.user, subject_id)
    start = subject.treatment_start_date or timezone.localdate(subject.enrolled_at)
    agent = Drug(subject.targeted_agent) if subject.targeted_agent else None
    proto = protocol()
    events = visit_calendar(start, subjects.CALENDAR_CYCLES, proto, agent)
    content = to_icalendar(events, proto, subject_id=subject.subject_id, stamp=timezone.now())
    return _attachment(content, "text/calendar; charset=utf-8", f"{subject.subject_id}-visits.ics")


def _form_name(form: str) -> FormName:
    try:
        return FormName(form)
    except ValueError:
        raise Http404(form) from None


def _lines(items: Any, labels: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if getattr(item, "is_rows", False):
            out.append({"label": str(item.spec.label), "heading": True})
            for row in item.rows:
                out += _lines(row, labels)
            continue
        spec = item.spec
        out.append(
            {
                "label": str(field_label(labels, item.name)),
                "kind": spec.kind,
                "choices": [str(label) for _code, label in spec.choices],
                "unit_choices": spec.kind == "lab",
            }
        )
    return out


def blank_form_context(form: str) -> dict[str, Any]:
    """The form's sections, each with its fields as labelled blank lines (choices as boxes to tick)."""
    name = _form_name(form)
    layout = layout_for(name, [])
    crf = build_form(layout)
    labels = field_labels(layout)
    sections = [{"title": str(s.title), "lines": _lines(s.items, labels)} for s in crf.sections if s.items]
    return {"spec": FORMS[name], "form_code": name.value, "sections": sections}


@login_required
def forms_index(request: HttpRequest) -> HttpResponse:
    """Every form, with its printable layout and its blank CRF PDF."""
    return render(request, "operations/forms_index.html", {"forms": [(f.value, FORMS[f].label) for f in FormName]})


@login_required
def blank_form(request: HttpRequest, form: str) -> HttpResponse:
    """The printable layout of one form (every section and field, empty boxes); ``?format=pdf`` the blank CRF."""
    context = blank_form_context(form)
    if request.GET.get("format") == "pdf":
        html = render_to_string("operations/blank_form_document.html", context, request=request)
        css = resources.files("haictrial.edc.operations").joinpath("static/operations/print.css").read_text()
        return _attachment(_pdf(html, css), "application/pdf", f"blank-crf-{form}.pdf")
    return render(request, "operations/blank_form.html", context)


@login_required
def mdt_pack(request: HttpRequest, subject_id: str) -> HttpResponse:
    """The MDT tumour-board pack of one patient (PDF, :mod:`haictrial.edc.operations.mdt_pack`)."""
    from haictrial.edc.operations.mdt_pack import mdt_pack_pdf

    subject = subjects.subject_for(request.user, subject_id)
    try:
        content = mdt_pack_pdf(subject)
    except DomainError as exc:
        return _error(request, subject, exc)
    return _attachment(content, "application/pdf", f"{subject.subject_id}-mdt-pack.pdf")
