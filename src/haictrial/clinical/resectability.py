"""The MDT resectability review eCRF and the technical resectability criteria, as advice to the team.

The decision (resect, continue conversion therapy, not resectable) is the multidisciplinary team's.
This module encodes the standard technical criteria for resection of colorectal liver metastases and
checks that a recorded decision is consistent with the recorded findings: it never decides.

Technical criteria (Adams et al. 2013), each met / not met / unknown from the review's fields:

- ``r0``: complete (R0) resection of all liver disease is achievable (``r0_achievable``);
- ``remnant_segments``: at least two contiguous segments are spared (``remnant_contiguous_segments``);
- ``remnant_vascular_biliary``: the remnant keeps its arterial and portal inflow, its venous outflow and
  its biliary drainage (``remnant_inflow_preserved``, ``remnant_outflow_preserved``,
  ``remnant_biliary_drainage_preserved``);
- ``flr``: the future liver remnant (FLR, % of the standardised total liver volume) is at least 20 % of a
  normal liver, 30 % after extensive chemotherapy, 40 % in cirrhosis (``flr_percent``, ``cirrhosis``,
  ``extensive_chemotherapy``).

Public names
------------
- :class:`MdtReview` (the eCRF), :class:`MdtDecision`.
- :func:`minimum_flr_percent(cirrhosis, extensive_chemotherapy) -> float`.
- :func:`technical_criteria(review) -> list[CriterionCheck]`: each criterion met / not met / unknown.
- :func:`technically_resectable(review) -> bool | None`: all met -> True; any not met -> False; else None.
- :func:`resectability_findings(review) -> list[ResectabilityFinding]`: ``inconsistent`` when the
  decision is ``resect`` while a criterion is not met or unknown; ``advisory`` when every criterion is met
  and the team decided otherwise (its reason stands; the EDC raises no query for an advisory finding).

References
----------
Adams RB, Aloia TA, Loyer E, Pawlik TM, Taouli B, Vauthey JN; Americas Hepato-Pancreato-Biliary
Association; Society of Surgical Oncology; Society for Surgery of the Alimentary Tract. Selection for
hepatic resection of colorectal liver metastases: expert consensus statement. HPB (Oxford) 2013;15:91-103.
doi:10.1111/j.1477-2574.2012.00557.x
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haictrial.clinical.crf_base import CrfForm, Text, rule_error
from haictrial.clinical.messages import N_, TERM_SEPARATOR, ReasonPart, english, part, parts_param
from haictrial.vocabulary.base import JsonBool, JsonDate, JsonInt, JsonNumber

#: Adams et al. 2013: minimum FLR, % of the standardised total liver volume.
MIN_FLR_NORMAL_LIVER_PERCENT = 20.0
MIN_FLR_AFTER_EXTENSIVE_CHEMOTHERAPY_PERCENT = 30.0
MIN_FLR_CIRRHOSIS_PERCENT = 40.0
#: Adams et al. 2013: at least two contiguous segments with inflow, outflow and biliary drainage.
MIN_REMNANT_CONTIGUOUS_SEGMENTS = 2


class MdtDecision(StrEnum):
    resect = "resect"
    continue_conversion = "continue_conversion"
    not_resectable = "not_resectable"


class CriterionState(StrEnum):
    met = "met"
    not_met = "not_met"
    unknown = "unknown"


class FindingKind(StrEnum):
    """``inconsistent``: the decision contradicts the recorded findings (a query); ``advisory``: a note."""

    inconsistent = "inconsistent"
    advisory = "advisory"


class MdtReview(CrfForm):
    """The MDT resectability review eCRF (one review; the team may review a subject many times)."""

    date: JsonDate | None = None
    imaging_date: JsonDate | None = Field(None, description="Date of the imaging the team reviewed.")
    flr_percent: JsonNumber | None = Field(
        None, ge=0, le=100, description="Future liver remnant, % of the standardised total liver volume (CT volumetry)."
    )
    cirrhosis: JsonBool | None = None
    extensive_chemotherapy: JsonBool | None = Field(None, description="The team judges the chemotherapy extensive.")
    r0_achievable: JsonBool | None = Field(
        None, description="Complete resection of all liver disease with clear margins."
    )
    remnant_contiguous_segments: JsonInt | None = Field(None, ge=0, le=8, description="Contiguous segments spared.")
    remnant_inflow_preserved: JsonBool | None = None
    remnant_outflow_preserved: JsonBool | None = None
    remnant_biliary_drainage_preserved: JsonBool | None = None
    portal_vein_embolisation_planned: JsonBool | None = None
    two_stage_hepatectomy_planned: JsonBool | None = None
    decision: MdtDecision | None = None
    reason: Text | None = Field(None, description="The team's reason for its decision.")

    @model_validator(mode="after")
    def _imaging_before_review(self) -> MdtReview:
        if self.date is not None and self.imaging_date is not None and self.imaging_date > self.date:
            raise rule_error("imaging_date", N_("is after the review date"))
        return self


class CriterionCheck(BaseModel):
    """One technical criterion's state; ``message`` in English, ``message_part`` the same sentence translatable
    (:mod:`haictrial.clinical.messages`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    state: CriterionState
    fields: list[str]
    message: str
    message_part: ReasonPart | None = None


class ResectabilityFinding(BaseModel):
    """``message`` in English; ``message_template`` / ``message_params`` the same language-neutral
    (:mod:`haictrial.clinical.messages`; ``criterion_parts`` holds the criterion's own sentence)."""

    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    criterion: str | None
    field: str
    message: str
    message_template: str = ""
    message_params: dict[str, Any] = Field(default_factory=dict)


#: The technical criteria and the team's decisions by name (``*_term`` labels).
CRITERION_NAMES = {
    "r0": N_("R0 resection achievable"),
    "remnant_segments": N_("remnant segments"),
    "remnant_vascular_biliary": N_("remnant vessels and bile duct"),
    "flr": N_("future liver remnant"),
}
DECISION_NAMES = {
    "resect": N_("resect"),
    "continue_conversion": N_("continue conversion therapy"),
    "not_resectable": N_("not resectable"),
}
INCONSISTENT = N_("decision 'resect' but {criterion_parts} (technical criterion {criterion_term}, Adams et al. 2013)")
ADVISORY = N_("every technical criterion is met; the team decided {decision_term}: {reason}")
ADVISORY_NO_REASON = N_("every technical criterion is met; the team decided {decision_term}: reason not recorded")


def _finding(
    kind: FindingKind, criterion: str | None, field: str, template: str, **params: Any
) -> ResectabilityFinding:
    message = english(template, params)
    return ResectabilityFinding(
        kind=kind, criterion=criterion, field=field, message=message, message_template=template, message_params=params
    )


#: The review's fields and liver conditions as the criteria's sentences name them (``*_term(s)`` labels).
FIELD_WORDS = {
    "r0_achievable": N_("R0 achievability"),
    "remnant_contiguous_segments": N_("remnant contiguous segments"),
    "remnant_inflow_preserved": N_("remnant inflow"),
    "remnant_outflow_preserved": N_("remnant outflow"),
    "remnant_biliary_drainage_preserved": N_("remnant biliary drainage"),
    "cirrhosis": N_("cirrhosis"),
    "extensive_chemotherapy": N_("extensive chemotherapy"),
}


def _check(criterion: str, state: CriterionState, fields: list[str], sentence: ReasonPart) -> CriterionCheck:
    return CriterionCheck(id=criterion, state=state, fields=fields, message=sentence.text, message_part=sentence)


def _words(fields: list[str]) -> str:
    return TERM_SEPARATOR.join(FIELD_WORDS.get(name, name) for name in fields)


def minimum_flr_percent(cirrhosis: bool, extensive_chemotherapy: bool) -> float:
    """The minimum FLR: 40 % in cirrhosis, else 30 % after extensive chemotherapy, else 20 % (Adams et al. 2013)."""
    if cirrhosis:
        return MIN_FLR_CIRRHOSIS_PERCENT
    if extensive_chemotherapy:
        return MIN_FLR_AFTER_EXTENSIVE_CHEMOTHERAPY_PERCENT
    return MIN_FLR_NORMAL_LIVER_PERCENT


def _flr(review: MdtReview) -> CriterionCheck:
    fields = ["flr_percent", "cirrhosis", "extensive_chemotherapy"]
    flr = review.flr_percent
    if flr is None:
        return _check("flr", CriterionState.unknown, fields, part(N_("FLR not recorded")))
    # The least and the most the unknown liver condition could demand.
    low = minimum_flr_percent(review.cirrhosis is True, review.extensive_chemotherapy is True)
    high = minimum_flr_percent(review.cirrhosis is not False, review.extensive_chemotherapy is not False)
    condition = (
        N_("cirrhosis")
        if review.cirrhosis
        else N_("after extensive chemotherapy")
        if review.extensive_chemotherapy
        else N_("normal liver")
    )
    if flr < low:
        below = N_("FLR {flr:g} % is below the {low:g} % needed ({condition_term})")
        return _check("flr", CriterionState.not_met, fields, part(below, flr=flr, low=low, condition_term=condition))
    if flr >= high:
        return _check("flr", CriterionState.met, fields, part(N_("FLR {flr:g} % (>= {high:g} %)"), flr=flr, high=high))
    unknown = [name for name in ("cirrhosis", "extensive_chemotherapy") if getattr(review, name) is None]
    some = N_("FLR {flr:g} % is enough only for some liver conditions: {fields_terms} not recorded")
    return _check("flr", CriterionState.unknown, fields, part(some, flr=flr, fields_terms=_words(unknown)))


def _boolean(criterion: str, field: str, value: bool | None, met: str, not_met: str) -> CriterionCheck:
    if value is None:
        missing = part(N_("{fields_terms} not recorded"), fields_terms=_words([field]))
        return _check(criterion, CriterionState.unknown, [field], missing)
    state = CriterionState.met if value else CriterionState.not_met
    return _check(criterion, state, [field], part(met if value else not_met))


def technical_criteria(review: MdtReview) -> list[CriterionCheck]:
    """The four technical criteria of Adams et al. (HPB 2013;15:91-103), each met, not met or unknown."""
    checks = [
        _boolean(
            "r0",
            "r0_achievable",
            review.r0_achievable,
            N_("R0 resection achievable"),
            N_("R0 resection not achievable"),
        )
    ]
    segments = review.remnant_contiguous_segments
    segment_fields = ["remnant_contiguous_segments"]
    if segments is None:
        missing = part(N_("{fields_terms} not recorded"), fields_terms=_words(segment_fields))
        checks.append(_check("remnant_segments", CriterionState.unknown, segment_fields, missing))
    else:
        enough = segments >= MIN_REMNANT_CONTIGUOUS_SEGMENTS
        spared = (
            part(N_("{segments} contiguous segment(s) spared"), segments=segments)
            if enough
            else part(
                N_("{segments} contiguous segment(s) spared; at least {minimum} are needed"),
                segments=segments,
                minimum=MIN_REMNANT_CONTIGUOUS_SEGMENTS,
            )
        )
        state = CriterionState.met if enough else CriterionState.not_met
        checks.append(_check("remnant_segments", state, segment_fields, spared))
    vessels = {
        "remnant_inflow_preserved": (review.remnant_inflow_preserved, N_("inflow")),
        "remnant_outflow_preserved": (review.remnant_outflow_preserved, N_("outflow")),
        "remnant_biliary_drainage_preserved": (review.remnant_biliary_drainage_preserved, N_("biliary drainage")),
    }
    lost = [words for value, words in vessels.values() if value is False]
    unrecorded = [name for name, (value, _) in vessels.items() if value is None]
    if lost:
        state = CriterionState.not_met
        sentence = part(N_("the remnant loses its {structures_terms}"), structures_terms=TERM_SEPARATOR.join(lost))
    elif unrecorded:
        state = CriterionState.unknown
        sentence = part(N_("{fields_terms} not recorded"), fields_terms=_words(unrecorded))
    else:
        state, sentence = CriterionState.met, part(N_("remnant inflow, outflow and biliary drainage preserved"))
    checks.append(_check("remnant_vascular_biliary", state, list(vessels), sentence))
    checks.append(_flr(review))
    return checks


def technically_resectable(review: MdtReview) -> bool | None:
    """True when every technical criterion is met, False when any is not met, else None (unknown)."""
    states = {check.state for check in technical_criteria(review)}
    if CriterionState.not_met in states:
        return False
    if CriterionState.unknown in states:
        return None
    return True


def resectability_findings(review: MdtReview) -> list[ResectabilityFinding]:
    """Consistency of the team's decision with the technical criteria (advice; the decision stands).

    - decision ``resect`` with a criterion not met: ``inconsistent``, naming the criterion's field;
    - decision ``resect`` with a criterion unknown: ``inconsistent`` (the data behind the decision are missing);
    - decision ``continue_conversion`` or ``not_resectable`` with every criterion met: ``advisory``.

    References
    ----------
    Adams et al., HPB 2013;15:91-103 (doi:10.1111/j.1477-2574.2012.00557.x).
    """
    if review.decision is None:
        return []
    checks = technical_criteria(review)
    findings = []
    if review.decision == MdtDecision.resect:
        for check in checks:
            if check.state == CriterionState.met:
                continue
            field = check.fields[0]
            if check.state == CriterionState.unknown:  # point the query at the first missing field
                field = next((f for f in check.fields if getattr(review, f) is None), field)
            elif check.id == "remnant_vascular_biliary":  # at the first structure the remnant loses
                field = next((f for f in check.fields if getattr(review, f) is False), field)
            sentence = check.message_part or part(N_("{detail}"), detail=check.message)
            findings.append(
                _finding(
                    FindingKind.inconsistent,
                    check.id,
                    field,
                    INCONSISTENT,
                    criterion_parts=parts_param([sentence]),
                    criterion_term=CRITERION_NAMES.get(check.id, check.id),
                )
            )
        return findings
    if all(check.state == CriterionState.met for check in checks):
        decision = DECISION_NAMES.get(review.decision.value, review.decision.value)
        if review.reason:
            advice = _finding(
                FindingKind.advisory, None, "decision", ADVISORY, decision_term=decision, reason=review.reason
            )
        else:
            advice = _finding(FindingKind.advisory, None, "decision", ADVISORY_NO_REASON, decision_term=decision)
        findings.append(advice)
    return findings


__all__ = [
    "MIN_FLR_AFTER_EXTENSIVE_CHEMOTHERAPY_PERCENT",
    "MIN_FLR_CIRRHOSIS_PERCENT",
    "MIN_FLR_NORMAL_LIVER_PERCENT",
    "MIN_REMNANT_CONTIGUOUS_SEGMENTS",
    "CriterionCheck",
    "CriterionState",
    "FindingKind",
    "MdtDecision",
    "MdtReview",
    "ResectabilityFinding",
    "minimum_flr_percent",
    "resectability_findings",
    "technical_criteria",
    "technically_resectable",
]
