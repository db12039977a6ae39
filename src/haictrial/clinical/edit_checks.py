"""Edit checks of the CHALLENGE-A1 eCRFs, declared in one place (:data:`EDIT_CHECKS`) as rule objects.

The validator pattern (docs/architecture.md): every check has an ``id``, the ``form`` and ``field`` it targets, a
``message``, a ``severity`` and a ``reference``, and ``evaluate(context) -> list[EditCheckFinding]``
(the rule classes are in :mod:`haictrial.clinical.edit_check_rules`). :func:`run_edit_checks` runs them
all over one subject's :class:`~haictrial.clinical.crf_models.SubjectForms` and returns every finding at
once; the EDC turns each finding into an open query on that field.

Severity: ``error`` for a missing required value or data that contradict each other or the calendar
(the form cannot be signed as is); ``warning`` for a value outside its plausible range or a deviation
from the protocol's schedule, to be confirmed or corrected.

What is checked:

- required fields per form (:data:`REQUIRED_FIELDS`), and conditional ones (margin unless R2, death
  date when dead, ...);
- ranges with units: weight 25-250 kg and height 100-250 cm (the dosing limits of
  :mod:`haictrial.clinical.bsa`, docs/contracts/plan.md); laboratory plausibility in SI
  (:data:`LAB_PLAUSIBLE_SI`, converted by :mod:`haictrial.vocabulary.units`);
- dates not in the future (every date and date-time of every form, in the site's time zone);
- cross-form rules: treatment on or after enrolment; resection after enrolment and after an MDT decision
  to resect; death last (no visit, treatment or assessment after the death date) and one death date;
  a dose more than ``dose_deviation_reason_percent`` (10 %) off the plan needs a reason; HAIC admissions
  and imaging dates increasing; targeted agent on the protocol's days and as the protocol's rule chooses;
  RECIST 1.1 consistency of the imaging with the baseline lesions, the reader's response beside the
  measurements agreeing with the engine's time-point response (:mod:`haictrial.clinical.edit_check_reader`); procedure complications reported as
  adverse events; Clavien-Dindo V needs a death date; MDT decision consistent with the technical
  resectability criteria (Adams et al. 2013).

Public names
------------
- :func:`run_edit_checks(forms, protocol, today) -> list[EditCheckFinding]`; :func:`site_today(protocol, now)`.
- :data:`EDIT_CHECKS`, :data:`REQUIRED_FIELDS`, :data:`LAB_PLAUSIBLE_SI`, :func:`check_by_id(id) -> EditCheck`.
- Re-exported from :mod:`haictrial.clinical.edit_check_rules`: :class:`EditCheckFinding`, :class:`Severity`,
  :class:`EditCheck`, :class:`EditCheckContext`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from haictrial.clinical.bsa import HEIGHT_CM_RANGE, WEIGHT_KG_RANGE
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_models import SubjectForms
from haictrial.clinical.edit_check_reader import ReaderResponseAgrees
from haictrial.clinical.edit_check_rules import (
    AfterEnrolment,
    ClavienVNeedsDeath,
    ComplicationReportedAsAdverseEvent,
    CycleInterval,
    CycleOrder,
    CycleSequence,
    DeathDatesAgree,
    DoseDeviationReason,
    EditCheck,
    EditCheckContext,
    EditCheckFinding,
    EndOfStudyDeath,
    ImagingModalitySame,
    ImagingOrder,
    LabPlausibility,
    LabsBeforeInfusion,
    MdtConsistency,
    NothingAfterDeath,
    NotInFuture,
    RangeCheck,
    RecistConsistency,
    RequiredField,
    ResectionAfterMdtDecision,
    Severity,
    run_checks,
)
from haictrial.clinical.edit_check_targeted import TargetedAgentChoice, TargetedAgentDate, TargetedAgentDay
from haictrial.clinical.follow_up import EndOfStudyReason, VitalStatus
from haictrial.clinical.limits import LAB_LIMITS_SI
from haictrial.clinical.messages import N_
from haictrial.errors import ProtocolError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.units import Analyte

# --- reference data ---------------------------------------------------------------------------------

#: Required fields per form. ``[]`` expands a list (every infusion needs its given dose); a final ``+``
#: asks for at least one entry. A list without ``+`` (comorbidities, complications) may be ``[]`` for
#: "none", but not null ("not yet recorded").
REQUIRED_FIELDS: dict[FormName, tuple[str, ...]] = {
    FormName.baseline: (
        "visit_date",
        "demographics.birth_date",
        "demographics.sex",
        "demographics.height_cm",
        "demographics.weight_kg",
        "primary_tumour.site",
        "primary_tumour.resected",
        "primary_tumour.histology",
        "molecular.kras",
        "molecular.nras",
        "molecular.braf",
        "molecular.msi",
        "tumour_markers.date",
        "tumour_markers.cea_ng_per_ml",
        "tumour_markers.ca19_9_u_per_ml",
        "baseline_imaging_date",
        "baseline_imaging_modality",
        "lesions+",
        "comorbidities",
        "ecog",
        "lvef_percent",
        "spirometry.fev1_l",
        "spirometry.fvc_l",
    ),
    FormName.haic_cycle: (
        "admission_date",
        "procedure.access_site",
        "procedure.microcatheter_position",
        "procedure.collaterals",
        "infusions+",
        "infusions[].planned_dose_mg",
        "infusions[].given_dose_mg",
        "infusions[].start_at",
        "infusions[].stop_at",
        "catheter_removed_at",
        "complications",
        "pre_cycle_labs.date",
        "pre_cycle_labs.wbc",
        "pre_cycle_labs.neutrophils",
        "pre_cycle_labs.platelets",
        "pre_cycle_labs.hemoglobin",
        "pre_cycle_labs.total_bilirubin",
        "pre_cycle_labs.alt",
        "pre_cycle_labs.ast",
        "pre_cycle_labs.creatinine",
        "weight_kg",
    ),
    FormName.targeted_agent: ("date", "planned_dose_mg", "given_dose_mg"),
    FormName.imaging: ("date", "modality"),
    FormName.concomitant_medications: ("indication", "start_date"),
    FormName.mdt_review: ("date", "flr_percent", "r0_achievable", "decision", "reason"),
    FormName.resection: (
        "date",
        "approach",
        "segments_resected+",
        "anatomical",
        "ablation",
        "macroscopic_residual",
        "pathology.lesion_trgs+",
        "complications",
    ),
    FormName.follow_up: ("date", "vital_status"),
    FormName.end_of_study: ("date", "reason"),
}

#: Laboratory plausibility limits in SI (canonical units of :mod:`haictrial.vocabulary.units`), from the one table
#: of limits (:data:`haictrial.clinical.limits.LAB_LIMITS_SI`). Not reference ranges: abnormal values are graded
#: by CTCAE v5.0. Entry refuses a value outside them; this check queries a record stored before a limit changed.
LAB_PLAUSIBLE_SI: dict[Analyte, tuple[float, float]] = {
    analyte: (limit.low, limit.high) for analyte, limit in LAB_LIMITS_SI.items()
}

_PLAN = "docs/contracts/plan.md; haictrial.clinical.bsa (dosing limits)"
_DATA = "haictrial data-management plausibility limits (LAB_PLAUSIBLE_SI), SI via haictrial.vocabulary.units"
_RECIST = "RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228 (doi:10.1016/j.ejca.2008.10.026)"
_REGIMEN = "CHALLENGE-A1 (NCT06988852) protocol regimen and schedule"
_DEVIATION = "protocol setting dose_deviation_reason_percent; HOPA, J Oncol Pract 2018 (doi:10.1200/JOP.2017.025411)"
_DATED: dict[FormName, tuple[str, ...]] = {
    FormName.baseline: ("visit_date",),
    FormName.haic_cycle: ("admission_date",),
    FormName.targeted_agent: ("date",),
    FormName.imaging: ("date",),
    FormName.adverse_events: ("onset_date",),
    FormName.concomitant_medications: ("start_date",),
    FormName.mdt_review: ("date",),
    FormName.resection: ("date",),
    FormName.follow_up: ("date",),
}


def _is(attribute: str, value: Any) -> Callable[[Any], bool]:
    def test(record: Any) -> bool:
        return bool(getattr(record, attribute, None) == value)

    return test


def _required() -> list[EditCheck]:
    checks: list[EditCheck] = []
    for form, fields in REQUIRED_FIELDS.items():
        for entry in fields:
            name = entry.removesuffix("+")
            checks.append(
                RequiredField(
                    id=f"REQ-{form.value}-{name.replace('[]', '')}",
                    form=form,
                    field=name,
                    non_empty=entry.endswith("+"),
                    message=N_("required: at least one") if entry.endswith("+") else N_("required"),
                    reference="CHALLENGE-A1 eCRF specification (clinical/crf_models.py: required fields)",
                )
            )
    conditional = [
        (
            FormName.resection,
            "pathology.margin_mm",
            _is("macroscopic_residual", False),
            N_("closest margin needed to classify R0/R1"),
        ),
        (
            FormName.follow_up,
            "death_date",
            _is("vital_status", VitalStatus.dead),
            N_("vital status is dead: give the date of death"),
        ),
        (
            FormName.follow_up,
            "death_cause",
            _is("vital_status", VitalStatus.dead),
            N_("vital status is dead: give the cause"),
        ),
        (
            FormName.follow_up,
            "event_date",
            lambda r: r.disease_event is not None,
            N_("give the date of the progression or recurrence"),
        ),
        (
            FormName.follow_up,
            "event_sites+",
            lambda r: r.disease_event is not None,
            N_("give the site(s) of the progression or recurrence"),
        ),
        (
            FormName.end_of_study,
            "death_date",
            _is("reason", EndOfStudyReason.death),
            N_("reason is death: give the date of death"),
        ),
        (
            FormName.imaging,
            "new_lesions",
            lambda r: r.overall_response is None,
            N_("true or false (RECIST 1.1 section 4.3.4)"),
        ),
    ]
    for form, entry, when, message in conditional:
        name = entry.removesuffix("+")
        checks.append(
            RequiredField(
                id=f"REQ-{form.value}-{name}-if",
                form=form,
                field=name,
                non_empty=entry.endswith("+"),
                message=message,
                when=when,
                reference="CHALLENGE-A1 eCRF specification (clinical/crf_models.py: conditional fields)",
            )
        )
    return checks


def _ranges() -> list[EditCheck]:
    checks: list[EditCheck] = [
        RangeCheck(
            id="RNG-baseline-weight_kg",
            form=FormName.baseline,
            field="demographics.weight_kg",
            low=WEIGHT_KG_RANGE[0],
            high=WEIGHT_KG_RANGE[1],
            unit="kg",
            message=N_("check the weight and its unit (kg, not lb)"),
            reference=_PLAN,
        ),
        RangeCheck(
            id="RNG-baseline-height_cm",
            form=FormName.baseline,
            field="demographics.height_cm",
            low=HEIGHT_CM_RANGE[0],
            high=HEIGHT_CM_RANGE[1],
            unit="cm",
            message=N_("check the height and its unit (cm, not inches or m)"),
            reference=_PLAN,
        ),
        RangeCheck(
            id="RNG-haic_cycle-weight_kg",
            form=FormName.haic_cycle,
            field="weight_kg",
            low=WEIGHT_KG_RANGE[0],
            high=WEIGHT_KG_RANGE[1],
            unit="kg",
            message=N_("check the weight and its unit (kg, not lb): the next cycle's BSA uses it"),
            reference=_PLAN,
        ),
    ]
    for analyte, (low, high) in LAB_PLAUSIBLE_SI.items():
        checks.append(
            LabPlausibility(
                id=f"LAB-haic_cycle-{analyte.value}",
                form=FormName.haic_cycle,
                field=f"pre_cycle_labs.{analyte.value}",
                analyte=analyte,
                low_si=low,
                high_si=high,
                message=N_("implausible: check the value and its unit"),
                reference=_DATA,
            )
        )
    return checks


def _calendar() -> list[EditCheck]:
    checks: list[EditCheck] = [
        NotInFuture(
            id=f"FUT-{form.value}",
            form=form,
            field="",
            message=N_("a date cannot be in the future"),
            reference="ICH E6(R2) 4.9.0 (ALCOA: accurate, contemporaneous)",
        )
        for form in FormName
    ]
    for form, fields in _DATED.items():
        for name in fields:
            checks.append(
                NothingAfterDeath(
                    id=f"XF-death-last-{form.value}",
                    form=form,
                    field=name,
                    message=N_("nothing happens after the death date; check both dates"),
                    exempt=_is("vital_status", VitalStatus.dead) if form == FormName.follow_up else None,
                    reference="CHALLENGE-A1 cross-form rule: death is the last event (clinical/follow_up.py)",
                )
            )
    return checks


def _cross_form() -> list[EditCheck]:
    return [
        AfterEnrolment(
            id="XF-haic-after-enrolment",
            form=FormName.haic_cycle,
            field="admission_date",
            message=N_("study treatment starts on or after enrolment"),
            reference=_REGIMEN,
        ),
        AfterEnrolment(
            id="XF-targeted-after-enrolment",
            form=FormName.targeted_agent,
            field="date",
            message=N_("study treatment starts on or after enrolment"),
            reference=_REGIMEN,
        ),
        AfterEnrolment(
            id="XF-resection-after-enrolment",
            form=FormName.resection,
            field="date",
            strict=True,
            message=N_("the conversion resection comes after enrolment"),
            reference="NCT06988852 primary endpoint (conversion to R0 resection)",
        ),
        AfterEnrolment(
            id="XF-ae-after-enrolment",
            form=FormName.adverse_events,
            field="onset_date",
            severity=Severity.warning,
            message=N_("an event before enrolment is medical history, not an adverse event"),
            reference="ICH E2A section II.A (adverse event during the study)",
        ),
        ResectionAfterMdtDecision(
            id="XF-resection-after-mdt",
            form=FormName.resection,
            field="date",
            message=N_("a resection follows an MDT decision to resect"),
            reference="NCT06988852 intervention 'Liver resection' (MDT judges R0-resectable)",
        ),
        DeathDatesAgree(
            id="XF-death-dates-agree",
            form=FormName.follow_up,
            field="death_date",
            message=N_("one subject has one date of death"),
            reference="CHALLENGE-A1 cross-form rule: death is the last event (clinical/follow_up.py)",
        ),
        EndOfStudyDeath(
            id="XF-eos-death",
            form=FormName.end_of_study,
            field="reason",
            message=N_("a subject who died ends the study for the reason 'death'"),
            reference="CHALLENGE-A1 end of study (clinical/follow_up.py)",
        ),
        ClavienVNeedsDeath(
            id="XF-clavien-v-death",
            form=FormName.resection,
            field="complications[].grade",
            message=N_(
                "Clavien-Dindo grade V is the death of the patient: record the death (follow-up or end of study)"
            ),
            reference="Dindo et al., Ann Surg 2004;240:205 (doi:10.1097/01.sla.0000133083.54934.ae)",
        ),
        DoseDeviationReason(
            id="XF-haic-dose-deviation-reason",
            form=FormName.haic_cycle,
            field="infusions[].deviation_reason",
            message=N_("give the reason for the dose deviation"),
            reference=_DEVIATION,
        ),
        DoseDeviationReason(
            id="XF-targeted-dose-deviation-reason",
            form=FormName.targeted_agent,
            field="deviation_reason",
            message=N_("give the reason for the dose deviation"),
            reference=_DEVIATION,
        ),
        CycleOrder(
            id="XF-cycle-dates-increasing",
            form=FormName.haic_cycle,
            field="admission_date",
            message=N_("cycles are numbered once and admitted in order"),
            reference=_REGIMEN,
        ),
        CycleSequence(
            id="XF-cycle-sequence",
            form=FormName.haic_cycle,
            field="cycle",
            message=N_("record every cycle"),
            reference=_REGIMEN,
        ),
        CycleInterval(
            id="XF-cycle-interval",
            form=FormName.haic_cycle,
            field="admission_date",
            message=N_("earlier than the 21-day cycle and its window allow"),
            reference="protocol regimen.cycle_length_days and schedule.haic_window_days",
        ),
        LabsBeforeInfusion(
            id="XF-labs-before-infusion",
            form=FormName.haic_cycle,
            field="pre_cycle_labs.date",
            message=N_("pre-cycle labs are drawn before the infusion"),
            reference="protocol settings.dose_modification (decided on the pre-cycle labs)",
        ),
        ComplicationReportedAsAdverseEvent(
            id="XF-complication-ae",
            form=FormName.haic_cycle,
            field="complications",
            message=N_("report each procedure complication as an adverse event attributed to the HAIC procedure"),
            reference="CTCAE v5.0; ICH E2A",
        ),
        TargetedAgentDay(
            id="XF-targeted-day",
            form=FormName.targeted_agent,
            field="day",
            message=N_("check the day of the cycle"),
            reference="protocol regimen.bevacizumab.days, settings.cetuximab_days",
        ),
        TargetedAgentDate(
            id="XF-targeted-date",
            form=FormName.targeted_agent,
            field="date",
            message=N_("check the date against the cycle's admission"),
            reference="protocol schedule.haic_window_days, settings.cetuximab_days",
        ),
        TargetedAgentChoice(
            id="XF-targeted-choice",
            form=FormName.targeted_agent,
            field="drug",
            message=N_("document why another agent was given"),
            reference="NCT06988852 arm; protocol targeted_agent (haictrial.clinical.regimen)",
        ),
        ImagingOrder(
            id="XF-imaging-dates-increasing",
            form=FormName.imaging,
            field="date",
            message=N_("imaging assessments follow the baseline, one per date, in order"),
            reference=_RECIST,
        ),
        ImagingModalitySame(
            id="XF-imaging-modality",
            form=FormName.imaging,
            field="modality",
            message=N_("RECIST 1.1 (section 3.2) asks for the same modality as at baseline"),
            reference=_RECIST,
        ),
        RecistConsistency(
            id="XF-recist",
            form=FormName.imaging,
            field="target_mm",
            message=N_("imaging inconsistent with the baseline lesions"),
            reference=_RECIST,
        ),
        ReaderResponseAgrees(
            id="XF-reader-response",
            form=FormName.imaging,
            field="reader_response",
            message=N_("confirm the reader's response or correct the measurements"),
            severity=Severity.warning,
            reference=_RECIST + ", section 4.3 and Table 1",
        ),
        MdtConsistency(
            id="XF-mdt-consistency",
            form=FormName.mdt_review,
            field="decision",
            message=N_("confirm the decision or correct the findings"),
            reference="Adams et al., HPB 2013;15:91-103 (doi:10.1111/j.1477-2574.2012.00557.x)",
        ),
    ]


#: Every edit check, in the order they run: required, ranges, calendar, cross-form.
EDIT_CHECKS: tuple[EditCheck, ...] = (*_required(), *_ranges(), *_calendar(), *_cross_form())

_BY_ID = {check.id: check for check in EDIT_CHECKS}
if len(_BY_ID) != len(EDIT_CHECKS):  # pragma: no cover - a declaration mistake, caught by the tests
    raise RuntimeError("edit check ids must be unique")


def check_by_id(check_id: str) -> EditCheck:
    """The edit check with ``check_id`` (KeyError when there is none)."""
    return _BY_ID[check_id]


def _zone(protocol: Protocol) -> ZoneInfo:
    name = protocol.settings.site_time_zone.value
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProtocolError(f"unknown time zone {name!r}", "settings.site_time_zone") from None


def site_today(protocol: Protocol, now: dt.datetime) -> dt.date:
    """The site's calendar date at the aware instant ``now`` (``settings.site_time_zone``): the "today" of the
    date checks. The caller reads the clock; the core never does."""
    return now.astimezone(_zone(protocol)).date()


def run_edit_checks(
    forms: SubjectForms,
    protocol: Protocol,
    today: dt.date,
    records: Mapping[FormName, frozenset[int | None]] | None = None,
) -> list[EditCheckFinding]:
    """Every finding of every edit check (:data:`EDIT_CHECKS`) for one subject's forms.

    ``protocol``: the protocol in force; ``today``: the site's date (:func:`site_today`); ``records``: limit the
    record-local checks (required fields, ranges, laboratory plausibility, dates not in the future: each
    finding depends on one record alone) to these records of each form (list index, None for a single form);
    every cross-form rule still runs over all forms. None: every record.
    """
    context = EditCheckContext(forms=forms, protocol=protocol, today=today, zone=_zone(protocol), records=records)
    return run_checks(EDIT_CHECKS, context)


__all__ = [
    "EDIT_CHECKS",
    "LAB_PLAUSIBLE_SI",
    "REQUIRED_FIELDS",
    "EditCheck",
    "EditCheckContext",
    "EditCheckFinding",
    "Severity",
    "check_by_id",
    "run_edit_checks",
]
