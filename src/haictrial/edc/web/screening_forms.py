"""Forms of the enrolment and screening-correction steps: the consent record (docs/contracts/server.md,
"Enrolment") and the screening form filled in from a stored screening, with the reason for the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haictrial.edc.web.forms import LESION_ROWS, ScreeningForm
from haictrial.vocabulary.enums import HistoryCondition
from haictrial.vocabulary.units import Analyte

#: The top-level keys of the patient document the screening form edits (other keys are kept as stored).
FORM_KEYS = frozenset(
    (
        "birth_date screening_date age_years sex height_cm weight_kg ecog lvef_percent fev1_fvc_percent "
        "pathology_confirmed_crlm other_malignancy_history prior_systemic_treatment extrahepatic_metastasis "
        "peritoneal_spread ascites hepatic_encephalopathy data_complete primary_tumor molecular labs "
        "liver_lesions medical_history allergies unable_to_tolerate prior_liver_directed_treatment identifiers"
    ).split()
)
_TRI_STATE = {True: "true", False: "false", None: "unknown"}


class ConsentForm(forms.Form):
    """The informed consent record asked for at enrolment (ICH E6(R2) 4.8.8)."""

    signed_on = forms.DateField(label=_("Consent signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    icf_version = forms.ChoiceField(label=_("ICF version"))
    obtained_by = forms.CharField(label=_("Consent obtained by"), max_length=200)

    def __init__(self, *args: Any, icf_versions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["icf_version"].choices = [(v, v) for v in icf_versions]
        self.fields["signed_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def record(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "signed_on": data["signed_on"].isoformat(),
            "icf_version": data["icf_version"],
            "obtained_by": data["obtained_by"],
        }


class ScreeningCorrectionForm(ScreeningForm):
    """The screening form with the stored values, and why they are corrected."""

    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].disabled = True


def initial_from_document(document: dict[str, Any]) -> dict[str, Any]:
    """The screening form's initial values from a screening body (the inverse of ``ScreeningForm.document``)."""
    initial: dict[str, Any] = {"site": document.get("site")}
    for name, value in (document.get("identifiers") or {}).items():
        initial[name] = value
    for name in (
        "birth_date screening_date age_years sex height_cm weight_kg lvef_percent fev1_fvc_percent "
        "prior_systemic_treatment ascites hepatic_encephalopathy"
    ).split():
        if document.get(name) is not None:
            initial[name] = document[name]
    if document.get("ecog") is not None:
        initial["ecog"] = str(document["ecog"])
    for name in (
        "pathology_confirmed_crlm other_malignancy_history extrahepatic_metastasis peritoneal_spread data_complete"
    ).split():
        initial[name] = _TRI_STATE[document.get(name)]
    tumour = document.get("primary_tumor") or {}
    initial["primary_tumor__site"] = tumour.get("site")
    for name in ("resected", "completely_resectable"):
        initial[f"primary_tumor__{name}"] = _TRI_STATE[tumour.get(name)]
    for name in ("kras", "nras", "braf"):
        initial[f"molecular__{name}"] = (document.get("molecular") or {}).get(name)
    for analyte in Analyte:
        lab = (document.get("labs") or {}).get(analyte.value)
        if isinstance(lab, dict):
            initial[f"labs__{analyte.value}__value"] = lab.get("value")
            initial[f"labs__{analyte.value}__unit"] = lab.get("unit")
    for row, lesion in enumerate((document.get("liver_lesions") or [])[:LESION_ROWS]):
        initial[f"liver_lesions__{row}__segment"] = lesion.get("segment")
        initial[f"liver_lesions__{row}__longest_diameter_mm"] = lesion.get("longest_diameter_mm")
    history = document.get("medical_history")
    initial["medical_history_assessed"] = _TRI_STATE[True if history is not None else None]
    for entry in history or []:
        condition = entry.get("condition")
        if condition in {c.value for c in HistoryCondition}:
            initial[f"medical_history__{condition}"] = True
            initial[f"medical_history__{condition}__date"] = entry.get("date")
    for name in ("allergies", "unable_to_tolerate", "prior_liver_directed_treatment"):
        value = document.get(name)
        initial[f"{name}_assessed"] = _TRI_STATE[True if value is not None else None]
        initial[name] = list(value or [])
    return initial


def merge_patch_between(old: dict[str, Any], new: dict[str, Any], keys: frozenset[str] = FORM_KEYS) -> dict[str, Any]:
    """The JSON Merge Patch (RFC 7396) that turns ``old`` into ``new`` on ``keys`` (objects by member,
    everything else whole; a member of ``old`` absent from ``new`` becomes null)."""
    patch: dict[str, Any] = {}
    for key in keys:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if after is None:
            patch[key] = None
        elif isinstance(before, dict) and isinstance(after, dict):
            inner = merge_patch_between(before, after, frozenset(before) | frozenset(after))
            if inner:
                patch[key] = inner
        else:
            patch[key] = after
    return patch
