"""The Pre-screening pages (coordinators and investigators of a site): start a run over an uploaded extract
or the configured warehouse, follow it, read its worklist, export it as CSV, and open a new screening
prefilled from a patient's row. Thin shells over :mod:`.services`."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.jobs import following, refresh_seconds
from haictrial.edc.prescreening import services
from haictrial.edc.prescreening.models import RunStatus, WorklistGroup
from haictrial.errors import DomainError

PAGE_SIZE = 200
UPLOAD, WAREHOUSE = "upload", "warehouse"


class PrescreenForm(forms.Form):
    site = forms.ChoiceField(label=gettext_lazy("Site"))
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        widget=forms.RadioSelect,
        initial=UPLOAD,
        choices=[(UPLOAD, gettext_lazy("Uploaded extract (Parquet or CSV, the flat layout)"))],
    )
    file = forms.FileField(label=gettext_lazy("Extract"), required=False)
    index_date = forms.DateField(
        label=gettext_lazy("Index date (warehouse; empty: each patient's latest laboratory test)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, sites: list[tuple[str, str]], warehouse: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = sites
        if warehouse:
            self.fields["source"].choices = [
                *self.fields["source"].choices,
                (WAREHOUSE, gettext_lazy("The site's warehouse (OMOP CDM)")),
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") == UPLOAD and not data.get("file"):
            self.add_error("file", _("Choose the extract to upload."))
        return data


def _sites(user: Any) -> list[tuple[str, str]]:
    return [(s.code, f"{s.code} {s.name}") for s in services.screening_sites(user)]


@login_required
def page(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.screen)
    warehouse = bool(services.warehouse_url())
    form = PrescreenForm(request.POST or None, request.FILES or None, sites=_sites(request.user), warehouse=warehouse)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.start_run(
                    request.user,
                    data["site"],
                    upload=data["file"] if data["source"] == UPLOAD else None,
                    warehouse=data["source"] == WAREHOUSE,
                    index_date=data.get("index_date"),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if record.status == RunStatus.failed:
                    messages.error(request, _("The pre-screen failed: {reason}").format(reason=record.error))
                elif record.status == RunStatus.done:
                    messages.success(request, _("Pre-screen done."))
                else:
                    messages.info(request, _("The pre-screen has started; this page follows its progress."))
                return redirect("prescreening:run", pk=record.pk)
        status = 422
    runs = list(services.runs_for(request.user)[:50])
    refresh = refresh_seconds(r.status for r in runs)
    response = render(
        request,
        "prescreening/page.html",
        {"form": form, "runs": runs, "refresh_seconds": refresh, "warehouse": warehouse},
        status=status,
    )
    return following(response, refresh)


@login_required
def run_page(request: HttpRequest, pk: int) -> HttpResponse:
    record = services.run_for(request.user, pk)
    context: dict[str, Any] = {"run": record, "groups": WorklistGroup}
    if record.status == RunStatus.done:
        _record, entries = services.worklist(request.user, pk)
        context["page"] = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    refresh = refresh_seconds([record.status])
    context["refresh_seconds"] = refresh
    return following(render(request, "prescreening/run.html", context), refresh)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def worklist_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The worklist as CSV, in the page's order: position, person_id, group, n_unknown, to_obtain, I1...E8."""
    from haictrial.interop.prescreen.compiler import CRITERION_IDS

    try:
        record, entries = services.worklist(request.user, pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("prescreening:run", pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="prescreen-{record.pk}-worklist.csv"'
    writer = csv.writer(response)
    writer.writerow(["position", "person_id", "group", "n_unknown", "to_obtain", *CRITERION_IDS])
    for entry in entries.iterator():
        writer.writerow(
            [
                entry.position + 1,
                _cell(entry.person_id),
                entry.group,
                entry.n_unknown,
                "; ".join(entry.to_obtain),
                *(entry.criteria.get(cid, "") for cid in CRITERION_IDS),
            ]
        )
    return response


@login_required
def screen_entry(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    """A new screening prefilled from the patient's row; submitting it screens and stores the patient (the
    identifiers are entered here, for the first time)."""
    from haictrial.edc.subjects import services as subject_services
    from haictrial.edc.web.forms import ScreeningForm

    access.require(request.user, Capability.screen)
    try:
        record, item, initial = services.prefill(request.user, pk, entry)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("prescreening:run", pk=pk)
    sites = [(s.code, f"{s.code} {s.name}") for s in services.screening_sites(request.user) if s.pk == record.site_id]
    form = ScreeningForm(request.POST or None, initial=initial, sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            screening, _result = subject_services.screen_patient(request.user, form.document())
        except DomainError as exc:
            field = form.field_for_path(exc.field)
            form.add_error(field, exc.message if field else str(exc))
        else:
            services.link_screening(item, screening)
            return redirect("web:screening", pk=screening.pk)
    context = {"form": form, "run": record, "entry": item}
    return render(request, "prescreening/screen.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.delete_run(request.user, pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("prescreening:run", pk=pk)
    messages.success(request, _("The pre-screen and its kept extract were deleted."))
    return redirect("prescreening:page")
