"""How each eCRF is laid out on its page: sections, fields with their labels (units in the label),
input kinds and choices, and repeating rows. Labels go through gettext (English and Simplified Chinese);
choice values are the core's codes (clinical codes stay in English in the data).

Field paths are the payload paths the core and the edit checks use (``infusions[0].given_dose_mg``),
so that an error or a query names the input it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeAlias

from django.utils.functional import Promise, lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from haictrial.clinical.adverse_events import ActionTaken, Outcome, SeriousnessCriterion
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_baseline import (
    ComorbidityCategory,
    CouinaudSegment,
    Histology,
    ImagingModality,
    MsiStatus,
    RecistRole,
)
from haictrial.clinical.crf_treatment import (
    AccessSite,
    CollateralVessel,
    EmbolicAgent,
    InfusionComponent,
    InterruptionReason,
    MicrocatheterPosition,
    ProcedureComplication,
)
from haictrial.clinical.ctcae_names_zh import SYSTEM_ORGAN_CLASS_NAMES_ZH
from haictrial.clinical.ctcae_terms import CTCAE_SYSTEM_ORGAN_CLASSES
from haictrial.clinical.follow_up import (
    DeathCause,
    DiseaseEvent,
    EndOfStudyReason,
    RecurrenceSite,
    SubsequentTherapyType,
    VitalStatus,
)
from haictrial.clinical.haic_procedure import dose_deviation_reason_percent
from haictrial.clinical.recist_models import NonTargetState, Response
from haictrial.clinical.resectability import MdtDecision
from haictrial.clinical.surgery import AblationModality, ClavienDindoGrade, SurgicalApproach
from haictrial.edc.crfs.ae_entry import TERM_CHOICES as AE_TERM_CHOICES
from haictrial.edc.crfs.labels import LAB_LABELS, code_label
from haictrial.edc.trial import protocol
from haictrial.vocabulary.enums import Attribution, Drug, MutationStatus, PrimarySite, Sex
from haictrial.vocabulary.units import Analyte, accepted_units, canonical_unit

Label: TypeAlias = str | Promise  # noqa: UP040 - a lazy translation or a plain string


def _deviation_reason_label() -> str:
    """The label of a dose's deviation reason, with the threshold the edit check applies: the protocol's
    ``settings.dose_deviation_reason_percent`` (:func:`haictrial.clinical.haic_procedure.needs_deviation_reason`),
    so that the label and the rule cannot disagree."""
    percent = dose_deviation_reason_percent(protocol())
    return gettext("Reason for a deviation over %(percent)s %%") % {"percent": f"{percent:g}"}


#: Evaluated when a page renders (in its language, with the protocol in force), not at import.
DEVIATION_REASON_LABEL: Label = lazy(_deviation_reason_label, str)()


def _soc_label(soc: str) -> str:
    """A CTCAE v5.0 system organ class as the drop-down shows it: its MedDRA Chinese name first in zh-Hans
    (:mod:`haictrial.clinical.ctcae_names_zh`), the English class beside it (the stored value); English alone."""
    name = SYSTEM_ORGAN_CLASS_NAMES_ZH.get(soc) if (get_language() or "").lower().startswith("zh") else None
    return f"{name}（{soc}）" if name else soc


#: system organ class -> its drop-down label, evaluated in the page's language.
SOC_LABELS: dict[str, Label] = {soc: lazy(_soc_label, str)(soc) for soc in CTCAE_SYSTEM_ORGAN_CLASSES}


@dataclass(frozen=True)
class Field:
    """One input. ``kind``: date, datetime, int, float, text, textarea, choice, intchoice, bool, check, multi,
    lab (value and unit), intlist (comma-separated whole numbers)."""

    path: str
    label: Label
    kind: str = "text"
    choices: tuple[tuple[str, Label], ...] = ()
    readonly: bool = False
    help: Label = ""
    datalist: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rows:
    """A repeating part (a list in the payload): existing rows plus ``extra`` blank ones.

    ``none_label``: a checkbox meaning "none" (the empty list), for lists where null means "not yet recorded".
    """

    path: str
    label: Label
    fields: tuple[Field | Rows, ...]
    extra: int = 1
    none_label: Label = ""


@dataclass(frozen=True)
class Section:
    title: Label
    items: tuple[Field | Rows, ...]


@dataclass(frozen=True)
class Layout:
    form: FormName
    sections: tuple[Section, ...]
    extra: dict[str, Any] = field(default_factory=dict)


def choices(enum: type[Enum], labels: dict[str, Label] | None = None) -> tuple[tuple[str, Label], ...]:
    """(code, label) pairs of an enum: ``labels`` first, then the shared code labels (crfs.labels)."""
    return tuple((str(m.value), (labels or {}).get(str(m.value), code_label(str(m.value)))) for m in enum)


YES_NO = (("true", _("yes")), ("false", _("no")))
#: CT morphology groups of Chun et al. (JAMA 2009;302:2338): 1 homogeneous, thin sharp interface; 3 heterogeneous, thick.
MORPHOLOGY = (("1", "1"), ("2", "2"), ("3", "3"))
SEGMENTS = choices(CouinaudSegment)
# Lab labels are the screening form's, so one laboratory test reads the same on every page.
SEX = choices(Sex, {"male": _("male"), "female": _("female")})
MUTATION = choices(MutationStatus, {"wild_type": _("wild type"), "mutant": _("mutant"), "unknown": _("unknown")})
ATTRIBUTION_LEVELS = choices(
    Attribution,
    {
        "unrelated": _("unrelated"),
        "unlikely": _("unlikely"),
        "possible": _("possible"),
        "probable": _("probable"),
        "definite": _("definite"),
    },
)


def lab_unit_choices(analyte: Analyte) -> tuple[tuple[str, Label], ...]:
    units = [canonical_unit(analyte), *[u for u in accepted_units(analyte) if u != canonical_unit(analyte)]]
    return tuple((u, u) for u in units)


def _lab(prefix: str, analyte: Analyte) -> Field:
    return Field(f"{prefix}.{analyte.value}", LAB_LABELS[analyte], "lab", choices=lab_unit_choices(analyte))


BASELINE = Layout(
    FormName.baseline,
    (
        Section(_("Visit"), (Field("visit_date", _("Visit date"), "date"),)),
        Section(
            _("Demographics"),
            (
                Field("demographics.birth_date", _("Birth date"), "date"),
                Field("demographics.sex", _("Sex"), "choice", SEX),
                Field("demographics.height_cm", _("Height (cm)"), "float"),
                Field("demographics.weight_kg", _("Weight (kg)"), "float"),
            ),
        ),
        Section(
            _("Primary tumour"),
            (
                Field("primary_tumour.site", _("Primary tumour site"), "choice", choices(PrimarySite)),
                Field("primary_tumour.resected", _("Primary resected"), "bool", YES_NO),
                Field("primary_tumour.resection_date", _("Primary resection date"), "date"),
                Field("primary_tumour.histology", _("Histology"), "choice", choices(Histology)),
                Field("primary_tumour.histology_other", _("Histology, if other")),
            ),
        ),
        Section(
            _("Molecular profile"),
            (
                Field("molecular.kras", _("KRAS"), "choice", MUTATION),
                Field("molecular.nras", _("NRAS"), "choice", MUTATION),
                Field("molecular.braf", _("BRAF V600E"), "choice", MUTATION),
                Field("molecular.msi", _("MSI status"), "choice", choices(MsiStatus)),
            ),
        ),
        Section(
            _("Tumour markers"),
            (
                Field("tumour_markers.date", _("Tumour marker date"), "date"),
                Field("tumour_markers.cea_ng_per_ml", _("CEA (ng/mL)"), "float"),
                Field("tumour_markers.ca19_9_u_per_ml", _("CA 19-9 (U/mL)"), "float"),
            ),
        ),
        Section(
            _("Liver lesions at baseline imaging (RECIST 1.1)"),
            (
                Field("baseline_imaging_date", _("Baseline imaging date"), "date"),
                Field("baseline_imaging_modality", _("Imaging modality"), "choice", choices(ImagingModality)),
                Rows(
                    "lesions",
                    _("Lesions"),
                    (
                        Field("id", _("Lesion id")),
                        Field("organ", _("Organ"), help=_("liver unless stated")),
                        Field("segments", _("Couinaud segments"), "multi", SEGMENTS),
                        Field("lymph_node", _("Lymph node"), "check"),
                        Field("longest_diameter_mm", _("Longest diameter (mm)"), "float"),
                        Field(
                            "role",
                            _("RECIST role"),
                            "choice",
                            choices(RecistRole, {"target": _("target"), "non_target": _("non-target")}),
                        ),
                        Field("morphology_group", _("CT morphology group (Chun, 1-3)"), "intchoice", MORPHOLOGY),
                    ),
                    extra=3,
                ),
            ),
        ),
        Section(
            _("Comorbidities and function"),
            (
                Rows(
                    "comorbidities",
                    _("Comorbidities"),
                    (
                        Field("category", _("Comorbidity"), "choice", choices(ComorbidityCategory)),
                        Field("verbatim", _("Verbatim term")),
                        Field("ongoing", _("Ongoing"), "bool", YES_NO),
                    ),
                    extra=2,
                    none_label=_("No comorbidities"),
                ),
                Field(
                    "ecog", _("ECOG performance status (0-4)"), "intchoice", tuple((str(i), str(i)) for i in range(5))
                ),
                Field("lvef_percent", _("LVEF (%)"), "float"),
                Field("spirometry.date", _("Spirometry date"), "date"),
                Field("spirometry.fev1_l", _("FEV1 (L)"), "float"),
                Field("spirometry.fvc_l", _("FVC (L)"), "float"),
            ),
        ),
    ),
)

HAIC_DRUG_CHOICES = tuple(
    (d.value, code_label(d.value)) for d in (Drug.oxaliplatin, Drug.leucovorin, Drug.fluorouracil)
)

HAIC_CYCLE = Layout(
    FormName.haic_cycle,
    (
        Section(
            _("Admission"),
            (
                Field("cycle", _("Cycle number"), "int"),
                Field("admission_date", _("Admission date"), "date"),
                Field("discharge_date", _("Discharge date"), "date"),
            ),
        ),
        Section(
            _("Procedure"),
            (
                Field("procedure.access_site", _("Arterial access"), "choice", choices(AccessSite)),
                Field("procedure.sheath_fr", _("Sheath (F)"), "float", help=_("protocol: 5 F")),
                Field("procedure.catheter_fr", _("Catheter (F)"), "float", help=_("protocol: 3.5 F")),
                Field("procedure.coeliac_trunk_angiography", _("Coeliac trunk angiography"), "bool", YES_NO),
                Field("procedure.sma_angiography", _("SMA angiography"), "bool", YES_NO),
                Field("procedure.microcatheter_fr", _("Microcatheter (F)"), "float", help=_("protocol: 2.7 F")),
                Field(
                    "procedure.microcatheter_position",
                    _("Microcatheter position"),
                    "choice",
                    choices(MicrocatheterPosition),
                ),
                Rows(
                    "procedure.collaterals",
                    _("Extra-hepatic collaterals"),
                    (
                        Field("vessel", _("Vessel"), "choice", choices(CollateralVessel)),
                        Field("vessel_other", _("Vessel, if other")),
                        Field("embolised", _("Embolised"), "bool", YES_NO),
                        Field("embolic_agents", _("Embolic agent"), "multi", choices(EmbolicAgent)),
                    ),
                    extra=1,
                    none_label=_("No collaterals found"),
                ),
            ),
        ),
        Section(
            _("Infusion"),
            (
                Rows(
                    "infusions",
                    _("Drugs"),
                    (
                        Field("drug", _("Drug"), "choice", HAIC_DRUG_CHOICES),
                        Field("component", _("Component"), "choice", choices(InfusionComponent)),
                        Field("planned_dose_mg", _("Planned dose (mg)"), "float", readonly=True),
                        Field("planned_dose_level", _("Dose level"), "int", readonly=True),
                        Field("planned_dose_modification", _("Dose modification"), readonly=True),
                        Field("given_dose_mg", _("Given dose (mg)"), "float"),
                        Field("start_at", _("Start (site time)"), "datetime"),
                        Field("stop_at", _("Stop (site time)"), "datetime"),
                        Rows(
                            "interruptions",
                            _("Interruptions"),
                            (
                                Field("start_at", _("Interrupted at"), "datetime"),
                                Field("stop_at", _("Resumed at"), "datetime"),
                                Field("reason", _("Reason"), "choice", choices(InterruptionReason)),
                                Field("reason_other", _("Reason, if other")),
                            ),
                            extra=1,
                        ),
                        Field("deviation_reason", DEVIATION_REASON_LABEL, "textarea"),
                    ),
                    extra=0,
                ),
                Field("catheter_removed_at", _("Catheter removed at (site time)"), "datetime"),
                Rows(
                    "complications",
                    _("Procedure complications"),
                    (
                        Field("complication", _("Complication"), "choice", choices(ProcedureComplication)),
                        Field("verbatim", _("Verbatim term")),
                    ),
                    extra=1,
                    none_label=_("No complications"),
                ),
            ),
        ),
        Section(
            _("Pre-cycle laboratory values (graded with CTCAE v5.0)"),
            (Field("pre_cycle_labs.date", _("Laboratory date"), "date"), *(_lab("pre_cycle_labs", a) for a in Analyte)),
        ),
        Section(_("Weight"), (Field("weight_kg", _("Weight for the next cycle's BSA (kg)"), "float"),)),
    ),
)

TARGETED_AGENT = Layout(
    FormName.targeted_agent,
    (
        Section(
            _("Administration"),
            (
                Field(
                    "drug",
                    _("Targeted agent"),
                    "choice",
                    tuple((d.value, code_label(d.value)) for d in (Drug.bevacizumab, Drug.cetuximab)),
                ),
                Field("cycle", _("Cycle number"), "int"),
                Field("day", _("Day of the cycle"), "int"),
                Field("date", _("Date"), "date"),
                Field("planned_dose_mg", _("Planned dose (mg)"), "float", readonly=True),
                Field("given_dose_mg", _("Given dose (mg)"), "float"),
                Field("start_at", _("Start (site time)"), "datetime"),
                Field("stop_at", _("Stop (site time)"), "datetime"),
                Field("deviation_reason", DEVIATION_REASON_LABEL, "textarea"),
            ),
        ),
    ),
)


def imaging_layout(targets: list[str], non_targets: list[str]) -> Layout:
    """The imaging form for a subject: one size per baseline target, one state per baseline non-target."""
    sizes = tuple(
        Field(f"target_mm.{lesion}", _("%(lesion)s longest diameter (mm)") % {"lesion": lesion}, "float")
        for lesion in targets
    )
    states = tuple(
        Field(f"non_target.{lesion}", _("%(lesion)s state") % {"lesion": lesion}, "choice", choices(NonTargetState))
        for lesion in non_targets
    )
    morphology = tuple(
        Field(
            f"morphology.{lesion}",
            _("%(lesion)s CT morphology group (Chun, 1-3)") % {"lesion": lesion},
            "intchoice",
            MORPHOLOGY,
        )
        for lesion in [*targets, *non_targets]
    )
    return Layout(
        FormName.imaging,
        (
            Section(
                _("Assessment"),
                (
                    Field("date", _("Imaging date"), "date"),
                    Field("modality", _("Imaging modality"), "choice", choices(ImagingModality)),
                    Field("after_cycle", _("After cycle"), "int"),
                ),
            ),
            Section(_("Target lesions"), sizes),
            Section(_("Non-target lesions"), states),
            Section(_("Morphologic response (Chun)"), morphology),
            Section(
                _("New lesions"),
                (
                    Field("new_lesions", _("New lesions"), "bool", YES_NO),
                    Rows(
                        "new_lesion_details",
                        _("New lesion details"),
                        (
                            Field("organ", _("Organ")),
                            Field("segments", _("Couinaud segments"), "multi", SEGMENTS),
                            Field("longest_diameter_mm", _("Longest diameter (mm)"), "float"),
                            Field("description", _("Description")),
                        ),
                        extra=1,
                    ),
                ),
            ),
            Section(
                _("Reader's overall response (beside the measurements)"),
                (
                    Field(
                        "reader_response",
                        _("Reader's time-point response"),
                        "choice",
                        choices(Response),
                        help=_("A query is raised when it differs from the RECIST 1.1 response of the measurements."),
                    ),
                ),
            ),
            Section(
                _("Reader's response (instead of measurements)"),
                (Field("overall_response", _("Time-point response"), "choice", choices(Response)),),
            ),
        ),
        extra={"targets": targets, "non_targets": non_targets},
    )


ADVERSE_EVENT = Layout(
    FormName.adverse_events,
    (
        Section(
            _("Event"),
            (
                Field(
                    "term",
                    _("CTCAE v5.0 term"),
                    datalist=AE_TERM_CHOICES,
                    help=_("Type to choose from the CTCAE v5.0 terms; for an event without one: Other, specify."),
                ),
                Field(
                    "system_organ_class",
                    _("System organ class (CTCAE v5.0)"),
                    "choice",
                    tuple((soc, SOC_LABELS[soc]) for soc in CTCAE_SYSTEM_ORGAN_CLASSES),
                    help=_("Derived from the term; choose it for 'Other, specify'."),
                ),
                Field("verbatim", _("Verbatim term"), help=_("Required for 'Other, specify'.")),
                Field("grade", _("CTCAE grade (1-5)"), "intchoice", tuple((str(i), str(i)) for i in range(1, 6))),
                Field("onset_date", _("Onset date"), "date"),
                Field("resolution_date", _("Resolution date"), "date"),
                Field("action_taken", _("Action taken"), "choice", choices(ActionTaken)),
                Field("outcome", _("Outcome"), "choice", choices(Outcome)),
            ),
        ),
        Section(
            _("Seriousness (ICH E2A) and the SAE clock"),
            (
                Field("seriousness", _("Seriousness criteria"), "multi", choices(SeriousnessCriterion)),
                Field("aware_at", _("Site aware at (site time)"), "datetime"),
                Field("reported_at", _("Initial SAE report sent at (site time)"), "datetime"),
            ),
        ),
        Section(
            _("Attribution"),
            tuple(
                Field(f"attribution.{name}", label, "choice", ATTRIBUTION_LEVELS)
                for name, label in (
                    ("oxaliplatin", code_label("oxaliplatin")),
                    ("leucovorin", code_label("leucovorin")),
                    ("fluorouracil", code_label("fluorouracil")),
                    ("bevacizumab", code_label("bevacizumab")),
                    ("cetuximab", code_label("cetuximab")),
                    ("haic_procedure", _("HAIC procedure")),
                )
            ),
        ),
    ),
)

CONCOMITANT_MEDICATION = Layout(
    FormName.concomitant_medications,
    (
        Section(
            _("Medication"),
            (
                Field("name", _("Medication")),
                Field("indication", _("Indication")),
                Field("dose_text", _("Dose, route, frequency")),
                Field("start_date", _("Start date"), "date"),
                Field("stop_date", _("Stop date"), "date"),
                Field("ongoing", _("Ongoing"), "bool", YES_NO),
            ),
        ),
    ),
)

MDT_REVIEW = Layout(
    FormName.mdt_review,
    (
        Section(
            _("Review"),
            (
                Field("date", _("Review date"), "date"),
                Field("imaging_date", _("Date of the imaging reviewed"), "date"),
                Field(
                    "flr_percent",
                    _("Future liver remnant, FLR (%)"),
                    "float",
                    help=_("of the standardised total liver volume (CT volumetry)"),
                ),
                Field("cirrhosis", _("Cirrhosis"), "bool", YES_NO),
                Field("extensive_chemotherapy", _("Extensive chemotherapy"), "bool", YES_NO),
                Field("r0_achievable", _("R0 resection achievable"), "bool", YES_NO),
                Field("remnant_contiguous_segments", _("Contiguous segments spared (number)"), "int"),
                Field("remnant_inflow_preserved", _("Remnant inflow preserved"), "bool", YES_NO),
                Field("remnant_outflow_preserved", _("Remnant outflow preserved"), "bool", YES_NO),
                Field("remnant_biliary_drainage_preserved", _("Remnant biliary drainage preserved"), "bool", YES_NO),
                Field("portal_vein_embolisation_planned", _("Portal vein embolisation planned"), "bool", YES_NO),
                Field("two_stage_hepatectomy_planned", _("Two-stage hepatectomy planned"), "bool", YES_NO),
            ),
        ),
        Section(
            _("Decision"),
            (
                Field(
                    "decision",
                    _("MDT decision"),
                    "choice",
                    choices(
                        MdtDecision,
                        {
                            "resect": _("resect"),
                            "continue_conversion": _("continue conversion therapy"),
                            "not_resectable": _("not resectable"),
                        },
                    ),
                ),
                Field("reason", _("Reason"), "textarea"),
            ),
        ),
    ),
)

RESECTION = Layout(
    FormName.resection,
    (
        Section(
            _("Operation"),
            (
                Field("date", _("Operation date"), "date"),
                Field("approach", _("Approach"), "choice", choices(SurgicalApproach)),
                Field("converted_to_open", _("Converted to open"), "bool", YES_NO),
                Field("stage", _("Stage of a two-stage hepatectomy (1 or 2)"), "int"),
                Field("segments_resected", _("Segments resected"), "multi", SEGMENTS),
                Field("anatomical", _("Anatomical resection"), "bool", YES_NO),
                Field("ablation", _("Ablation added"), "bool", YES_NO),
                Field("ablation_modality", _("Ablation modality"), "choice", choices(AblationModality)),
                Field("ablated_lesions", _("Ablated lesions (number)"), "int"),
                Field("macroscopic_residual", _("Macroscopic residual tumour (R2)"), "bool", YES_NO),
            ),
        ),
        Section(
            _("Pathology"),
            (
                Field("pathology.lesions_resected", _("Lesions resected (number)"), "int"),
                Field("pathology.largest_lesion_mm", _("Largest lesion (mm)"), "float"),
                Field("pathology.margin_mm", _("Closest margin (mm)"), "float", help=_("R0: 1 mm or more")),
                Field("pathology.lesion_trgs", _("TRG of each lesion (1-5, comma separated)"), "intlist"),
            ),
        ),
        Section(
            _("Postoperative complications (Clavien-Dindo)"),
            (
                Rows(
                    "complications",
                    _("Complications"),
                    (
                        Field("description", _("Complication")),
                        Field("grade", _("Clavien-Dindo grade"), "choice", choices(ClavienDindoGrade)),
                        Field("onset_date", _("Onset date"), "date"),
                    ),
                    extra=1,
                    none_label=_("No complications"),
                ),
            ),
        ),
    ),
)

FOLLOW_UP = Layout(
    FormName.follow_up,
    (
        Section(
            _("Contact"),
            (
                Field("date", _("Follow-up date"), "date"),
                Field(
                    "vital_status",
                    _("Vital status"),
                    "choice",
                    choices(VitalStatus, {"alive": _("alive"), "dead": _("dead"), "unknown": _("unknown")}),
                ),
            ),
        ),
        Section(
            _("Progression or recurrence"),
            (
                Field(
                    "disease_event",
                    _("Event"),
                    "choice",
                    choices(DiseaseEvent, {"progression": _("progression"), "recurrence": _("recurrence")}),
                ),
                Field("event_date", _("Event date"), "date"),
                Field("event_sites", _("Sites"), "multi", choices(RecurrenceSite)),
                Field("event_site_other", _("Site, if other")),
            ),
        ),
        Section(
            _("Subsequent therapy"),
            (
                Rows(
                    "subsequent_therapies",
                    _("Subsequent therapies"),
                    (
                        Field("type", _("Therapy"), "choice", choices(SubsequentTherapyType)),
                        Field("start_date", _("Start date"), "date"),
                        Field("description", _("Description")),
                    ),
                    extra=1,
                ),
            ),
        ),
        Section(
            _("Death"),
            (
                Field("death_date", _("Death date"), "date"),
                Field("death_cause", _("Cause of death"), "choice", choices(DeathCause)),
                Field("death_cause_text", _("Cause of death, in words"), "textarea"),
            ),
        ),
    ),
)

END_OF_STUDY = Layout(
    FormName.end_of_study,
    (
        Section(
            _("End of study"),
            (
                Field("date", _("End of study date"), "date"),
                Field("reason", _("Reason"), "choice", choices(EndOfStudyReason)),
                Field("reason_text", _("Reason, in words"), "textarea"),
                Field("death_date", _("Death date"), "date"),
            ),
        ),
    ),
)

_STATIC: dict[FormName, Layout] = {
    layout.form: layout
    for layout in (
        BASELINE,
        HAIC_CYCLE,
        TARGETED_AGENT,
        ADVERSE_EVENT,
        CONCOMITANT_MEDICATION,
        MDT_REVIEW,
        RESECTION,
        FOLLOW_UP,
        END_OF_STUDY,
    )
}


def layout_for(form: FormName, baseline_lesions: list[dict[str, Any]] | None = None) -> Layout:
    """The layout of ``form``; the imaging form needs the subject's baseline lesions (payload dicts)."""
    if form == FormName.imaging:
        lesions = baseline_lesions or []
        return imaging_layout(
            [str(x["id"]) for x in lesions if x.get("role") == "target"],
            [str(x["id"]) for x in lesions if x.get("role") == "non_target"],
        )
    return _STATIC[form]
