"""Trial-course pages: a subject's casebook (visit schedule, forms, response, timeline), each eCRF's page
(enter, correct with a reason, verify, query, unlock), and the investigator's signature.

Views authorise -> parse -> call a service -> render; the clinical values shown are those the core
derived (stored on the records); nothing is computed here or in the templates.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from haictrial.clinical.crf_base import FormName
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit import services as audit
from haictrial.edc.crfs import progress
from haictrial.edc.crfs import services as crfs
from haictrial.edc.crfs.ae_entry import entered_payload
from haictrial.edc.crfs.catalogue import FORMS, form_spec
from haictrial.edc.crfs.layouts import layout_for
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.crfs.prefill import baseline_initial
from haictrial.edc.crfs.webforms import add_error, attach_queries, build_form
from haictrial.edc.dm import services as dm
from haictrial.edc.dm.models import Query, QueryStatus
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.errors import DomainError, InputError
from haictrial.i18n import render_error, render_error_line


def _spec(form: str) -> Any:
    """The form's spec, or 404 for a name that is no form."""
    try:
        return form_spec(form)
    except InputError:
        raise Http404(_("Not found.")) from None


def _may(request: HttpRequest, subject: Subject, capability: Capability) -> bool:
    return access.can(request.user, capability) and subject.site_id in access.member_site_ids(request.user)


def _baseline_lesions(subject: Subject) -> list[dict[str, Any]]:
    baseline = FormRecord.objects.filter(subject=subject, form=FormName.baseline.value).first()
    lesions = baseline.payload.get("lesions") if baseline else None
    return lesions if isinstance(lesions, list) else []


