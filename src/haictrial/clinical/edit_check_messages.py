"""The edit checks' finding texts, language-neutral: N_-marked English templates and the labels of the codes
they name (:mod:`haictrial.clinical.messages`).

A finding stores its English ``message`` and, beside it, ``message_template`` (one of the templates here) with
``message_params``, so that the EDC shows it in the reader's language (:func:`haictrial.i18n.render_parts`).
Parameter names follow :mod:`haictrial.clinical.messages`: ``check_term`` is the check's own message,
``*_term`` / ``*_terms`` hold English vocabulary (a label of :data:`TERMS`) translated at the boundary,
``*_parts`` a nested translatable reason (a list of ``{template, params}``); every other parameter is data
(dates in ISO 8601, numbers, RECIST codes) shown as stored.

Public names
------------
- The templates: :data:`CHECK_MESSAGE`, :data:`OUTSIDE_RANGE`, ... (one constant per sentence shape).
- :data:`TERMS` (code -> English label) and :func:`term(code) -> str`; :func:`terms(codes) -> str`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from haictrial.clinical.messages import N_, TERM_SEPARATOR
from haictrial.errors import DomainError

# --- record-local checks ----------------------------------------------------------------------------

#: ``{check_term}`` is the check's own message (its translation is the catalogue's).
CHECK_MESSAGE = N_("{check_term}")
OUTSIDE_RANGE = N_("{value:g} {unit} is outside {low:g}-{high:g} {unit}: {check_term}")
IMPLAUSIBLE = N_("{shown} is outside {low:g}-{high:g} {unit}: {check_term}")
AFTER_TODAY = N_("{date} is after today ({today}): {check_term}")

# --- cross-form rules -------------------------------------------------------------------------------

BEFORE_ENROLMENT = N_("{date} vs enrolment {enrolment}: {check_term}")
AFTER_DEATH = N_("{date} is after the death date {death}: {check_term}")
NO_MDT_REVIEW = N_("no MDT review on or before {date}: {check_term}")
MDT_DECIDED = N_("the last MDT review before it ({date}) decided {decision_term}: {check_term}")
DEATH_DATE_DIFFERS = N_("{date} differs from the death date {death} recorded elsewhere: {check_term}")
EOS_REASON = N_("death recorded on {death}, reason is {reason_term}: {check_term}")
DOSE_DEVIATION = N_(
    "{drug_term}: given {given_mg:g} mg vs planned {planned_mg:g} mg "
    "({deviation_percent:+.1f} %, more than {threshold_percent:g} %): {check_term}"
)
DOSE_DEVIATION_COMPONENT = N_(
    "{drug_term} {component_term}: given {given_mg:g} mg vs planned {planned_mg:g} mg "
    "({deviation_percent:+.1f} %, more than {threshold_percent:g} %): {check_term}"
)
CYCLE_TWICE = N_("cycle {cycle} is already recorded (record {record}): {check_term}")
CYCLE_NOT_AFTER = N_("cycle {cycle} admitted {date}, not after cycle {previous} ({previous_date}): {check_term}")
CYCLES_MISSING = N_("cycle(s) {missing} not recorded before cycle {cycle}: {check_term}")
CYCLE_TOO_EARLY = N_("cycle {cycle} admitted {days} days after cycle {previous} (< {minimum}): {check_term}")
IMAGING_NOT_AFTER_BASELINE = N_("{date} is not after the baseline imaging ({baseline}): {check_term}")
IMAGING_TWICE = N_("{date} is already assessed (record {record}): {check_term}")
IMAGING_NOT_AFTER_CYCLE = N_(
    "imaging after cycle {cycle} ({date}) is not after imaging after cycle {previous} ({previous_date}): {check_term}"
)
MODALITY_DIFFERS = N_("{modality_term} at follow-up, {baseline_modality_term} at baseline: {check_term}")
#: RECIST 1.1 input refused by the engine; ``detail_parts`` is the engine's sentence (:func:`error_parts`).
RECIST_INPUT = N_("{detail_parts} (RECIST 1.1): {check_term}")
TARGETED_DAY = N_("{drug_term} on day {day}; the protocol gives it on day(s) {days}: {check_term}")
TARGETED_DATE = N_("{date} for cycle {cycle} day {day}; expected {expected} (admission {admission}): {check_term}")
TARGETED_DATE_WINDOW = N_(
    "{date} for cycle {cycle} day {day}; expected {expected} +/- {window} days (admission {admission}): {check_term}"
)
TARGETED_CHOICE = N_("{drug_term} given; the rule chooses {agent_term} ({reason_parts}): {check_term}")
COMPLICATION_NOT_REPORTED = N_(
    "{complications_terms} in cycle {cycle}, no adverse event related to the procedure from {start} to {end}: "
    "{check_term}"
)
LABS_AFTER_INFUSION = N_("labs drawn {labs}, first infusion started {start}: {check_term}")
#: ``finding_parts``: the resectability finding (haictrial.clinical.resectability), itself translatable.
MDT_INCONSISTENT = N_("{finding_parts}: {check_term}")
READER_DISAGREES = N_("reader's response {reader}, RECIST 1.1 time-point response {engine}: {check_term}")
#: A check that met data it cannot read; ``detail_parts`` as in :data:`RECIST_INPUT`.
CANNOT_BE_CHECKED = N_("cannot be checked: {detail_parts}")
#: An error raised without a template: its English sentence as data.
ERROR_AS_WRITTEN = N_("{detail}")

#: Every finding template, for the catalogue test.
TEMPLATES: tuple[str, ...] = (
    CHECK_MESSAGE,
    OUTSIDE_RANGE,
    IMPLAUSIBLE,
    AFTER_TODAY,
    BEFORE_ENROLMENT,
    AFTER_DEATH,
    NO_MDT_REVIEW,
    MDT_DECIDED,
    DEATH_DATE_DIFFERS,
    EOS_REASON,
    DOSE_DEVIATION,
    DOSE_DEVIATION_COMPONENT,
    CYCLE_TWICE,
    CYCLE_NOT_AFTER,
    CYCLES_MISSING,
    CYCLE_TOO_EARLY,
    IMAGING_NOT_AFTER_BASELINE,
    IMAGING_TWICE,
    IMAGING_NOT_AFTER_CYCLE,
    MODALITY_DIFFERS,
    RECIST_INPUT,
    TARGETED_DAY,
    TARGETED_DATE,
    TARGETED_DATE_WINDOW,
    TARGETED_CHOICE,
    COMPLICATION_NOT_REPORTED,
    LABS_AFTER_INFUSION,
    MDT_INCONSISTENT,
    READER_DISAGREES,
    CANNOT_BE_CHECKED,
    ERROR_AS_WRITTEN,
)

# --- the codes the findings name --------------------------------------------------------------------

#: code -> English label (the same words the eCRF pages use). Drug names are the WHO INN; the MDT
#: decisions as haictrial.clinical.resectability.MdtDecision; end-of-study reasons as
#: haictrial.clinical.follow_up.EndOfStudyReason; complications as
#: haictrial.clinical.crf_treatment.ProcedureComplication; modalities as RECIST 1.1 section 3.2.
TERMS: dict[str, str] = {
    "resect": N_("resect"),
    "continue_conversion": N_("continue conversion therapy"),
    "not_resectable": N_("not resectable"),
    "completed_follow_up": N_("completed follow-up"),
    "death": N_("death"),
    "withdrawal_of_consent": N_("withdrawal of consent"),
    "lost_to_follow_up": N_("lost to follow-up"),
    "investigator_decision": N_("investigator decision"),
    "other": N_("other"),
    "bolus": N_("bolus"),
    "infusion": N_("infusion"),
    "ct": N_("CT"),
    "mri": N_("MRI"),
    "puncture_site_hematoma": N_("puncture site hematoma"),
    "pseudoaneurysm": N_("pseudoaneurysm"),
    "arterial_dissection": N_("arterial dissection"),
    "hepatic_artery_occlusion": N_("hepatic artery occlusion"),
    "catheter_displacement": N_("catheter displacement"),
    "catheter_occlusion": N_("catheter occlusion"),
    "contrast_reaction": N_("contrast reaction"),
    "abdominal_pain": N_("abdominal pain"),
    "oxaliplatin": N_("oxaliplatin"),
    "leucovorin": N_("leucovorin"),
    "fluorouracil": N_("fluorouracil"),
    "bevacizumab": N_("bevacizumab"),
    "cetuximab": N_("cetuximab"),
    "not recorded": N_("not recorded"),
}


def error_parts(error: DomainError) -> list[dict[str, Any]]:
    """A ``*_parts`` parameter holding a core error's sentence: its template and params when it was raised with
    them (:class:`haictrial.errors.DomainError`), else its English message as data."""
    if error.template:
        return [{"template": error.template, "params": dict(error.params)}]
    return [{"template": ERROR_AS_WRITTEN, "params": {"detail": error.message}}]


def term(code: str | None) -> str:
    """The English label of ``code`` (a ``*_term`` parameter); a code without a label as it is."""
    if code is None:
        return TERMS["not recorded"]
    return TERMS.get(code, code)


def terms(codes: Iterable[str]) -> str:
    """Labels of ``codes`` joined for a ``*_terms`` parameter."""
    return TERM_SEPARATOR.join(term(code) for code in codes)


__all__ = ["TEMPLATES", "TERMS", "error_parts", "term", "terms"]
