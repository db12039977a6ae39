"""The values derived from one subject's eCRFs, by the core's engines (no Django, no I/O).

:func:`derive` takes the subject's :class:`~haictrial.clinical.crf_models.SubjectForms` and returns, for
each record, what the core computes from it (the cycle plan with dose modification, dose deviations,
CTCAE grades of the pre-cycle labs, the RECIST 1.1 time-point response, the SAE clock, the technical
resectability criteria, the margin, extent and Clavien-Dindo grade of a resection) and, for the
subject, the RECIST 1.1 evaluation. Every value comes from a function of :mod:`haictrial.clinical`;
this module only routes the forms to them and turns their errors into messages.

The one piece of assembly done here is the dose-modification input (:func:`toxicity_history`), built
from the forms as the protocol's dose-modification rules read them: for each completed cycle k, the
worst CTCAE v5.0 grade of each term among (a) the adverse events with onset from cycle k's admission
to the day before cycle k+1's admission and (b) the CTCAE grades of cycle k+1's pre-cycle laboratory
values (the counts the next dose is decided on).

References
----------
- Protocol ``settings.dose_modification`` (rules by CTCAE v5.0 term and grade, decided on the
  toxicities of the previous cycle); :mod:`haictrial.clinical.dose_modification`.
- CTCAE v5.0 (NCI, 2017) for the laboratory terms; :mod:`haictrial.clinical.ctcae`.
- RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228); :mod:`haictrial.clinical.crf_outcome`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from haictrial.clinical.adverse_events import sae_report_due, sae_status
from haictrial.clinical.crf_baseline import planning_patient, primary_sidedness
from haictrial.clinical.crf_models import FormName, HaicCycleForm, SubjectForms
from haictrial.clinical.crf_outcome import evaluate_response
from haictrial.clinical.ctcae_soc import organ_system
from haictrial.clinical.dose_modification import (
    CycleToxicities,
    ToxicityHistory,
    ToxicityReport,
    canonical_term,
)
from haictrial.clinical.dosing import CyclePlan, plan_cycle
from haictrial.clinical.eligibility import patient_child_pugh
from haictrial.clinical.haic_procedure import (
    dose_deviations,
    grade_pre_cycle_labs,
    infusions_from_plan,
    targeted_agent_deviation,
    targeted_agent_from_plan,
)
from haictrial.clinical.patient import Patient
from haictrial.clinical.resectability import resectability_findings, technical_criteria, technically_resectable
from haictrial.clinical.surgery import histological_response, ninety_day_mortality
from haictrial.errors import DomainError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.units import LabValue

#: (form, index in SubjectForms' list; None for a single form)
RecordKey = tuple[FormName, int | None]


def _error(exc: DomainError) -> dict[str, Any]:
    return {"error": exc.message, "field": exc.field}


@dataclass
class Derived:
    """What the core computed: per record (by :data:`RecordKey`) and for the subject."""

    records: dict[RecordKey, dict[str, Any]] = field(default_factory=dict)
    subject: dict[str, Any] = field(default_factory=dict)
    #: key result per record for the indexed ``outcome_code`` column (PR, R0, resect, G3 ...)
    codes: dict[RecordKey, str] = field(default_factory=dict)


# --- dose modification input --------------------------------------------------------------------


def _cycles_by_number(forms: SubjectForms) -> dict[int, HaicCycleForm]:
    return {c.cycle: c for c in forms.haic_cycles}


def _baseline_labs(forms: SubjectForms) -> dict[str, LabValue]:
    first = _cycles_by_number(forms).get(1)
    return {name.value: lab for name, lab in first.pre_cycle_labs.reported().items()} if first else {}


def toxicity_history(forms: SubjectForms, protocol: Protocol, before_cycle: int) -> tuple[ToxicityHistory, list[str]]:
    """The completed cycles' worst grade per CTCAE term, for planning ``before_cycle`` (see module doc).

    Returns the history and the terms left out because the dose-modification engine does not know them
    (free text, not a CTCAE v5.0 term): they are shown, never silently used.
    """
    cycles = _cycles_by_number(forms)
    sex = forms.baseline.demographics.sex if forms.baseline else None
    baseline = _baseline_labs(forms)
    ignored: list[str] = []
    entries: list[CycleToxicities] = []
    for number in sorted(n for n in cycles if n < before_cycle):
        start = cycles[number].admission_date
        if start is None:
            continue
        following = cycles.get(number + 1)
        end = following.admission_date if following is not None else None
        worst: dict[str, int] = {}
        for event in forms.adverse_events:
            if event.onset_date < start or (end is not None and event.onset_date >= end):
                continue
            try:
                term = canonical_term(event.term, protocol)
            except DomainError:
                ignored.append(event.term)
                continue
            worst[term] = max(worst.get(term, 0), event.grade)
        if following is not None and number + 1 <= before_cycle:
            try:
                graded = grade_pre_cycle_labs(following, protocol, sex=sex, baseline=baseline)
            except DomainError:
                graded = None
            if graded is not None:
                for term, grade in graded.worst.items():
                    if int(grade) >= 1:
                        worst[term.value] = max(worst.get(term.value, 0), int(grade))
        entries.append(
            CycleToxicities(
                cycle=number, toxicities=[ToxicityReport(term=t, grade=g) for t, g in sorted(worst.items())]
            )
        )
    return ToxicityHistory(subject_id=forms.subject_id, cycles=entries), ignored


def planning_input(forms: SubjectForms, cycle: int, screening_patient: Patient) -> Patient:
    """The planning engine's patient for ``cycle``: the baseline form (else the screening document), with
    the weight recorded at the previous cycle when there is one (the next cycle's BSA uses it)."""
    previous = _cycles_by_number(forms).get(cycle - 1)
    weight = previous.weight_kg if previous is not None else None
    baseline = forms.baseline
    if baseline is not None and baseline.demographics.height_cm and baseline.demographics.weight_kg:
        return planning_patient(baseline, weight_kg=weight, subject_id=forms.subject_id)
    update: dict[str, Any] = {"subject_id": forms.subject_id}
    if weight is not None:
        update["weight_kg"] = weight
    return screening_patient.model_copy(update=update)


def plan_for_cycle(
    forms: SubjectForms, protocol: Protocol, cycle: int, screening_patient: Patient
) -> tuple[CyclePlan, list[str]]:
    """:func:`haictrial.clinical.dosing.plan_cycle` for ``cycle`` with the toxicities of the earlier cycles."""
    history, ignored = toxicity_history(forms, protocol, cycle)
    plan = plan_cycle(planning_input(forms, cycle, screening_patient), protocol, cycle, toxicity_history=history)
    return plan, ignored


def prefill(forms: SubjectForms, protocol: Protocol, cycle: int, screening_patient: Patient) -> dict[str, Any]:
    """A new HAIC cycle's payload with the planned doses (and the targeted-agent rows) from the plan."""
    plan, ignored = plan_for_cycle(forms, protocol, cycle, screening_patient)
    return {
        "haic_cycle": {
            "cycle": cycle,
            "infusions": [i.model_dump(mode="json", exclude_none=True) for i in infusions_from_plan(plan)],
        },
        "targeted_agent": [a.model_dump(mode="json", exclude_none=True) for a in targeted_agent_from_plan(plan)],
        "plan": plan.as_contract(),
        "ignored_terms": ignored,
    }


# --- per form --------------------------------------------------------------------------------------


def _derive_baseline(forms: SubjectForms, protocol: Protocol, screening_patient: Patient, out: Derived) -> None:
    baseline = forms.baseline
    if baseline is None:
        return
    # The baseline eCRF has no liver-function fields: its Child-Pugh score is the enrolment screening's
    # (Pugh RNH et al., Br J Surg 1973;60:646-649), with the points of each component.
    child_pugh, child_pugh_missing = patient_child_pugh(screening_patient)
    values: dict[str, Any] = {
        "target_lesions": len(baseline.target_lesions),
        "non_target_lesions": len(baseline.non_target_lesions),
        "fev1_fvc_percent": baseline.spirometry.fev1_fvc_percent,
        "child_pugh": child_pugh.model_dump(mode="json") if child_pugh else None,
        "child_pugh_missing": child_pugh_missing,
    }
    site = baseline.primary_tumour.site
    if site is not None:
        try:
            values["sidedness"] = primary_sidedness(site, protocol).value
        except DomainError as exc:
            values["sidedness"] = _error(exc)
    out.records[(FormName.baseline, None)] = values


def _derive_cycles(forms: SubjectForms, protocol: Protocol, screening_patient: Patient, out: Derived) -> None:
    sex = forms.baseline.demographics.sex if forms.baseline else None
    baseline_labs = _baseline_labs(forms)
    plans: dict[int, CyclePlan] = {}
    for index, cycle in enumerate(forms.haic_cycles):
        values: dict[str, Any] = {}
        try:
            plan, ignored = plan_for_cycle(forms, protocol, cycle.cycle, screening_patient)
            plans[cycle.cycle] = plan
            values["plan"] = plan.as_contract()
            values["dose_modified"] = bool(plan.modifications.changes)
            values["ignored_terms"] = ignored
        except DomainError as exc:
            values["plan"] = _error(exc)
        try:
            values["deviations"] = [d.model_dump(mode="json") for d in dose_deviations(cycle, protocol)]
        except DomainError as exc:
            values["deviations"] = _error(exc)
        try:
            graded = grade_pre_cycle_labs(
                cycle, protocol, sex=sex, baseline=baseline_labs if cycle.cycle != 1 else None
            )
            contract = graded.as_contract()
            values["lab_grades"] = contract["grades"]
            values["worst_lab_grade"] = max((g["grade"] for g in contract["grades"]), default=None)
        except DomainError as exc:
            values["lab_grades"] = _error(exc)
        out.records[(FormName.haic_cycle, index)] = values
        if isinstance(values.get("worst_lab_grade"), int):
            out.codes[(FormName.haic_cycle, index)] = f"G{values['worst_lab_grade']}"
    for index, administration in enumerate(forms.targeted_agent):
        values = {}
        try:
            deviation = targeted_agent_deviation(administration, protocol)
            values["deviation"] = deviation.model_dump(mode="json") if deviation else None
        except DomainError as exc:
            values["deviation"] = _error(exc)
        cycle_plan = plans.get(administration.cycle)
        if cycle_plan is not None:
            for planned in targeted_agent_from_plan(cycle_plan):
                if planned.drug == administration.drug and planned.day == administration.day:
                    values["plan_dose_mg"] = planned.planned_dose_mg
        out.records[(FormName.targeted_agent, index)] = values


def _derive_imaging(forms: SubjectForms, protocol: Protocol, out: Derived) -> None:
    if forms.baseline is None or not forms.imaging:
        return
    try:
        result = evaluate_response(forms.subject_id, forms.baseline, forms.imaging, protocol)
    except DomainError as exc:
        out.subject["recist"] = _error(exc)
        for index in range(len(forms.imaging)):
            out.records[(FormName.imaging, index)] = {"timepoint": _error(exc)}
        return
    contract = result.as_contract()
    out.subject["recist"] = contract
    ordered = sorted(range(len(forms.imaging)), key=lambda i: forms.imaging[i].date or dt.date.min)
    for position, index in enumerate(ordered):
        timepoint = contract["timepoints"][position]
        out.records[(FormName.imaging, index)] = {
            "timepoint": timepoint,
            "best_overall_response": contract["best_overall_response"],
            "confirmed": contract["confirmed"],
            "morphologic_response": contract.get("morphologic_response"),
        }
        out.codes[(FormName.imaging, index)] = timepoint["overall_response"]


def _derive_adverse_events(forms: SubjectForms, protocol: Protocol, now: dt.datetime, out: Derived) -> None:
    for index, event in enumerate(forms.adverse_events):
        values: dict[str, Any] = {
            "serious": event.is_serious,
            # CTCAE v5.0: the pre-listed term's SOC, else the term's own, else the SOC chosen for "Other, specify".
            "soc": event.soc or organ_system(event.term) or event.system_organ_class,
            "pre_listed": event.pre_listed,
            "sae_status": sae_status(event, now, protocol).value,
        }
        if event.aware_at is not None:
            values["sae_report_due"] = sae_report_due(event.aware_at, protocol).isoformat()
        out.records[(FormName.adverse_events, index)] = values
        out.codes[(FormName.adverse_events, index)] = f"G{event.grade}" + ("S" if event.is_serious else "")


def _derive_mdt(forms: SubjectForms, out: Derived) -> None:
    for index, review in enumerate(forms.mdt_reviews):
        out.records[(FormName.mdt_review, index)] = {
            "criteria": [c.model_dump(mode="json") for c in technical_criteria(review)],
            "technically_resectable": technically_resectable(review),
            "findings": [f.model_dump(mode="json") for f in resectability_findings(review)],
        }
        if review.decision is not None:
            out.codes[(FormName.mdt_review, index)] = review.decision.value


def _last_alive(forms: SubjectForms) -> dt.date | None:
    dates = [v.date for v in forms.follow_up if v.date is not None and v.vital_status == "alive"]
    return max(dates) if dates else None


def _derive_resections(forms: SubjectForms, out: Derived) -> None:
    for index, resection in enumerate(forms.resections):
        values: dict[str, Any] = {}
        try:
            margin = resection.margin
            values["margin"] = margin.value if margin else None
        except DomainError as exc:
            values["margin"] = _error(exc)
        values["major"] = resection.major
        values["brisbane_name"] = resection.brisbane_name
        worst = resection.highest_complication
        values["highest_clavien_dindo"] = worst.value if worst else None
        trg = resection.pathology.trg
        values["trg"] = int(trg) if trg else None
        values["histological_response"] = histological_response(trg).value if trg else None
        if resection.date is not None:
            try:
                values["ninety_day_mortality"] = ninety_day_mortality(
                    resection.date, forms.death_date, _last_alive(forms)
                )
            except DomainError as exc:
                values["ninety_day_mortality"] = _error(exc)
        out.records[(FormName.resection, index)] = values
        if isinstance(values["margin"], str):
            out.codes[(FormName.resection, index)] = values["margin"]


def derive(forms: SubjectForms, protocol: Protocol, now: dt.datetime, screening_patient: Patient) -> Derived:
    """Everything the core computes from one subject's forms (see the module docstring)."""
    out = Derived()
    _derive_baseline(forms, protocol, screening_patient, out)
    _derive_cycles(forms, protocol, screening_patient, out)
    _derive_imaging(forms, protocol, out)
    _derive_adverse_events(forms, protocol, now, out)
    _derive_mdt(forms, out)
    _derive_resections(forms, out)
    for index, visit in enumerate(forms.follow_up):
        if visit.vital_status is not None:
            out.codes[(FormName.follow_up, index)] = visit.vital_status.value
    if forms.end_of_study is not None and forms.end_of_study.reason is not None:
        out.codes[(FormName.end_of_study, None)] = forms.end_of_study.reason.value
    out.subject["death_date"] = forms.death_date.isoformat() if forms.death_date else None
    return out
