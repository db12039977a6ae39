"""Screening pages: the screening form, one screening's verdict (criteria, missing data, possible
duplicates, enrolment with the consent record), its correction, and the screening log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.accounts.models import Site
from haictrial.edc.subjects import amend, services
from haictrial.edc.subjects.models import Identifiers
from haictrial.edc.trial import protocol
from haictrial.edc.web.forms import ScreeningForm
from haictrial.edc.web.screening_forms import (
    ConsentForm,
    ScreeningCorrectionForm,
    initial_from_document,
    merge_patch_between,
)
from haictrial.errors import ConflictError, DomainError
from haictrial.i18n import render_error, render_error_line, render_reason


def _screening_sites(user: Any) -> list[tuple[str, str]]:
    ids = access.member_site_ids(user)
    return [(s.code, f"{s.code} {s.name}") for s in Site.objects.filter(id__in=ids)]


@login_required
def screening_new(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.screen)
    form = ScreeningForm(request.POST or None, sites=_screening_sites(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            screening, _result = services.screen_patient(request.user, form.document())
        except DomainError as exc:
            field = form.field_for_path(exc.field)
            message = render_error(exc) if field else render_error_line(exc)
            form.add_error(field, message)
        else:
            return redirect("web:screening", pk=screening.pk)
    return render(request, "web/screening_form.html", {"form": form})


def criterion_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's criteria with the protocol's wording and the reason in the page language.

    ``reason`` is replaced by :func:`haictrial.i18n.render_reason` (the stored English reason when the
    criterion was stored without its templates); the stored result itself is not changed.
    """
    chinese = (translation.get_language() or "").startswith("zh")
    texts = {c.id: (c.text_zh if chinese and c.text_zh else c.text) for c in protocol().eligibility.criteria}
    return [dict(c, text=texts.get(c["id"], ""), reason=render_reason(c)) for c in result["criteria"]]


def _consent_form(data: Any = None) -> ConsentForm:
    return ConsentForm(data, icf_versions=list(protocol().settings.consent.icf_versions.value))


def _duplicate_rows(user: Any, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The possible duplicates, with a link where the user may open that screening."""
    visible = set(
        services.screenings_for(user)
        .filter(pk__in=[d["screening_id"] for d in result["possible_duplicates"]])
        .values_list("pk", flat=True)
    )
    return [dict(d, visible=d["screening_id"] in visible) for d in result["possible_duplicates"]]


def _detail(request: HttpRequest, pk: int, consent_form: ConsentForm | None = None) -> HttpResponse:
    screening = services.screening_for(request.user, pk)
    result = services.screening_contract(screening)
    identifiers = services.identifiers_for(request.user, screening)
    member = screening.site_id in access.member_site_ids(request.user)
    may_enroll = (
        result["eligible"] is True
        and result["subject_id"] is None
        and access.can(request.user, Capability.enroll)
        and member
    )
    may_correct = result["subject_id"] is None and access.can(request.user, Capability.screen) and member
    return render(
        request,
        "web/screening_detail.html",
        {
            "screening": screening,
            "result": result,
            "criteria": criterion_rows(result),
            "identifiers": identifiers,
            "may_enroll": may_enroll,
            "may_correct": may_correct,
            "duplicates": _duplicate_rows(request.user, result),
            "consent_form": consent_form or _consent_form(),
        },
        status=422 if consent_form is not None and consent_form.errors else 200,
    )


@login_required
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@login_required
@require_POST
def screening_enroll(request: HttpRequest, pk: int) -> HttpResponse:
    form = _consent_form(request.POST)
    if not form.is_valid():
        return _detail(request, pk, form)
    try:
        subject = services.enroll(request.user, pk, form.record())
    except ConflictError as exc:
        messages.error(request, render_error(exc))
        return redirect("web:screening", pk=pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("web:screening", pk=pk)
    except DomainError as exc:
        name = (exc.field or "").removeprefix("consent.")
        form.add_error(name if name in form.fields else None, render_error(exc))
        return _detail(request, pk, form)
    return redirect("web:subject", subject_id=subject.subject_id)


@login_required
def screening_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a screening not yet enrolled: the stored values in the screening form, and a reason."""
    screening = services.screening_for(request.user, pk)
    access.require_site_action(request.user, screening.site_id, Capability.screen)
    if services.screening_contract(screening)["subject_id"] is not None:
        messages.error(request, _("An enrolled screening is not corrected: correct the subject's eCRFs instead."))
        return redirect("web:screening", pk=pk)
    current = amend.sent_document(screening, Identifiers.objects.filter(screening=screening).first())
    sites = _screening_sites(request.user)
    form = ScreeningCorrectionForm(request.POST or None, sites=sites, initial=initial_from_document(current))
    if request.method == "POST" and form.is_valid():
        changes = merge_patch_between(current, form.document())
        if not changes:
            form.add_error(None, _("Nothing was changed."))
        else:
            try:
                amend.amend_screening(request.user, pk, changes, form.cleaned_data["reason"])
            except DomainError as exc:
                path = (exc.field or "").removeprefix("changes.")
                field = form.field_for_path(path) if exc.field != "reason" else "reason"
                form.add_error(field, render_error(exc) if field else render_error_line(exc))
            else:
                messages.success(request, _("Screening corrected and screened again."))
                return redirect("web:screening", pk=pk)
    return render(request, "web/screening_correct.html", {"form": form, "screening": screening})


@login_required
def screening_log(request: HttpRequest) -> HttpResponse:
    rows = services.screening_log(request.user)
    counts = {
        "screened": len(rows),
        "persons": len({r["person_id"] for r in rows}),
        "eligible": sum(1 for r in rows if r["eligible"] is True),
        "not_eligible": sum(1 for r in rows if r["eligible"] is False),
        "unknown": sum(1 for r in rows if r["eligible"] is None),
        "enrolled": sum(1 for r in rows if r["subject_id"]),
    }
    return render(request, "web/screening_log.html", {"rows": rows, "counts": counts})
