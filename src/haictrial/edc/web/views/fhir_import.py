"""Upload a FHIR R4B Bundle on the New screening page: it prefills the screening form.

Authorise -> parse (:func:`haictrial.interop.fhir.bundle.import_bundle`) -> render the New screening form
with the values the bundle gives; nothing is stored until the user submits that form. A bundle that cannot
be read re-renders the page with one error on the upload field (HTTP 422).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.web.forms import ScreeningForm
from haictrial.edc.web.views.screening import _screening_sites
from haictrial.errors import DomainError
from haictrial.i18n import render_error_line

#: Largest bundle accepted (bytes): one patient's screening resources, not a whole record.
MAX_BUNDLE_BYTES = 2_000_000


class FhirUploadForm(forms.Form):
    bundle = forms.FileField(label=gettext_lazy("FHIR R4B Bundle (JSON)"))
    screening_date = forms.DateField(
        label=gettext_lazy("Screening date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def form_initial(document: dict[str, Any], identifiers: dict[str, str]) -> dict[str, Any]:
    """The New screening form's initial values from an imported document (form field names)."""
    initial: dict[str, Any] = {k: v for k, v in identifiers.items() if k in ("full_name", "hospital_number")}
    simple = (
        "birth_date screening_date sex height_cm weight_kg ecog lvef_percent fev1_fvc_percent "
        "extrahepatic_metastasis peritoneal_spread"
    ).split()
    for name in simple:
        if name in document:
            initial[name] = document[name]
    for analyte, lab in (document.get("labs") or {}).items():
        initial[f"labs__{analyte}__value"] = lab["value"]
        initial[f"labs__{analyte}__unit"] = lab["unit"]
    # Conditions found are ticked; "assessed" stays for the user to confirm (FHIR does not say the list is complete).
    for entry in document.get("medical_history") or []:
        initial[f"medical_history__{entry['condition']}"] = True
        if entry.get("date"):
            initial[f"medical_history__{entry['condition']}__date"] = entry["date"]
    if document.get("prior_liver_directed_treatment"):
        initial["prior_liver_directed_treatment"] = list(document["prior_liver_directed_treatment"])
    return initial


@login_required
@require_POST
def screening_from_fhir(request: HttpRequest) -> HttpResponse:
    from haictrial.interop.fhir.bundle import import_bundle

    access.require(request.user, Capability.screen)
    sites = _screening_sites(request.user)
    upload = FhirUploadForm(request.POST, request.FILES)
    context: dict[str, Any] = {"fhir_form": upload}
    if upload.is_valid():
        data = upload.cleaned_data["bundle"]
        if data.size > MAX_BUNDLE_BYTES:
            upload.add_error("bundle", _("The bundle is larger than %(n)d bytes.") % {"n": MAX_BUNDLE_BYTES})
        else:
            try:
                imported = import_bundle(data.read(), upload.cleaned_data.get("screening_date"))
            except DomainError as exc:
                upload.add_error("bundle", render_error_line(exc))
            else:
                context["form"] = ScreeningForm(
                    initial=form_initial(imported.document, imported.identifiers), sites=sites
                )
                context["fhir_notes"] = imported.notes
                context["fhir_imported"] = True
                return render(request, "web/screening_form.html", context)
    context["form"] = ScreeningForm(sites=sites)
    return render(request, "web/screening_form.html", context, status=422)
