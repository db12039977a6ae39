"""The Exports page (coordinator, statistician, admin): start a build, follow it, download its zip.

Thin shell over :mod:`.services`; the zip is served by :func:`download`, which checks the role and the
owner, never as a public static file.
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
from haictrial.edc.exports import scope, services
from haictrial.edc.exports.models import ExportKind, ExportStatus
from haictrial.edc.jobs import following, refresh_seconds
from haictrial.errors import DomainError

#: Builds listed on the page (the newest first).
LISTED = 50


#: The steps a build goes through (:func:`haictrial.edc.exports.services.run`), as the page names them.
STEP_LABELS = {
    "loading data": gettext_lazy("reading the data"),
    "identifier check": gettext_lazy("checking for direct identifiers"),
    "done": gettext_lazy("done"),
}


def step_label(step: str) -> str:
    if step in ExportKind.values:
        return str(ExportKind(step).label)
    return str(STEP_LABELS.get(step, step))


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Package"), choices=ExportKind.choices, initial=ExportKind.sdtm)


@login_required
def exports_page(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.export)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            build = services.start_export(request.user, form.cleaned_data["kind"])
        except DomainError as exc:
            form.add_error("kind" if exc.field == "kind" else None, exc.message)
        else:
            if build.status == ExportStatus.done:
                messages.success(request, _("Export built in {seconds:.1f} s.").format(seconds=build.duration_s))
            elif build.status == ExportStatus.failed:
                messages.error(request, _("The export failed: {reason}").format(reason=build.error))
            else:
                messages.info(request, _("The export has started; this page follows its progress."))
            return redirect("exports:page")
    builds = list(services.builds_for(request.user)[:LISTED])
    # the page reloads itself while a build is queued or running (a meta refresh: no script)
    refresh = refresh_seconds(b.status for b in builds)
    sites = scope.site_codes(request.user)
    response = render(
        request,
        "exports/exports.html",
        {
            "form": form,
            "builds": [(b, step_label(b.step)) for b in builds],
            "refresh_seconds": refresh,
            "sites": sites,
        },
    )
    return following(response, refresh)


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """``export-<kind>.zip`` of a done build of the user's, as a download."""
    try:
        build, path = services.zip_path(request.user, pk)
    except DomainError as exc:  # not done yet: back to the page, which shows its progress
        messages.error(request, exc.message)
        return redirect("exports:page")
    return FileResponse(path.open("rb"), content_type="application/zip", as_attachment=True, filename=build.zip_name)
