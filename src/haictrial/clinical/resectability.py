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

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haictrial.clinical.crf_base import CrfForm, Text, field_error
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
            raise field_error("imaging_date", "is after the review date")
        return self


class CriterionCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    state: CriterionState
    fields: list[str]
    message: str


class ResectabilityFinding(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    criterion: str | None
    field: str
    message: str


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
        return CriterionCheck(id="flr", state=CriterionState.unknown, fields=fields, message="FLR not recorded")
    # The least and the most the unknown liver condition could demand.
    low = minimum_flr_percent(review.cirrhosis is True, review.extensive_chemotherapy is True)
    high = minimum_flr_percent(review.cirrhosis is not False, review.extensive_chemotherapy is not False)
    condition = (
        "cirrhosis"
        if review.cirrhosis
        else "after extensive chemotherapy"
        if review.extensive_chemotherapy
        else "normal liver"
    )
    if flr < low:
        return CriterionCheck(
            id="flr",
            state=CriterionState.not_met,
            fields=fields,
            message=f"FLR {flr:g} % is below the {low:g} % needed ({condition})",
        )
    if flr >= high:
        return CriterionCheck(
            id="flr", state=CriterionState.met, fields=fields, message=f"FLR {flr:g} % (>= {high:g} %)"
        )
    unknown = [name for name in ("cirrhosis", "extensive_chemotherapy") if getattr(review, name) is None]
    return CriterionCheck(
        id="flr",
        state=CriterionState.unknown,
        fields=fields,
        message=f"FLR {flr:g} % is enough only for some liver conditions: {', '.join(unknown)} not recorded",
    )


def _boolean(criterion: str, field: str, value: bool | None, met: str, not_met: str) -> CriterionCheck:
    if value is None:
        return CriterionCheck(
            id=criterion, state=CriterionState.unknown, fields=[field], message=f"{field} not recorded"
        )
    state = CriterionState.met if value else CriterionState.not_met
    return CriterionCheck(id=criterion, state=state, fields=[field], message=met if value else not_met)


def technical_criteria(review: MdtReview) -> list[CriterionCheck]:
    """The four technical criteria of Adams et al. (HPB 2013;15:91-103), each met, not met or unknown."""
    checks = [
        _boolean("r0", "r0_achievable", review.r0_achievable, "R0 resection achievable", "R0 resection not achievable")
    ]
    segments = review.remnant_contiguous_segments
    if segments is None:
        checks.append(
            CriterionCheck(
                id="remnant_segments",
                state=CriterionState.unknown,
                fields=["remnant_contiguous_segments"],
                message="remnant_contiguous_segments not recorded",
            )
        )
    else:
        enough = segments >= MIN_REMNANT_CONTIGUOUS_SEGMENTS
        checks.append(
            CriterionCheck(
                id="remnant_segments",
                state=CriterionState.met if enough else CriterionState.not_met,
                fields=["remnant_contiguous_segments"],
                message=f"{segments} contiguous segment(s) spared"
                + ("" if enough else f"; at least {MIN_REMNANT_CONTIGUOUS_SEGMENTS} are needed"),
            )
        )
    vessels = {
        "remnant_inflow_preserved": (review.remnant_inflow_preserved, "inflow"),
        "remnant_outflow_preserved": (review.remnant_outflow_preserved, "outflow"),
        "remnant_biliary_drainage_preserved": (review.remnant_biliary_drainage_preserved, "biliary drainage"),
    }
    lost = [words for value, words in vessels.values() if value is False]
    missing = [name for name, (value, _) in vessels.items() if value is None]
    if lost:
        state, message = CriterionState.not_met, f"the remnant loses its {', '.join(lost)}"
    elif missing:
        state, message = CriterionState.unknown, f"{', '.join(missing)} not recorded"
    else:
        state, message = CriterionState.met, "remnant inflow, outflow and biliary drainage preserved"
    checks.append(CriterionCheck(id="remnant_vascular_biliary", state=state, fields=list(vessels), message=message))
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
            message = f"decision 'resect' but {check.message} (technical criterion {check.id}, Adams et al. 2013)"
            findings.append(
                ResectabilityFinding(kind=FindingKind.inconsistent, criterion=check.id, field=field, message=message)
            )
        return findings
    if all(check.state == CriterionState.met for check in checks):
        findings.append(
            ResectabilityFinding(
                kind=FindingKind.advisory,
                criterion=None,
                field="decision",
                message=f"every technical criterion is met; the team decided {review.decision.value}: "
                f"{review.reason or 'reason not recorded'}",
            )
        )
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
