"""Forms of the pages. The screening form builds the same patient document (docs/contracts/screen.md) the
API takes; an empty field is sent as absent, so that the engine reports it ``unknown``, never normal."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp import match_token, user_has_device

from haictrial.edc.crfs.labels import LAB_LABELS
from haictrial.edc.subjects.models import SubjectStatus
from haictrial.vocabulary.enums import (
    Ascites,
    Drug,
    HepaticEncephalopathy,
    HistoryCondition,
    Intolerance,
    LiverDirectedTreatment,
    MutationStatus,
    PrimarySite,
    PriorSystemicTreatment,
    Sex,
)
from haictrial.vocabulary.units import Analyte, accepted_units, canonical_unit

LESION_ROWS = 5
UNKNOWN = [("", _("not reported"))]
HISTORY_LABELS = {
    HistoryCondition.cerebral_infarction: _("Cerebral infarction"),
    HistoryCondition.cerebral_hemorrhage: _("Cerebral haemorrhage"),
    HistoryCondition.gastrointestinal_hemorrhage: _("Gastrointestinal haemorrhage"),
    HistoryCondition.gastrointestinal_perforation: _("Gastrointestinal perforation"),
    HistoryCondition.coagulation_disorder: _("Coagulation disorder"),
    HistoryCondition.gastrointestinal_ulcer: _("Gastrointestinal ulcer"),
}


def _choices(enum: Any, labels: dict[str, Any] | None = None) -> list[tuple[str, Any]]:
    return [(m.value, (labels or {}).get(m.value, m.value.replace("_", " "))) for m in enum]


def tri_state(label: Any) -> forms.NullBooleanField:
    """Unknown / yes / no: unknown is sent as absent."""
    return forms.NullBooleanField(
        label=label,
        required=False,
        widget=forms.Select(choices=[("unknown", _("unknown")), ("true", _("yes")), ("false", _("no"))]),
    )


def _number(label: Any, **kwargs: Any) -> forms.FloatField:
    """A number typed as text: a browser's number input drops a letter silently ("16O" -> 16); a text input
    sends what was typed, so a value that is not a number is an error on its field, shown with what was typed."""
    return forms.FloatField(
        label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs
    )


def _choice(label: Any, choices: list[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=UNKNOWN + choices)


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ScreeningForm(forms.Form):
    """The screening document, field by field (docs/contracts/screen.md)."""

    site = forms.ChoiceField(label=_("Site"))
    full_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    hospital_number = forms.CharField(label=_("Hospital number"), required=False, max_length=50)
    birth_date = _date(_("Birth date"))
    screening_date = _date(_("Screening date"))
    age_years = forms.IntegerField(
        label=_("Age (years), if the birth date is not given"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    sex = _choice(_("Sex"), [(Sex.male.value, _("male")), (Sex.female.value, _("female"))])
    height_cm = _number(_("Height (cm)"))
    weight_kg = _number(_("Weight (kg)"))
    ecog = forms.TypedChoiceField(
        label=_("ECOG performance status"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=UNKNOWN + [(str(i), str(i)) for i in range(5)],
    )
    lvef_percent = _number(_("LVEF (%)"))
    fev1_fvc_percent = _number(_("FEV1/FVC (%)"))
    pathology_confirmed_crlm = tri_state(_("Liver metastases confirmed by pathology"))
    other_malignancy_history = tri_state(_("History of another malignancy"))
    prior_systemic_treatment = _choice(
        _("Prior systemic treatment"),
        [
            (PriorSystemicTreatment.progressed.value, _("progressed")),
            (PriorSystemicTreatment.refused.value, _("refused")),
            (PriorSystemicTreatment.none.value, _("none")),
            (PriorSystemicTreatment.ongoing_response.value, _("ongoing response")),
        ],
    )
    primary_tumor__site = _choice(_("Primary tumour site"), _choices(PrimarySite))
    primary_tumor__resected = tri_state(_("Primary tumour resected"))
    primary_tumor__completely_resectable = tri_state(_("Primary tumour completely resectable"))
    molecular__kras = _choice("KRAS", _choices(MutationStatus))
    molecular__nras = _choice("NRAS", _choices(MutationStatus))
    molecular__braf = _choice("BRAF", _choices(MutationStatus))
    extrahepatic_metastasis = tri_state(_("Extrahepatic metastasis"))
    peritoneal_spread = tri_state(_("Peritoneal spread"))
    ascites = _choice(
        _("Ascites"),
        [
            (Ascites.none.value, _("none")),
            (Ascites.mild.value, _("mild")),
            (Ascites.moderate_severe.value, _("moderate to severe")),
        ],
    )
    hepatic_encephalopathy = _choice(
        _("Hepatic encephalopathy"),
        [
            (HepaticEncephalopathy.none.value, _("none")),
            (HepaticEncephalopathy.grade_1_2.value, _("grade 1-2")),
            (HepaticEncephalopathy.grade_3_4.value, _("grade 3-4")),
        ],
    )
    medical_history_assessed = tri_state(_("Medical history assessed"))
    allergies_assessed = tri_state(_("Drug allergies assessed"))
    allergies = forms.MultipleChoiceField(
        label=_("Allergy or intolerance to"),
        required=False,
        choices=_choices(Drug),
        widget=forms.CheckboxSelectMultiple,
    )
    unable_to_tolerate_assessed = tri_state(_("Tolerance of treatment assessed"))
    unable_to_tolerate = forms.MultipleChoiceField(
        label=_("Unable to tolerate"),
        required=False,
        choices=_choices(Intolerance),
        widget=forms.CheckboxSelectMultiple,
    )
    prior_liver_directed_treatment_assessed = tri_state(_("Prior liver-directed treatment assessed"))
    prior_liver_directed_treatment = forms.MultipleChoiceField(
        label=_("Prior liver-directed treatment"),
        required=False,
        choices=_choices(LiverDirectedTreatment),
        widget=forms.CheckboxSelectMultiple,
    )
    data_complete = tri_state(_("Clinical data complete"))

    def __init__(self, *args: Any, sites: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = sites
        for analyte in Analyte:
            self.fields[f"labs__{analyte.value}__value"] = _number(LAB_LABELS[analyte], min_value=0)
            units = accepted_units(analyte)
            self.fields[f"labs__{analyte.value}__unit"] = forms.ChoiceField(
                label=_("unit"), required=False, choices=[(u, u) for u in units], initial=canonical_unit(analyte)
            )
        for row in range(LESION_ROWS):
            self.fields[f"liver_lesions__{row}__segment"] = forms.ChoiceField(
                label=_("segment"), required=False, choices=UNKNOWN + [(f"S{i}", f"S{i}") for i in range(1, 9)]
            )
            self.fields[f"liver_lesions__{row}__longest_diameter_mm"] = _number(_("longest diameter (mm)"))
        for condition in HistoryCondition:
            self.fields[f"medical_history__{condition.value}"] = forms.BooleanField(
                label=HISTORY_LABELS[condition], required=False
            )
            self.fields[f"medical_history__{condition.value}__date"] = _date(_("date"))

    # --- groups for the template ---
    def lab_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"labs__{a.value}__value"], self[f"labs__{a.value}__unit"]) for a in Analyte]

    def lesion_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (row + 1, self[f"liver_lesions__{row}__segment"], self[f"liver_lesions__{row}__longest_diameter_mm"])
            for row in range(LESION_ROWS)
        ]

    def history_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"medical_history__{c.value}"], self[f"medical_history__{c.value}__date"]) for c in HistoryCondition
        ]

    # --- document ---
    def document(self) -> dict[str, Any]:
        """The API body (patient document + site + identifiers) from the cleaned data."""
        data = self.cleaned_data
        doc: dict[str, Any] = {"site": data["site"]}
        identifiers = {k: data[k] for k in ("full_name", "hospital_number") if data.get(k)}
        if identifiers:
            doc["identifiers"] = identifiers
        simple = (
            "birth_date screening_date age_years sex height_cm weight_kg ecog lvef_percent fev1_fvc_percent "
            "pathology_confirmed_crlm other_malignancy_history prior_systemic_treatment extrahepatic_metastasis "
            "peritoneal_spread ascites hepatic_encephalopathy data_complete"
        ).split()
        for name in simple:
            value = data.get(name)
            if value is not None and value != "":
                doc[name] = value.isoformat() if hasattr(value, "isoformat") else value
        for group, names in (
            ("primary_tumor", ("site", "resected", "completely_resectable")),
            ("molecular", ("kras", "nras", "braf")),
        ):
            part = {n: data[f"{group}__{n}"] for n in names if data.get(f"{group}__{n}") not in (None, "")}
            doc[group] = part
        labs = {}
        for analyte in Analyte:
            value = data.get(f"labs__{analyte.value}__value")
            if value is not None:
                labs[analyte.value] = {"value": value, "unit": data[f"labs__{analyte.value}__unit"]}
        doc["labs"] = labs
        lesions: list[dict[str, Any]] = []
        self._lesion_rows: list[int] = []
        for row in range(LESION_ROWS):
            segment = data.get(f"liver_lesions__{row}__segment")
            diameter = data.get(f"liver_lesions__{row}__longest_diameter_mm")
            if segment or diameter is not None:
                lesion: dict[str, Any] = {"id": f"L{len(lesions) + 1}"}
                if segment:
                    lesion["segment"] = segment
                if diameter is not None:
                    lesion["longest_diameter_mm"] = diameter
                lesions.append(lesion)
                self._lesion_rows.append(row)
        if lesions:
            doc["liver_lesions"] = lesions
        if data.get("medical_history_assessed"):
            history = []
            for condition in HistoryCondition:
                if data.get(f"medical_history__{condition.value}"):
                    when = data.get(f"medical_history__{condition.value}__date")
                    entry: dict[str, Any] = {"condition": condition.value}
                    if when is not None:
                        entry["date"] = when.isoformat()
                    history.append(entry)
            doc["medical_history"] = history
        for name in ("allergies", "unable_to_tolerate", "prior_liver_directed_treatment"):
            if data.get(f"{name}_assessed"):
                doc[name] = list(data.get(name) or [])
        return doc

    def field_for_path(self, path: str | None) -> str | None:
        """The form field of a document path from an engine error (``labs.alt.unit`` -> ``labs__alt__unit``)."""
        if not path:
            return None
        if path.startswith("identifiers."):
            path = path.split(".", 1)[1]
        match = re.fullmatch(r"liver_lesions\[(\d+)\]\.(\w+)", path)
        if match:
            index = int(match.group(1))
            rows = getattr(self, "_lesion_rows", [])
            if index < len(rows) and match.group(2) in ("segment", "longest_diameter_mm"):
                return f"liver_lesions__{rows[index]}__{match.group(2)}"
            return None
        name = path.replace(".", "__")
        return name if name in self.fields else None


class LoginForm(AuthenticationForm):
    """Password login, plus the one-time code when the user has a confirmed TOTP device (django-otp)."""

    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Only if you turned on two-factor authentication."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        self.otp_device = None
        if user is not None and user_has_device(user, confirmed=True):
            token = (cleaned.get("otp_token") or "").strip()
            if not token:
                raise forms.ValidationError(_("Enter the code from your authenticator app."), code="otp_required")
            device = match_token(user, token)
            if device is None:
                raise forms.ValidationError(_("The authentication code is not valid."), code="otp_invalid")
            self.otp_device = device
        return cleaned


class SubjectForm(forms.Form):
    """Edit of the subject record: the version you loaded and a reason are required (audit trail)."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[c for c in SubjectStatus.choices if c[0] != SubjectStatus.screened]
    )
    treatment_start_date = _date(_("Treatment start date"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason for the change"), max_length=2000, widget=forms.TextInput)


class IdentifiersForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    birth_date = _date(_("Birth date"))
    hospital_number = forms.CharField(label=_("Hospital number"), required=False, max_length=50)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason for the change"), max_length=2000, widget=forms.TextInput)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=[("en", "English"), ("zh-hans", "简体中文")])


class OtpConfirmForm(forms.Form):
    token = forms.CharField(label=_("Code from your authenticator app"), max_length=10)