@login_required
def casebook(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = subjects.subject_for(request.user, subject_id)
    records = crfs.in_order(list(crfs.records_of(subject).select_related("subject__site")))
    open_by_record = dm.open_queries_by_record(subject)
    groups = []
    for name, spec in FORMS.items():
        mine = [r for r in records if r.form == name.value]
        groups.append(
            {
                "form": name.value,
                "label": spec.label,
                "repeating": spec.repeating,
                "records": [
                    {
                        "row": crfs.record_contract(request.user, r),
                        "queries": sum(open_by_record.get(r.pk, {}).values()),
                    }
                    for r in mine
                ],
            }
        )
    response = crfs.response_summary(request.user, subject.subject_id)["recist"]
    return render(
        request,
        "crfs/casebook.html",
        {
            "subject": subject,
            "groups": groups,
            "visits": [v.as_dict() for v in progress.subject_visits(subject)],
            "line": progress.subject_timeline(subject),
            "recist": response,
            "state": dm.casebook_state(subject),
            "signature": dm.latest_signature(subject),
            "may_edit": _may(request, subject, Capability.edit),
            "may_sign": _may(request, subject, Capability.sign),
            "next_cycle": crfs.next_cycle_number(subject),
            "form_labels": {name.value: spec.label for name, spec in FORMS.items()},
        },
    )


def _initial_for_new(
    request: HttpRequest, subject: Subject, form: FormName
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The initial payload of a new record (planned doses from the planning engine) and the plan shown."""
    if form == FormName.haic_cycle:
        cycle = _int(request.GET.get("cycle")) or crfs.next_cycle_number(subject)
        try:
            filled = crfs.haic_prefill(request.user, subject.subject_id, cycle)
        except DomainError as exc:
            return {"cycle": cycle}, {"error": render_error_line(exc)}
        return filled["haic_cycle"], filled
    if form == FormName.targeted_agent:
        cycle = _int(request.GET.get("cycle")) or max(crfs.next_cycle_number(subject) - 1, 1)
        day = _int(request.GET.get("day")) or 1
        initial: dict[str, Any] = {"cycle": cycle, "day": day}
        try:
            filled = crfs.haic_prefill(request.user, subject.subject_id, cycle)
        except DomainError:
            return initial, None
        for row in filled["targeted_agent"]:
            if row["day"] == day:
                return row, filled
        return initial, filled
    if form == FormName.imaging:
        return {"after_cycle": max(crfs.next_cycle_number(subject) - 1, 1)}, None
    return {}, None


def _int(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if value >= 1 else None


@login_required
def form_new(request: HttpRequest, subject_id: str, form: str) -> HttpResponse:
    subject = subjects.subject_for(request.user, subject_id)
    spec = _spec(form)
    if not _may(request, subject, Capability.edit):
        raise PermissionDenied(_("Your role does not allow this action."))
    if not spec.repeating:
        existing = FormRecord.objects.filter(subject=subject, form=spec.name.value).first()
        if existing is not None:
            return redirect("crfs:record", subject_id=subject.subject_id, form=form, record_id=existing.pk)
    layout = layout_for(spec.name, _baseline_lesions(subject))
    initial, plan = _initial_for_new(request, subject, spec.name)
    prefilled: list[str] = []
    if spec.name == FormName.baseline:
        # What the enrolment screening knows, marked and editable; stored only when the user saves.
        initial, prefilled = baseline_initial(request.user, subject)
    crf_form = build_form(layout, initial=initial)
    crf_form.prefilled = frozenset(prefilled)
    if request.method == "POST":
        crf_form = build_form(layout, data=request.POST)
        if crf_form.is_valid():
            try:
                payload = entered_payload(spec.name.value, crf_form.payload())
                record = crfs.save_form(request.user, subject.subject_id, form, payload)
            except DomainError as exc:
                add_error(crf_form, exc.field, render_error(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("crfs:record", subject_id=subject.subject_id, form=form, record_id=record.pk)
    return render(
        request,
        "crfs/form.html",
        {"subject": subject, "spec": spec, "form": crf_form, "record": None, "plan": plan, "may_edit": True},
    )


def _record_trail(request: HttpRequest, subject: Subject, record: FormRecord) -> list[dict[str, Any]]:
    show = access.can_see_identifiers(request.user, subject.site_id)
    return [
        e
        for e in audit.trail(subject.subject_id, None, show)
        if e["model"] == "crfs.formrecord" and e["object_id"] == str(record.pk)
    ]


@login_required
def form_record(request: HttpRequest, subject_id: str, form: str, record_id: int) -> HttpResponse:
    subject = subjects.subject_for(request.user, subject_id)
    record = crfs.record_for(request.user, subject.subject_id, _spec(form).name.value, record_id)
    spec = FORMS[FormName(record.form)]
    layout = layout_for(spec.name, _baseline_lesions(subject))
    contract = crfs.record_contract(request.user, record)
    crf_form = build_form(layout, initial=contract["payload"])
    may_edit = _may(request, subject, Capability.edit) and not record.locked
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None:
        try:
            done = _record_action(request, subject, record, action, layout)
        except DomainError as exc:
            if action == "save":
                crf_form = build_form(layout, data=request.POST)
                crf_form.is_valid()
                add_error(crf_form, exc.field, render_error(exc))
            else:
                messages.error(request, render_error_line(exc))
        else:
            if done is True:
                messages.success(request, _("Saved."))
                return redirect("crfs:record", subject_id=subject.subject_id, form=form, record_id=record.pk)
            crf_form = done
    queries = list(
        Query.objects.filter(record=record).select_related("opened_by", "answered_by").order_by("status", "-opened_at")
    )
    live = [q for q in queries if q.status != QueryStatus.closed]
    loose = attach_queries(crf_form, live)
    return render(
        request,
        "crfs/form.html",
        {
            "subject": subject,
            "spec": spec,
            "form": crf_form,
            "record": contract,
            "plan": None,
            "may_edit": may_edit,
            "may_monitor": _may(request, subject, Capability.monitor),
            "may_sign": _may(request, subject, Capability.sign),
            "queries": queries,
            "loose_queries": loose,
            "trail": _record_trail(request, subject, record),
            "field_names": sorted(crf_form.specs),
        },
    )


def _record_action(request: HttpRequest, subject: Subject, record: FormRecord, action: str, layout: Any) -> Any:
    """Run one POSTed action on the record; True when done, or the bound form to show again."""
    post = request.POST
    version = _int(post.get("version")) or 0
    if action == "save":
        if not _may(request, subject, Capability.edit):
            raise PermissionDenied(_("Your role does not allow this action."))
        bound = build_form(layout, data=post)
        if not bound.is_valid():
            return bound
        crfs.save_form(
            request.user,
            subject.subject_id,
            record.form,
            entered_payload(record.form, bound.payload()),
            record_id=record.pk,
            version=version,
            reason=post.get("reason", ""),
        )
        return True
    if action == "verify":
        dm.verify_record(request.user, record, version)
        return True
    if action == "unlock":
        dm.unlock_record(request.user, record, version, post.get("reason", ""))
        return True
    if action == "query":
        dm.open_query(request.user, record, post.get("field", ""), post.get("message", ""))
        return True
    raise PermissionDenied(_("Unknown action."))


@login_required
def sign(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = subjects.subject_for(request.user, subject_id)
    if not _may(request, subject, Capability.sign):
        raise PermissionDenied(_("Only an investigator of this site signs the casebook."))
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("Confirm that you have read the meaning of the signature.")
        else:
            try:
                dm.sign_casebook(request.user, subject.subject_id, request.POST.get("password", ""), request)
            except DomainError as exc:
                error = render_error(exc)
            else:
                messages.success(request, _("Casebook signed; its forms are locked."))
                return redirect(reverse("crfs:casebook", kwargs={"subject_id": subject.subject_id}))
    return render(
        request,
        "crfs/sign.html",
        {
            "subject": subject,
            "meaning": dm.signature_meaning(subject),
            "state": dm.casebook_state(subject),
            "error": error,
            "signature": dm.latest_signature(subject),
        },
    )
