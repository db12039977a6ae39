"""Screening pages: the screening form, one screening's verdict (criteria, missing data, enrolment)
and the screening log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.accounts.models import Site
from haictrial.edc.subjects import services
from haictrial.edc.web.forms import ScreeningForm
from haictrial.errors import ConflictError, DomainError
from haictrial.i18n import render_reason


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
            message = exc.message if field else str(exc)
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
    texts = {c.id: (c.text_zh if chinese and c.text_zh else c.text) for c in services.protocol().eligibility.criteria}
    return [dict(c, text=texts.get(c["id"], ""), reason=render_reason(c)) for c in result["criteria"]]


@login_required
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    screening = services.screening_for(request.user, pk)
    result = services.screening_contract(screening)
    identifiers = services.identifiers_for(request.user, screening)
    may_enroll = (
        result["eligible"] is True
        and result["subject_id"] is None
        and access.can(request.user, Capability.enroll)
        and screening.site_id in access.member_site_ids(request.user)
    )
    return render(
        request,
        "web/screening_detail.html",
        {
            "screening": screening,
            "result": result,
            "criteria": criterion_rows(result),
            "identifiers": identifiers,
            "may_enroll": may_enroll,
        },
    )


@login_required
@require_POST
def screening_enroll(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        subject = services.enroll(request.user, pk)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("web:screening", pk=pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("web:screening", pk=pk)
    return redirect("web:subject", subject_id=subject.subject_id)


@login_required
def screening_log(request: HttpRequest) -> HttpResponse:
    rows = services.screening_log(request.user)
    counts = {
        "screened": len(rows),
        "eligible": sum(1 for r in rows if r["eligible"] is True),
        "not_eligible": sum(1 for r in rows if r["eligible"] is False),
        "unknown": sum(1 for r in rows if r["eligible"] is None),
        "enrolled": sum(1 for r in rows if r["subject_id"]),
    }
    return render(request, "web/screening_log.html", {"rows": rows, "counts": counts})
