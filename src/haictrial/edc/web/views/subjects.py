"""Subject pages: the dashboard, the subject list, one subject's record, and its cycle plan."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit import services as audit
from haictrial.edc.crfs.safety import consent_withdrawn
from haictrial.edc.subjects import services
from haictrial.edc.subjects.models import Consent, SubjectStatus
from haictrial.edc.trial import MAX_CYCLE
from haictrial.edc.web.forms import IdentifiersForm, SubjectForm
from haictrial.errors import DomainError
from haictrial.i18n import render_error, render_error_line, render_parts
from haictrial.vocabulary.enums import SubjectStatus as Status

#: The dashboard's status tiles say "now in this status", so that "Enrolled" is not read as the total.
STATUS_TILE_LABELS: dict[str, Any] = {
    Status.screened: _lazy("screened, not yet enrolled"),
    Status.enrolled: _lazy("enrolled, treatment not started"),
    Status.on_treatment: _lazy("on treatment"),
    Status.resected: _lazy("resected"),
    Status.follow_up: _lazy("in follow-up"),
    Status.off_study: _lazy("off study"),
}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    per_status, total = services.status_counts(request.user)
    screenings = services.screenings_for(request.user)
    return render(
        request,
        "web/dashboard.html",
        {
            # "screened" belongs to screenings not enrolled: shown only if a subject is ever left in it.
            "status_counts": [
                (value, STATUS_TILE_LABELS[value], count)
                for value, count in per_status
                if value != SubjectStatus.screened or count
            ],
            "subject_count": total,
            "screening_count": screenings.count(),
            "recent": screenings.order_by("-created_at", "-id")[:10],
        },
    )


@login_required
def subject_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in SubjectStatus.values:
        status = ""
    rows = services.subjects_for(request.user, query, status or None)
    return render(
        request,
        "web/subject_list.html",
        {
            "subjects": rows[:500],
            "total": rows.count(),
            "q": query,
            "status": status,
            "statuses": SubjectStatus.choices,
        },
    )


def _apply_form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields and exc.field != "version" else None
    form.add_error(field, render_error(exc))


@login_required
def subject_detail(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = services.subject_for(request.user, subject_id)
    screening = subject.screening
    identifiers = services.identifiers_for(request.user, screening)
    may_edit = access.can(request.user, Capability.edit) and subject.site_id in access.member_site_ids(request.user)
    subject_form = SubjectForm(
        initial={
            "status": subject.status,
            "treatment_start_date": subject.treatment_start_date,
            "version": subject.version,
        }
    )
    identifiers_form = None
    if identifiers is not None:
        identifiers_form = IdentifiersForm(
            initial={
                "full_name": identifiers.full_name,
                "birth_date": identifiers.birth_date,
                "hospital_number": identifiers.hospital_number,
                "version": identifiers.version,
            }
        )
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(_("Your role does not allow this action."))
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "subject":
                subject_form = SubjectForm(request.POST)
                if subject_form.is_valid():
                    data = subject_form.cleaned_data
                    services.update_subject(request.user, subject.subject_id, services.SubjectChange(**data))
                    messages.success(request, _("Saved."))
                    return redirect("web:subject", subject_id=subject.subject_id)
            elif which == "identifiers" and identifiers is not None:
                identifiers_form = IdentifiersForm(request.POST)
                if identifiers_form.is_valid():
                    services.update_identifiers(
                        request.user, screening, services.IdentifiersChange(**identifiers_form.cleaned_data)
                    )
                    messages.success(request, _("Saved."))
                    return redirect("web:subject", subject_id=subject.subject_id)
        except DomainError as exc:
            target = subject_form if which == "subject" else identifiers_form
            if target is not None:
                _apply_form_error(target, exc)
    return render(
        request,
        "web/subject_detail.html",
        {
            "subject": subject,
            "screening": screening,
            "identifiers": identifiers,
            "may_edit": may_edit,
            "subject_form": subject_form,
            "identifiers_form": identifiers_form,
            "consent": Consent.objects.filter(subject=subject).first(),
            "consent_withdrawn": consent_withdrawn(subject),
            "calendar": services.calendar(subject),
            "trail": audit.trail(
                subject.subject_id, subject.screening_id, access.can_see_identifiers(request.user, subject.site_id)
            ),
        },
    )


@login_required
def subject_plan(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = services.subject_for(request.user, subject_id)
    try:
        cycle = int(request.GET.get("cycle", "1"))
    except ValueError:
        cycle = 1
    cycle = min(max(cycle, 1), MAX_CYCLE)
    plan, error = None, None
    try:
        plan = services.cycle_plan(request.user, subject.subject_id, cycle)
    except DomainError as exc:
        error = render_error_line(exc)
    return render(
        request,
        "web/subject_plan.html",
        {"subject": subject, "cycle": cycle, "plan": plan, "error": error, "reasons": plan_reasons(plan)},
    )


def plan_reasons(plan: dict[str, Any] | None) -> dict[str, Any]:
    """The plan's reasons in the user's language (:func:`haictrial.i18n.render_parts`): the targeted
    agent's, the delay's and one per dose modification, each falling back to the stored English text
    (a plan stored before the reasons had parts)."""
    if plan is None:
        return {"targeted_agent": "", "delay": "", "modifications": []}
    delay = plan.get("delay") or {}
    return {
        "targeted_agent": render_parts(plan.get("targeted_agent_reason_parts"), plan.get("targeted_agent_reason", "")),
        "delay": render_parts(delay.get("reason_parts"), delay.get("reason", "")) if delay else "",
        "modifications": [
            render_parts(c.get("reason_parts"), c.get("reason", "")) for c in plan.get("modifications", [])
        ],
    }
