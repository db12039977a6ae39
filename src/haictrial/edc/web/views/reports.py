"""The report page (statistician and admin): build the analysis report, list the builds, serve their files.

The files are served by :func:`report_file`, which checks the role, never as public static files.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.jobs import following, refresh_seconds
from haictrial.edc.reporting import services
from haictrial.edc.reporting.models import BuildStatus
from haictrial.errors import DomainError
from haictrial.i18n import render_error

#: Builds listed on the page (the newest first).
LISTED = 50


class ReportForm(forms.Form):
    """The optional data cut-off (empty: the last date in the data) and whether to print the PDF."""

    cutoff = forms.DateField(
        label=gettext_lazy("Data cut-off date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: the last date in the data."),
    )
    pdf = forms.BooleanField(label=gettext_lazy("Also print the PDF"), required=False, initial=True)


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.report)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            build = services.start_build(
                request.user,
                form.cleaned_data["cutoff"],
                pdf=form.cleaned_data["pdf"],
                language=getattr(request, "LANGUAGE_CODE", None),
            )
        except DomainError as exc:
            form.add_error("cutoff" if exc.field == "cutoff" else None, render_error(exc))
        else:
            if build.status == BuildStatus.done:
                messages.success(request, _("Report built in {seconds:.1f} s.").format(seconds=build.duration_s))
            elif build.status == BuildStatus.failed:
                messages.error(request, _("The report build failed: {reason}").format(reason=build.error))
            else:
                messages.info(request, _("The report build has started; this page follows its progress."))
            return redirect("web:reports")
    builds = list(services.builds_for(request.user)[:LISTED])
    refresh = refresh_seconds(b.status for b in builds)
    response = render(
        request,
        "web/report.html",
        {
            "form": form,
            "builds": [(b, services.ctrr_text(b) if b.ctrr else "") for b in builds],
            # the page reloads itself while a build is queued or running (no script: a meta refresh)
            "refresh_seconds": refresh,
        },
    )
    return following(response, refresh)


@login_required
def report_file(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """report.html inline; report.pdf, results.json and report.zip as downloads named after the build."""
    path = services.report_file(request.user, pk, name)
    build = services.build_for(request.user, pk)
    inline = name == "report.html"
    response = FileResponse(
        path.open("rb"),
        content_type=services.REPORT_FILES[name],
        as_attachment=not inline,
        filename=f"{build.protocol_id.lower()}-{build.directory}-{name}",
    )
    if inline:
        # Generated HTML, self-contained: no scripts, nothing fetched from elsewhere.
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; sandbox"
        )
    return response
