"""Edit checks: every rule passes on the complete subject and fails on a subject that breaks it.

Each case names the check, the field it queries and the source of the rule: the CHALLENGE-A1 eCRF
specification, docs/contracts/plan.md (25-250 kg, 100-250 cm), protocol ``dose_deviation_reason_percent``
(10 %; HOPA, J Oncol Pract 2018, doi:10.1200/JOP.2017.025411), protocol ``regimen``/``schedule``/``settings``,
RECIST 1.1 (Eisenhauer et al. 2009, section 3.2 and 4.2), Dindo et al. 2004 (grade V = death), Adams et al.,
HPB 2013 (technical resectability), ICH E2A (adverse event during the study).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from crf_examples import TODAY, complete_subject, parse

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.edit_checks import (
    EDIT_CHECKS,
    LAB_PLAUSIBLE_SI,
    REQUIRED_FIELDS,
    EditCheckFinding,
    Severity,
    check_by_id,
    run_edit_checks,
)
from haictrial.protocol import load_protocol
from haictrial.vocabulary.units import Analyte, canonical_unit

PROTOCOL = load_protocol()
Document = dict[str, Any]


def findings(document: Document, protocol=PROTOCOL, today: dt.date = TODAY) -> list[EditCheckFinding]:
    return run_edit_checks(parse(document), protocol, today=today)


def found(document: Document, **kwargs) -> set[tuple[str, str]]:
    return {(f.check_id, f.path) for f in findings(document, **kwargs)}


def test_the_complete_subject_has_no_finding():
    assert findings(complete_subject()) == []


def test_checks_are_declared_once_with_their_target_message_and_source():
    ids = [check.id for check in EDIT_CHECKS]
    assert len(ids) == len(set(ids))
    for check in EDIT_CHECKS:
        assert check.message and check.reference, check.id
        assert isinstance(check.form, FormName) and isinstance(check.severity, Severity)
        assert check_by_id(check.id) is check
    # one future-date check per form
    assert {c.form for c in EDIT_CHECKS if c.id.startswith("FUT-")} == set(FormName)
    assert set(REQUIRED_FIELDS) <= set(FormName)


def test_today_is_the_sites_date_at_the_instant_given():
    # settings.site_time_zone is Asia/Shanghai (UTC+8): 2026-03-01 20:00 UTC is already 2 March at the site.
    from haictrial.clinical.edit_checks import site_today

    assert site_today(PROTOCOL, dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 2)
    assert site_today(PROTOCOL, dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)
    assert run_edit_checks(parse(complete_subject()), PROTOCOL, site_today(PROTOCOL, dt.datetime.now(dt.UTC))) == []


# --- table: one mutation -> the finding it must raise -------------------------------------------------

Mutation = Callable[[Document], None]


def setter(path: str, value: Any) -> Mutation:
    def apply(document: Document) -> None:
        parts = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = document
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = value

    return apply


def steps(*mutations: Mutation) -> Mutation:
    def apply(document: Document) -> None:
        for mutation in mutations:
            mutation(document)

    return apply


def append(path: str, value: Any) -> Mutation:
    def apply(document: Document) -> None:
        target: Any = document
        for part in [int(p) if p.isdigit() else p for p in path.split(".")]:
            target = target[part]
        target.append(value)

    return apply


DEAD_APRIL = append(
    "follow_up",
    {"date": "2026-04-10", "vital_status": "dead", "death_date": "2026-04-01", "death_cause": "disease_progression"},
)
AE_PROCEDURE = {
    "term": "Vascular access complication", "grade": 2, "onset_date": "2026-01-16", "action_taken": "none",
    "outcome": "recovered", "attribution": {"haic_procedure": "definite"},
}  # fmt: skip

CASES: list[tuple[str, Mutation, str, str, Severity]] = [
    # required fields
    ("missing ECOG", setter("baseline.ecog", None), "REQ-baseline-ecog", "baseline.ecog", Severity.error),
    ("no lesions", setter("baseline.lesions", []), "REQ-baseline-lesions", "baseline.lesions", Severity.error),
    ("comorbidities not recorded", setter("baseline.comorbidities", None), "REQ-baseline-comorbidities", "baseline.comorbidities", Severity.error),
    ("given dose missing", setter("haic_cycles.0.infusions.1.given_dose_mg", None), "REQ-haic_cycle-infusions.given_dose_mg", "haic_cycles[0].infusions[1].given_dose_mg", Severity.error),
    ("pre-cycle ALT missing", setter("haic_cycles.1.pre_cycle_labs.alt", None), "REQ-haic_cycle-pre_cycle_labs.alt", "haic_cycles[1].pre_cycle_labs.alt", Severity.error),
    ("MDT reason missing", setter("mdt_reviews.0.reason", None), "REQ-mdt_review-reason", "mdt_reviews[0].reason", Severity.error),
    ("margin missing, no residual", setter("resections.0.pathology.margin_mm", None), "REQ-resection-pathology.margin_mm-if", "resections[0].pathology.margin_mm", Severity.error),
    ("dead without a death date", append("follow_up", {"date": "2026-06-20", "vital_status": "dead"}), "REQ-follow_up-death_date-if", "follow_up[1].death_date", Severity.error),
    ("progression without its date", append("follow_up", {"date": "2026-06-20", "vital_status": "alive", "disease_event": "recurrence", "event_sites": ["liver"]}), "REQ-follow_up-event_date-if", "follow_up[1].event_date", Severity.error),
    ("progression without its sites", append("follow_up", {"date": "2026-06-20", "vital_status": "alive", "disease_event": "progression", "event_date": "2026-06-01"}), "REQ-follow_up-event_sites-if", "follow_up[1].event_sites", Severity.error),
    ("new lesions not answered", setter("imaging.0.new_lesions", None), "REQ-imaging-new_lesions-if", "imaging[0].new_lesions", Severity.error),
    # ranges with units (docs/contracts/plan.md: 25-250 kg, 100-250 cm)
    ("weight in lb", setter("baseline.demographics.weight_kg", 260), "RNG-baseline-weight_kg", "baseline.demographics.weight_kg", Severity.warning),
    ("weight 24.9 kg", setter("haic_cycles.1.weight_kg", 24.9), "RNG-haic_cycle-weight_kg", "haic_cycles[1].weight_kg", Severity.warning),
    ("height in m", setter("baseline.demographics.height_cm", 1.62), "RNG-baseline-height_cm", "baseline.demographics.height_cm", Severity.warning),
    # lab plausibility in SI (haemoglobin 12.8 typed as g/L; bilirubin 1.2 mg/dL typed as umol/L)
    ("haemoglobin 12.8 g/L", setter("haic_cycles.0.pre_cycle_labs.hemoglobin", {"value": 12.8, "unit": "g/L"}), "LAB-haic_cycle-hemoglobin", "haic_cycles[0].pre_cycle_labs.hemoglobin.value", Severity.warning),
    ("bilirubin 0.7 umol/L", setter("haic_cycles.0.pre_cycle_labs.total_bilirubin", {"value": 0.7, "unit": "umol/L"}), "LAB-haic_cycle-total_bilirubin", "haic_cycles[0].pre_cycle_labs.total_bilirubin.value", Severity.warning),
    ("platelets 2100", setter("haic_cycles.0.pre_cycle_labs.platelets", {"value": 2100, "unit": "10^9/L"}), "LAB-haic_cycle-platelets", "haic_cycles[0].pre_cycle_labs.platelets.value", Severity.warning),
    # dates not in the future
    ("follow-up next year", setter("follow_up.0.date", "2027-01-01"), "FUT-follow_up", "follow_up[0].date", Severity.error),
    ("catheter removal in the future", setter("haic_cycles.1.catheter_removed_at", "2026-07-02T10:00:00+08:00"), "FUT-haic_cycle", "haic_cycles[1].catheter_removed_at", Severity.error),
    ("AE onset in the future", steps(setter("adverse_events.0.resolution_date", None), setter("adverse_events.0.onset_date", "2026-07-05")), "FUT-adverse_events", "adverse_events[0].onset_date", Severity.error),
    # treatment and resection after enrolment
    ("HAIC before enrolment", setter("haic_cycles.0.admission_date", "2026-01-11"), "XF-haic-after-enrolment", "haic_cycles[0].admission_date", Severity.error),
    ("resection on the enrolment day", setter("resections.0.date", "2026-01-12"), "XF-resection-after-enrolment", "resections[0].date", Severity.error),
    ("AE before enrolment", setter("adverse_events.0.onset_date", "2026-01-05"), "XF-ae-after-enrolment", "adverse_events[0].onset_date", Severity.warning),
    # resection only after an MDT decision to resect
    ("resection before the MDT", setter("resections.0.date", "2026-02-18"), "XF-resection-after-mdt", "resections[0].date", Severity.error),
    ("last MDT said continue", append("mdt_reviews", {"date": "2026-03-01", "flr_percent": 45, "r0_achievable": False, "decision": "continue_conversion", "reason": "new lesion"}), "XF-resection-after-mdt", "resections[0].date", Severity.error),
    # death last
    ("imaging after death", steps(DEAD_APRIL, append("imaging", {"date": "2026-04-20", "modality": "ct", "target_mm": {"T1": 20, "T2": 10}, "non_target": {"NT1": "present"}, "new_lesions": False})), "XF-death-last-imaging", "imaging[1].date", Severity.error),
    ("alive after death", steps(DEAD_APRIL, setter("follow_up.0.date", "2026-06-10")), "XF-death-last-follow_up", "follow_up[0].date", Severity.error),
    ("con-med after death", steps(DEAD_APRIL, setter("concomitant_medications.0.stop_date", None), setter("concomitant_medications.0.start_date", "2026-04-05")), "XF-death-last-concomitant_medications", "concomitant_medications[0].start_date", Severity.error),
    ("two death dates", steps(DEAD_APRIL, setter("end_of_study", {"date": "2026-04-15", "reason": "death", "death_date": "2026-04-03"})), "XF-death-dates-agree", "end_of_study.death_date", Severity.error),
    ("died, ended for another reason", steps(DEAD_APRIL, setter("end_of_study", {"date": "2026-04-15", "reason": "lost_to_follow_up"})), "XF-eos-death", "end_of_study.reason", Severity.error),
    ("Clavien-Dindo V without death", setter("resections.0.complications.0.grade", "V"), "XF-clavien-v-death", "resections[0].complications[0].grade", Severity.error),
    # dose deviation over 10 % needs a reason (oxaliplatin planned 210.9 mg)
    ("oxaliplatin 189.7 mg", setter("haic_cycles.0.infusions.0.given_dose_mg", 189.7), "XF-haic-dose-deviation-reason", "haic_cycles[0].infusions[0].deviation_reason", Severity.error),
    ("cetuximab not given", setter("targeted_agent.2.given_dose_mg", 0), "XF-targeted-dose-deviation-reason", "targeted_agent[2].deviation_reason", Severity.error),
    # cycles
    ("admissions out of order", setter("haic_cycles.1.admission_date", "2026-01-14"), "XF-cycle-dates-increasing", "haic_cycles[1].admission_date", Severity.error),
    ("cycle recorded twice", setter("haic_cycles.1.cycle", 1), "XF-cycle-dates-increasing", "haic_cycles[1].cycle", Severity.error),
    ("cycle 2 missing", setter("haic_cycles.1.cycle", 3), "XF-cycle-sequence", "haic_cycles[1].cycle", Severity.warning),
    ("cycle 2 after 14 days", steps(setter("haic_cycles.1.admission_date", "2026-01-29"), setter("targeted_agent.3.date", "2026-01-29"), setter("haic_cycles.1.pre_cycle_labs.date", "2026-01-29")), "XF-cycle-interval", "haic_cycles[1].admission_date", Severity.warning),
    ("labs after the infusion", setter("haic_cycles.0.pre_cycle_labs.date", "2026-01-17"), "XF-labs-before-infusion", "haic_cycles[0].pre_cycle_labs.date", Severity.warning),
    ("complication not reported as AE", setter("haic_cycles.0.complications", [{"complication": "puncture_site_hematoma"}]), "XF-complication-ae", "haic_cycles[0].complications", Severity.warning),
    # targeted agent (protocol: cetuximab days 1, 8, 15; left-sided wild type -> cetuximab)
    ("cetuximab on day 10", steps(setter("targeted_agent.1.day", 10), setter("targeted_agent.1.date", "2026-01-24")), "XF-targeted-day", "targeted_agent[1].day", Severity.warning),
    ("cetuximab day 8 a day late", setter("targeted_agent.1.date", "2026-01-23"), "XF-targeted-date", "targeted_agent[1].date", Severity.warning),
    ("day 1 outside +/- 3 days", setter("targeted_agent.3.date", "2026-02-09"), "XF-targeted-date", "targeted_agent[3].date", Severity.warning),
    ("bevacizumab for a left-sided wild type", setter("targeted_agent.0.drug", "bevacizumab"), "XF-targeted-choice", "targeted_agent[0].drug", Severity.warning),
    # imaging (RECIST 1.1)
    ("imaging before baseline", steps(setter("imaging.0.date", "2026-01-05"), setter("mdt_reviews.0.imaging_date", "2026-01-05")), "XF-imaging-dates-increasing", "imaging[0].date", Severity.error),
    ("two assessments on one date", append("imaging", {"date": "2026-02-19", "modality": "ct", "target_mm": {"T1": 30, "T2": 20}, "non_target": {"NT1": "present"}, "new_lesions": False}), "XF-imaging-dates-increasing", "imaging[1].date", Severity.error),
    ("after_cycle order against dates", append("imaging", {"date": "2026-02-10", "after_cycle": 4, "modality": "ct", "target_mm": {"T1": 30, "T2": 20}, "non_target": {"NT1": "present"}, "new_lesions": False}), "XF-imaging-dates-increasing", "imaging[1].date", Severity.error),
    ("MRI after a CT baseline", setter("imaging.0.modality", "mri"), "XF-imaging-modality", "imaging[0].modality", Severity.warning),
    ("measurement for an unknown lesion", setter("imaging.0.target_mm", {"T1": 30, "T2": 20, "T7": 12}), "XF-recist", "imaging[0].target_mm.T7", Severity.error),
    ("target not measured", setter("imaging.0.target_mm", {"T1": 30}), "XF-recist", "imaging[0].target_mm.T2", Severity.error),
    # MDT consistency (Adams et al. 2013)
    ("resect with R0 not achievable", setter("mdt_reviews.0.r0_achievable", False), "XF-mdt-consistency", "mdt_reviews[0].r0_achievable", Severity.warning),
    ("resect with an FLR of 18 %", setter("mdt_reviews.0.flr_percent", 18), "XF-mdt-consistency", "mdt_reviews[0].flr_percent", Severity.warning),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "check_id", "path", "severity"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_fails_when_broken(case, mutate, check_id, path, severity):
    document = complete_subject()
    mutate(document)
    result = findings(document)
    matching = [f for f in result if f.check_id == check_id and f.path == path]
    assert matching, f"{case}: expected {check_id} at {path}, got {[(f.check_id, f.path) for f in result]}"
    assert matching[0].severity == severity
    assert matching[0].form == check_by_id(check_id).form or check_id == "XF-death-dates-agree"
    # The rule fires on the broken record only, not elsewhere in the complete subject.
    assert all(f.path == path for f in result if f.check_id == check_id), case


def test_each_case_is_a_distinct_rule_or_field():
    assert len({(c[2], c[3], c[0]) for c in CASES}) == len(CASES)


# --- passes at the boundaries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "check_id"),
    [
        (setter("baseline.demographics.weight_kg", 25), "RNG-baseline-weight_kg"),  # 25 kg is inside 25-250
        (setter("baseline.demographics.height_cm", 250), "RNG-baseline-height_cm"),
        (setter("haic_cycles.0.pre_cycle_labs.hemoglobin", {"value": 12.8, "unit": "g/dL"}), "LAB-haic_cycle-hemoglobin"),  # = 128 g/L
        (setter("haic_cycles.0.pre_cycle_labs.total_bilirubin", {"value": 0.7, "unit": "mg/dL"}), "LAB-haic_cycle-total_bilirubin"),
        (setter("haic_cycles.0.infusions.0.given_dose_mg", 189.81), "XF-haic-dose-deviation-reason"),  # exactly -10 %
        (steps(setter("haic_cycles.0.infusions.0.given_dose_mg", 150), setter("haic_cycles.0.infusions.0.deviation_reason", "catheter displaced; infusion stopped")), "XF-haic-dose-deviation-reason"),
        (setter("targeted_agent.3.date", "2026-02-08"), "XF-targeted-date"),  # day 1 within +/- 3 days
        (steps(setter("resections.0.pathology.margin_mm", None), setter("resections.0.macroscopic_residual", True)), "REQ-resection-pathology.margin_mm-if"),  # R2: no margin needed
        (setter("baseline.comorbidities", []), "REQ-baseline-comorbidities"),  # [] = none
        (steps(DEAD_APRIL, setter("follow_up.0.date", "2026-06-10"), setter("follow_up.0.vital_status", "dead"), setter("follow_up.0.death_date", "2026-04-01"), setter("follow_up.0.death_cause", "disease_progression")), "XF-death-last-follow_up"),  # a contact reporting the death
        (steps(setter("haic_cycles.0.complications", [{"complication": "puncture_site_hematoma"}]), append("adverse_events", AE_PROCEDURE)), "XF-complication-ae"),
        (setter("mdt_reviews.0.decision", "not_resectable"), "XF-mdt-consistency"),  # advisory only: no query
        (steps(setter("resections.0.complications.0.grade", "V"), DEAD_APRIL), "XF-clavien-v-death"),
    ],
)  # fmt: skip
def test_each_rule_passes_at_its_boundary(mutate, check_id):
    document = complete_subject()
    mutate(document)
    assert not [f for f in findings(document) if f.check_id == check_id]


def test_the_deviation_threshold_is_the_protocols_setting():
    document = complete_subject()
    setter("haic_cycles.0.infusions.0.given_dose_mg", 198.0)(document)  # -6.1 %
    assert ("XF-haic-dose-deviation-reason", "haic_cycles[0].infusions[0].deviation_reason") not in found(document)
    setting = PROTOCOL.settings.dose_deviation_reason_percent.model_copy(update={"value": 5})
    strict = PROTOCOL.model_copy(
        update={"settings": PROTOCOL.settings.model_copy(update={"dose_deviation_reason_percent": setting})}
    )
    result = [f for f in findings(document, protocol=strict) if f.check_id == "XF-haic-dose-deviation-reason"]
    assert len(result) == 1 and "-6.1 %" in result[0].message and "more than 5 %" in result[0].message


def test_future_is_judged_in_the_site_time_zone():
    # 2026-07-01T20:00-04:00 is already 2 July in Wuhan (UTC+8): the date of record is in the future there.
    document = complete_subject()
    setter("adverse_events.0.aware_at", "2026-07-01T20:00:00-04:00")(document)
    setter("adverse_events.0.seriousness", ["hospitalisation"])(document)
    assert ("FUT-adverse_events", "adverse_events[0].aware_at") in found(document)
    setter("adverse_events.0.aware_at", "2026-07-01T10:00:00-04:00")(document)  # 22:00 in Wuhan
    assert ("FUT-adverse_events", "adverse_events[0].aware_at") not in found(document)


def test_a_finding_carries_the_record_id_and_a_readable_message():
    document = complete_subject()
    setter("haic_cycles.1.weight_kg", 300)(document)
    (finding,) = [f for f in findings(document) if f.check_id == "RNG-haic_cycle-weight_kg"]
    assert (finding.form, finding.field, finding.index, finding.record_id) == (
        FormName.haic_cycle,
        "weight_kg",
        1,
        "haic-2",
    )
    assert finding.message.startswith("300 kg is outside 25-250 kg")
    assert finding.as_dict()["severity"] == "warning"


def test_every_lab_limit_is_in_the_si_unit():
    for analyte, (low, high) in LAB_PLAUSIBLE_SI.items():
        assert 0 <= low < high, analyte
        assert canonical_unit(analyte)  # defined for every analyte
    assert set(LAB_PLAUSIBLE_SI) == set(Analyte)


def test_all_findings_at_once():
    document = complete_subject()
    for mutate in (
        setter("baseline.ecog", None),
        setter("imaging.0.modality", "mri"),
        setter("mdt_reviews.0.r0_achievable", False),
    ):
        mutate(document)
    ids = {f.check_id for f in findings(document)}
    assert {"REQ-baseline-ecog", "XF-imaging-modality", "XF-mdt-consistency"} <= ids


def test_a_check_that_cannot_read_its_data_reports_it_instead_of_crashing():
    from dataclasses import dataclass

    from haictrial.clinical.edit_check_rules import EditCheck, EditCheckContext, run_checks
    from haictrial.errors import InputError

    @dataclass(frozen=True, kw_only=True)
    class Broken(EditCheck):
        def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
            raise InputError("planned dose is not a number", "infusions[0].planned_dose_mg")

    context = EditCheckContext(forms=parse(complete_subject()), protocol=PROTOCOL, today=TODAY, zone=dt.UTC)
    (finding,) = run_checks([Broken(id="T-1", form=FormName.haic_cycle, field="infusions", message="x")], context)
    assert (finding.check_id, finding.field, finding.severity) == (
        "T-1",
        "infusions[0].planned_dose_mg",
        Severity.error,
    )
    assert finding.message.startswith("cannot be checked")
