"""Pages of trial operations: protocol deviations (review), the SAE desk, the record status grid, and the
digest preference of the account page. Thin shells over :mod:`.services` and :mod:`.desk`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from haictrial.edc.accounts import access
from haictrial.edc.operations import desk, monitoring, notify
from haictrial.edc.operations import services as operations
from haictrial.edc.operations.models import DeviationStatus
from haictrial.errors import DomainError


def _site(request: HttpRequest) -> str:
    code = request.GET.get("site", "").strip()
    return code if code in {s.code for s in access.visible_sites(request.user)} else ""


@login_required
def deviations(request: HttpRequest) -> HttpResponse:
    errors: dict[int, str] = {}
    if request.method == "POST":
        try:
            pk = int(request.POST.get("deviation_id", ""))
        except ValueError:
            pk = 0
        try:
            operations.review_deviation(request.user, pk, request.POST.get("comment", ""))
            messages.success(request, _("Deviation reviewed."))
            return redirect(request.get_full_path())
        except DomainError as exc:
            errors[pk] = exc.message
    site = _site(request)
    status = request.GET.get("status", "")
    status = status if status in DeviationStatus.values else ""
    rows = list(operations.deviations_for(request.user, site=site or None, status=status or None)[:500])
    return render(
        request,
        "operations/deviations.html",
        {
            "rows": [(d, operations.may_review(request.user, d.subject.site_id), errors.get(d.pk)) for d in rows],
            "sites": access.visible_sites(request.user),
            "site": site,
            "status": status,
            "statuses": DeviationStatus.choices,
        },
    )


@login_required
def sae_desk(request: HttpRequest) -> HttpResponse:
    site = _site(request)
    return render(
        request,
        "operations/sae_desk.html",
        {
            "rows": desk.sae_rows(request.user, site=site or None),
            "sites": access.visible_sites(request.user),
            "site": site,
        },
    )


CELL_LABELS = {
    "not_due": ("·", gettext_lazy("not due")),
    "due": ("○", gettext_lazy("due")),
    "overdue": ("!", gettext_lazy("overdue")),
    "incomplete": ("◐", gettext_lazy("incomplete")),
    "complete": ("●", gettext_lazy("complete")),
    "verified": ("✓", gettext_lazy("verified")),
    "locked": ("🔒", gettext_lazy("locked")),
    "queried": ("?", gettext_lazy("queried")),
}


@login_required
def status_grid(request: HttpRequest) -> HttpResponse:
    site = _site(request)
    status = request.GET.get("status", "")
    status = status if status in desk.CellStatus._value2member_map_ else ""
    grid = desk.status_grid(request.user, site=site or None, status=status or None)
    rows = []
    for subject in grid["subjects"]:
        cells = []
        for label in grid["visits"]:
            state = subject["cells"].get(label)
            records = subject["links"].get(label, {})
            first = next(((f, ids[0]) for f, ids in records.items() if ids), None)
            cells.append({"label": label, "state": state, "record": first})
        rows.append({"subject": subject, "cells": cells})
    legend = [(key, icon, str(text)) for key, (icon, text) in CELL_LABELS.items()]
    return render(
        request,
        "operations/status_grid.html",
        {
            "visits": grid["visits"],
            "rows": rows,
            "sites": access.visible_sites(request.user),
            "site": site,
            "status": status,
            "legend": legend,
            "icons": {k: v[0] for k, v in CELL_LABELS.items()},
        },
    )


@login_required
@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("daily_digest") == "on"
    notify.set_digest(request.user, on)  # type: ignore[arg-type]
    messages.success(request, _("Daily digest is on.") if on else _("Daily digest is off."))
    return redirect("web:account")


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """Forms awaiting source data verification, by site (the monitor's worklist)."""
    site = _site(request)
    return render(
        request,
        "operations/worklist.html",
        {
            "rows": monitoring.worklist(request.user, site=site or None),
            "sites": access.visible_sites(request.user),
            "site": site,
        },
    )


@login_required
@require_POST
def verify_field(request: HttpRequest, record_id: int) -> HttpResponse:
    """A monitor verifies one field of a record; back to the record page (``next``)."""
    try:
        done = monitoring.verify_field(request.user, record_id, request.POST.get("field", ""))
    except DomainError as exc:
        messages.error(request, f"{exc.field}: {exc.message}" if exc.field else exc.message)
    else:
        label = monitoring.label_of(done.record, done.field)
        messages.success(request, _("Source data verified: %(field)s.") % {"field": label})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
def missing_data(request: HttpRequest) -> HttpResponse:
    """Per site: the expected forms not entered and the required fields empty, by visit."""
    site = _site(request)
    rows = monitoring.missing_data(request.user, site=site or None)
    return render(
        request,
        "operations/missing_data.html",
        {"rows": rows, "sites": access.visible_sites(request.user), "site": site, "states": VISIT_STATES},
    )


VISIT_STATES = {
    "due": gettext_lazy("due"),
    "overdue": gettext_lazy("overdue"),
    "done": gettext_lazy("done"),
    "out_of_window": gettext_lazy("out of window"),
    "upcoming": gettext_lazy("upcoming"),
}
