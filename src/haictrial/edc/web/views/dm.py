"""The data-management page (queries and source data verification per site) and the query actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haictrial.edc.dm import services as dm
from haictrial.edc.dm.models import QueryStatus
from haictrial.errors import DomainError
from haictrial.i18n import render_error_line


def _with_places(queries: list[Any]) -> list[dict[str, Any]]:
    """Each query's contract with its form name, visit label and field label (no internal codes)."""
    from haictrial.edc.operations.monitoring import query_places

    places = query_places(queries)
    return [{**dm.query_contract(q), **places[q.pk]} for q in queries]


@login_required
def data_management(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", QueryStatus.open)
    site = request.GET.get("site", "")
    rows = dm.queries_for(request.user)
    if status in QueryStatus.values:
        rows = rows.filter(status=status)
    if site:
        rows = rows.filter(subject__site__code=site)
    return render(
        request,
        "crfs/data_management.html",
        {
            "summary": dm.site_summary(request.user),
            "queries": _with_places(list(rows.select_related("record__subject")[:300])),
            "status": status,
            "site": site,
            "statuses": QueryStatus.choices,
        },
    )


@login_required
@require_POST
def query_action(request: HttpRequest, query_id: int) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "answer":
            dm.answer_query(request.user, query_id, request.POST.get("answer", ""))
            messages.success(request, _("Answer saved."))
        elif action == "close":
            dm.close_query(request.user, query_id, request.POST.get("note", ""))
            messages.success(request, _("Query closed."))
        else:
            raise PermissionDenied(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, render_error_line(exc))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "crfs:data_management"
    return redirect(target)
