"""RECIST 1.1 for one patient: target selection, time-point response, best overall response.

What is computed (docs/contracts/recist.md), section by section of the guideline:

- **Baseline** (sections 3.1.1, 4.2): at most 5 target lesions in total and 2 per organ; a target
  lesion measures >= 10 mm (longest diameter) and a target lymph node >= 15 mm (short axis).
- **Sum of diameters** (section 4.2): longest diameters of non-nodal targets plus short axes of nodal
  targets. The *nadir* of a time point is the smallest earlier sum, baseline included.
- **Target response** (section 4.3.1): CR when every non-nodal target has disappeared (0 mm) and
  every nodal target is < 10 mm short axis (the sum may then be > 0); PD when the sum is >= 20 %
  above the nadir AND >= 5 mm above it; PR when the sum is >= 30 % below the BASELINE sum; else SD.
  NE when a target was not evaluated, unless the measured targets alone already meet PD (the missing
  ones can only add to the sum). CR is tested first: targets that are all normal (non-nodal gone,
  nodes < 10 mm) are a complete response even if node short axes grew from a smaller nadir.
- **Non-target response** (section 4.3.2): PD if any lesion progressed unequivocally; NE if any was
  not evaluated; CR if all are absent; else NON_CR_NON_PD.
- **Overall response at a time point**: Table 1 (target disease, with or without non-target
  disease) and Table 2 (non-target disease only); new lesions are PD (section 4.3.4).
- **Reappearance after a complete response**: once the overall response is CR, a lesion that comes
  back (a non-nodal target measurable again, a nodal target >= 10 mm short axis, or a non-target lesion
  present again) is PD at that time point, however small (Table 3 and its notes; RECIST working group
  clarification, Schwartz LH et al., Eur J Cancer 2016;62:132-7, doi:10.1016/j.ejca.2016.03.081). An
  earlier confirmed CR stays the best overall response: only time points up to the first PD count.
- **Best overall response** (section 4.4.3, Table 3, section 4.6.1): see :func:`best_overall_response`.
- **Percent change**: from the baseline sum and from the nadir, per time point (rounded to 0.1 % in
  the output only; every comparison above uses exact decimal arithmetic).

A *reader response* (``overall_response`` on an assessment after baseline) is a radiologist's
time-point response taken as given: it has no sum and does not move the nadir. When every follow-up
assessment is a reader response, the baseline needs only its date.

References
----------
Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid tumours:
revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-47. doi:10.1016/j.ejca.2008.10.026
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from fractions import Fraction

from pydantic import BaseModel, ConfigDict

from haictrial.clinical.messages import N_, Param
from haictrial.clinical.morphologic import (
    MorphologicResponse,
    MorphologyGroup,
    assess_morphology,
    best_morphologic_response,
    patient_group,
)
from haictrial.clinical.recist_models import (
    Assessment,
    NonTargetLesion,
    NonTargetState,
    RecistInput,
    RecistResult,
    Response,
    TargetLesion,
    TimepointResult,
)
from haictrial.errors import InputError

__all__ = [
    "Assessment",
    "BestResponse",
    "DISEASE_CONTROL_RESPONSES",
    "NonTargetLesion",
    "NonTargetState",
    "OBJECTIVE_RESPONSES",
    "PD_INCREASE_FRACTION",
    "PR_DECREASE_FRACTION",
    "RecistInput",
    "RecistResult",
    "Response",
    "TargetLesion",
    "TimepointResult",
    "best_overall_response",
    "evaluate_recist",
    "non_target_response",
    "overall_response",
    "reappeared_after_cr",
    "target_response",
    "validate_input",
]

# RECIST 1.1 section 4.2: at most five target lesions, at most two per organ.
MAX_TARGET_LESIONS = 5
MAX_TARGET_LESIONS_PER_ORGAN = 2
# Section 3.1.1: measurable lesion >= 10 mm on CT (slice <= 5 mm); measurable node >= 15 mm short axis.
MEASURABLE_LESION_MM = Fraction(10)
MEASURABLE_NODE_SHORT_AXIS_MM = Fraction(15)
# Section 4.3.1: a node < 10 mm short axis is normal (CR); PR >= 30 % decrease from baseline;
# PD >= 20 % increase over the nadir and >= 5 mm absolute increase.
NORMAL_NODE_SHORT_AXIS_MM = Fraction(10)
PR_DECREASE_FRACTION = Fraction(30, 100)
PD_INCREASE_FRACTION = Fraction(20, 100)
PD_ABSOLUTE_INCREASE_MM = Fraction(5)

TARGET_RESPONSES = frozenset({Response.CR, Response.PR, Response.SD, Response.PD, Response.NE})
NON_TARGET_RESPONSES = frozenset({Response.CR, Response.NON_CR_NON_PD, Response.PD, Response.NE})
# Responses that hold the disease "stable or better" for the minimum SD duration (section 4.4.3).
_STABLE_OR_BETTER = frozenset({Response.CR, Response.PR, Response.SD, Response.NON_CR_NON_PD})
#: Objective response (RECIST 1.1 section 4.4 and section 5: response rate = CR + PR).
OBJECTIVE_RESPONSES = frozenset({Response.CR, Response.PR})
#: Disease control: objective response or stable disease (RECIST 1.1 section 4.4.1, SD as the best response),
#: including non-CR/non-PD for non-target-only disease (Table 2 footnote).
DISEASE_CONTROL_RESPONSES = _STABLE_OR_BETTER
_BREAKS_CONFIRMATION = frozenset({Response.SD, Response.PD, Response.NON_CR_NON_PD})
_OBJECTIVE_RANK = {Response.PR: 1, Response.CR: 2}


def _mm(value: float) -> Fraction:
    """A measurement as an exact decimal (30.1 is 301/10, not the nearest binary float)."""
    return Fraction(repr(float(value)))


# --------------------------------------------------------------------------- time-point rules


def target_response(
    sizes_mm: Sequence[float | None],
    lymph_nodes: Sequence[bool],
    baseline_sum_mm: float,
    nadir_sum_mm: float,
) -> Response:
    """Target-lesion response at one time point (RECIST 1.1 section 4.3.1).

    ``sizes_mm[i]`` is the longest diameter of target ``i`` (its short axis when ``lymph_nodes[i]``),
    None when it was not evaluated. ``nadir_sum_mm`` is the smallest earlier sum, baseline included.

    References: Eisenhauer et al., Eur J Cancer 2009;45:228, section 4.3.1 (CR, PR, PD, SD) and
    section 4.4.2 (missing assessments: NE unless PD is met by the lesions measured).
    """
    if len(sizes_mm) != len(lymph_nodes) or not sizes_mm:
        raise ValueError("one lymph_nodes flag per target size, at least one target")
    baseline, nadir = _mm(baseline_sum_mm), _mm(nadir_sum_mm)
    measured = [(_mm(size), node) for size, node in zip(sizes_mm, lymph_nodes, strict=True) if size is not None]
    measured_sum = sum((size for size, _ in measured), Fraction(0))
    complete = len(measured) == len(sizes_mm)
    if complete and all((size < NORMAL_NODE_SHORT_AXIS_MM) if node else size == 0 for size, node in measured):
        return Response.CR
    increase = measured_sum - nadir
    if increase >= PD_ABSOLUTE_INCREASE_MM and increase >= PD_INCREASE_FRACTION * nadir:
        return Response.PD
    if not complete:
        return Response.NE
    if baseline - measured_sum >= PR_DECREASE_FRACTION * baseline:
        return Response.PR
    return Response.SD


def non_target_response(states: Iterable[NonTargetState]) -> Response:
    """Non-target response at one time point (RECIST 1.1 section 4.3.2).

    PD: unequivocal progression of any non-target lesion; NE: any lesion not evaluated (and no PD);
    CR: all absent; otherwise NON_CR_NON_PD (persistence of one or more non-target lesions).
    """
    values = list(states)
    if not values:
        raise ValueError("no non-target lesion states")
    if NonTargetState.unequivocal_progression in values:
        return Response.PD
    if NonTargetState.not_evaluated in values:
        return Response.NE
    if all(state == NonTargetState.absent for state in values):
        return Response.CR
    return Response.NON_CR_NON_PD


def overall_response(target: Response | None, non_target: Response | None, new_lesions: bool) -> Response:
    """Time-point overall response by RECIST 1.1 Table 1, or Table 2 when ``target`` is None.

    ``target`` None: no target lesions (non-target disease only, Table 2). ``non_target`` None: no
    non-target lesions (the target response decides, Table 1 with non-target "CR").

    Table 1: PD if new lesions, target PD or non-target PD; CR/CR -> CR; CR with non-target
    NON_CR_NON_PD or NE -> PR; PR -> PR; SD -> SD; target NE -> NE.
    Table 2: CR -> CR; NON_CR_NON_PD -> NON_CR_NON_PD; NE -> NE.

    References: Eisenhauer et al., Eur J Cancer 2009;45:228, Tables 1 and 2, section 4.3.4 (new lesions).
    """
    if target is not None and target not in TARGET_RESPONSES:
        raise _error(
            N_("{response} is not a target-lesion response (CR, PR, SD, PD, NE)"),
            "target_response",
            response=target.value,
        )
    if non_target is not None and non_target not in NON_TARGET_RESPONSES:
        raise _error(
            N_("{response} is not a non-target response (CR, NON_CR_NON_PD, PD, NE)"),
            "non_target_response",
            response=non_target.value,
        )
    if target is None and non_target is None:
        raise _error(N_("a time point needs a target or a non-target response"), "target_response")
    if new_lesions or target == Response.PD or non_target == Response.PD:
        return Response.PD
    if target is None:
        return non_target  # type: ignore[return-value]  # Table 2: CR, NON_CR_NON_PD or NE
    if target == Response.CR:
        return Response.CR if non_target in (None, Response.CR) else Response.PR
    return target  # PR, SD, NE whatever the (non-PD) non-target response


# --------------------------------------------------------------------------- best overall response


class BestResponse(BaseModel):
    """Best overall response with its confirmation (RECIST 1.1 Table 3)."""

    model_config = ConfigDict(frozen=True)

    response: Response
    confirmed: bool
    response_date: dt.date | None
    confirmation_date: dt.date | None
    progression_date: dt.date | None


def _worse(a: Response, b: Response) -> Response:
    return a if _OBJECTIVE_RANK[a] <= _OBJECTIVE_RANK[b] else b


def _confirmation(
    timepoints: Sequence[tuple[dt.date, Response]], index: int, confirmation_days: int
) -> tuple[Response, dt.date] | None:
    """The best level at which the CR/PR at ``index`` is confirmed, and the confirming date."""
    date_i, response_i = timepoints[index]
    best: tuple[Response, dt.date] | None = None
    ne_between = 0
    for date_j, response_j in timepoints[index + 1 :]:
        if (date_j - date_i).days >= confirmation_days and response_j in _OBJECTIVE_RANK:
            level = _worse(response_i, response_j)
            if best is None or _OBJECTIVE_RANK[level] > _OBJECTIVE_RANK[best[0]]:
                best = (level, date_j)
            if level == response_i:
                break
        if response_j in _BREAKS_CONFIRMATION:
            break
        if response_j == Response.NE:
            ne_between += 1
            if ne_between > 1:
                break
    return best


def best_overall_response(
    baseline_date: dt.date,
    timepoints: Sequence[tuple[dt.date, Response]],
    confirmation_days: int,
    min_sd_days: int,
    stable: Response = Response.SD,
) -> BestResponse:
    """Best overall response when CR and PR need confirmation (RECIST 1.1 Table 3, section 4.6.1).

    1. Only time points up to and including the first PD count (section 4.4.3).
    2. A CR or PR at a time point is *confirmed* by a later assessment at least ``confirmation_days``
       after it with the same or a better response, with no SD, NON_CR_NON_PD or PD between the two and
       at most one NE between them. A CR followed by a PR that meets the interval is a confirmed PR
       (Table 3 row "CR then PR", footnote a: the first time point met PR criteria at least). The best
       overall response is the best confirmed one (CR before PR), ``confirmed`` True.
    3. Otherwise a time point that is CR, PR, SD (or NON_CR_NON_PD) at least ``min_sd_days`` after
       baseline makes the best response ``stable`` (SD; NON_CR_NON_PD for non-target disease only,
       Table 2 footnote) - the minimum SD duration of section 4.4.3.
    4. Otherwise PD if a PD occurred, else NE.

    Table 3 rows this yields: CR-CR -> CR; CR-PR -> PR; PR-CR and PR-PR -> PR; CR or PR then SD -> SD
    when the minimum duration is met; CR or PR then PD -> SD if the CR/PR was at least ``min_sd_days``
    after baseline, else PD; CR or PR then NE -> SD or NE; NE-NE -> NE. (Table 3 says "otherwise PD" for
    CR then SD, since disease after a true CR is progression; here the SD time point is taken as given
    and the contract's rule applies: NE unless a PD occurs.)

    References: Eisenhauer et al., Eur J Cancer 2009;45:228, section 4.4.3, Table 3, section 4.6.1.
    """
    if confirmation_days < 0 or min_sd_days < 0:
        raise _error(N_("confirmation and minimum SD intervals are days >= 0"), "confirmation_days")
    ordered = list(timepoints)
    if any(b[0] <= a[0] for a, b in zip(ordered, ordered[1:], strict=False)):
        raise _error(N_("time points must be in increasing date order"), "timepoints")
    considered: list[tuple[dt.date, Response]] = []
    progression_date = None
    for date, response in ordered:
        considered.append((date, response))
        if response == Response.PD:
            progression_date = date
            break

    best: tuple[Response, dt.date, dt.date] | None = None
    for index, (date, response) in enumerate(considered):
        if response not in _OBJECTIVE_RANK:
            continue
        confirmation = _confirmation(considered, index, confirmation_days)
        if confirmation is None:
            continue
        level, confirmed_on = confirmation
        if best is None or _OBJECTIVE_RANK[level] > _OBJECTIVE_RANK[best[0]]:
            best = (level, date, confirmed_on)
    if best is not None:
        return BestResponse(
            response=best[0],
            confirmed=True,
            response_date=best[1],
            confirmation_date=best[2],
            progression_date=progression_date,
        )
    for date, response in considered:
        if response in _STABLE_OR_BETTER and (date - baseline_date).days >= min_sd_days:
            return BestResponse(
                response=stable,
                confirmed=False,
                response_date=date,
                confirmation_date=None,
                progression_date=progression_date,
            )
    if progression_date is not None:
        return BestResponse(
            response=Response.PD,
            confirmed=False,
            response_date=progression_date,
            confirmation_date=None,
            progression_date=progression_date,
        )
    return BestResponse(
        response=Response.NE, confirmed=False, response_date=None, confirmation_date=None, progression_date=None
    )


# --------------------------------------------------------------------------- input validation


def _is_reader(assessment: Assessment, index: int) -> bool:
    return index > 0 and assessment.overall_response is not None


def validate_input(data: RecistInput) -> None:
    """Every cross-field rule of the input; the first problem raises :class:`InputError` naming the lesion.

    References: Eisenhauer et al., Eur J Cancer 2009;45:228, section 3.1.1 (measurability) and
    section 4.2 (at most 5 targets, 2 per organ); docs/contracts/recist.md (ids, dates, reader responses).
    """
    targets = {lesion.id: lesion for lesion in data.target_lesions}
    non_targets = {lesion.id: lesion for lesion in data.non_target_lesions}
    _check_lesion_lists(data)
    _check_dates(data.assessments)
    measured_mode = any(not _is_reader(a, i) for i, a in enumerate(data.assessments) if i > 0)
    if measured_mode and not targets and not non_targets:
        raise _error(
            N_("no target or non-target lesion: RECIST 1.1 needs the baseline disease (or reader responses)"),
            "target_lesions",
        )
    for index, assessment in enumerate(data.assessments):
        where = f"assessments[{index}]"
        _check_ids(assessment, where, targets, non_targets)
        if index == 0:
            _check_baseline(assessment, targets, measured_mode)
        elif _is_reader(assessment, index):
            _check_reader(assessment, where)
        else:
            _check_measured(assessment, where, targets, non_targets)
    _check_morphology(data.assessments)


def _error(template: str, field: str, **params: Param) -> InputError:
    """An input error whose message is also kept language-neutral (``template`` is an N_-marked msgid)."""
    return InputError(template.format(**params), field, template=template, params=dict(params))


def _check_lesion_lists(data: RecistInput) -> None:
    seen: set[str] = set()
    all_lesions: list[tuple[str, TargetLesion | NonTargetLesion]] = [
        *((f"target_lesions[{i}]", lesion) for i, lesion in enumerate(data.target_lesions)),
        *((f"non_target_lesions[{i}]", lesion) for i, lesion in enumerate(data.non_target_lesions)),
    ]
    for field, lesion in all_lesions:
        if lesion.id in seen:
            raise _error(N_("lesion id {lesion} is used twice; each lesion needs its own id"), field, lesion=lesion.id)
        seen.add(lesion.id)
    if len(data.target_lesions) > MAX_TARGET_LESIONS:
        lesion = data.target_lesions[MAX_TARGET_LESIONS]
        raise _error(
            N_(
                "lesion {lesion} is target lesion number {number}: RECIST 1.1 (section 4.2) allows "
                "at most {maximum} target lesions; record the others as non-target lesions"
            ),
            f"target_lesions[{MAX_TARGET_LESIONS}]",
            lesion=lesion.id,
            number=MAX_TARGET_LESIONS + 1,
            maximum=MAX_TARGET_LESIONS,
        )
    per_organ: dict[str, list[str]] = {}
    for i, lesion in enumerate(data.target_lesions):
        organ = lesion.organ.strip().lower()
        per_organ.setdefault(organ, []).append(lesion.id)
        if len(per_organ[organ]) > MAX_TARGET_LESIONS_PER_ORGAN:
            raise _error(
                N_(
                    "lesion {lesion} is a third target lesion in the {organ} (with {others}): RECIST 1.1 "
                    "(section 4.2) allows at most {maximum} per organ; record it as a non-target lesion"
                ),
                f"target_lesions[{i}]",
                lesion=lesion.id,
                organ=lesion.organ,
                others=", ".join(per_organ[organ][:-1]),
                maximum=MAX_TARGET_LESIONS_PER_ORGAN,
            )


def _check_dates(assessments: Sequence[Assessment]) -> None:
    for index in range(1, len(assessments)):
        before, now = assessments[index - 1].date, assessments[index].date
        if now <= before:
            raise _error(
                N_(
                    "{date} is not after the previous assessment ({previous}); "
                    "assessments are listed baseline first with strictly increasing dates"
                ),
                f"assessments[{index}].date",
                date=now.isoformat(),
                previous=before.isoformat(),
            )


def _check_ids(
    assessment: Assessment, where: str, targets: dict[str, TargetLesion], non_targets: dict[str, NonTargetLesion]
) -> None:
    for lesion_id in assessment.target_mm or {}:
        if lesion_id not in targets:
            template = (
                N_("measurement for unknown target lesion {lesion} (a non-target lesion: give its state in non_target)")
                if lesion_id in non_targets
                else N_("measurement for unknown target lesion {lesion}")
            )
            raise _error(template, f"{where}.target_mm.{lesion_id}", lesion=lesion_id)
    for lesion_id in assessment.non_target or {}:
        if lesion_id not in non_targets:
            template = (
                N_("state for unknown non-target lesion {lesion} (a target lesion: give its size in target_mm)")
                if lesion_id in targets
                else N_("state for unknown non-target lesion {lesion}")
            )
            raise _error(template, f"{where}.non_target.{lesion_id}", lesion=lesion_id)
    for lesion_id in assessment.morphology or {}:
        if lesion_id not in targets and lesion_id not in non_targets:
            raise _error(
                N_("morphology for unknown lesion {lesion}"), f"{where}.morphology.{lesion_id}", lesion=lesion_id
            )


def _check_baseline(assessment: Assessment, targets: dict[str, TargetLesion], measured_mode: bool) -> None:
    where = "assessments[0]"
    if assessment.overall_response is not None:
        raise _error(N_("the baseline (first assessment) has no response; remove overall_response"), where)
    if assessment.new_lesions:
        raise _error(N_("there are no new lesions at baseline (first assessment)"), f"{where}.new_lesions")
    sizes = assessment.target_mm or {}
    for lesion_id, lesion in targets.items():
        field = f"{where}.target_mm.{lesion_id}"
        if lesion_id not in sizes or sizes[lesion_id] is None:
            if not measured_mode and lesion_id not in sizes:
                continue
            raise _error(
                N_(
                    "target lesion {lesion} has no baseline measurement (needed for the sum of diameters; "
                    "only with reader responses at every follow-up may the baseline give just its date)"
                ),
                field,
                lesion=lesion_id,
            )
        size = _mm(sizes[lesion_id])  # type: ignore[arg-type]  # None handled above
        if lesion.lymph_node and size < MEASURABLE_NODE_SHORT_AXIS_MM:
            raise _error(
                N_(
                    "lymph node {lesion}: short axis {size_mm:g} mm at baseline is under {minimum_mm} mm, not a "
                    "measurable target node (RECIST 1.1 section 3.1.1); record it as a non-target lesion"
                ),
                field,
                lesion=lesion_id,
                size_mm=sizes[lesion_id],  # type: ignore[arg-type]  # None handled above
                minimum_mm=str(MEASURABLE_NODE_SHORT_AXIS_MM),
            )
        if not lesion.lymph_node and size < MEASURABLE_LESION_MM:
            raise _error(
                N_(
                    "lesion {lesion}: {size_mm:g} mm at baseline is under {minimum_mm} mm, "
                    "not measurable (RECIST 1.1 section 3.1.1); record it as a non-target lesion"
                ),
                field,
                lesion=lesion_id,
                size_mm=sizes[lesion_id],  # type: ignore[arg-type]  # None handled above
                minimum_mm=str(MEASURABLE_LESION_MM),
            )


def _check_reader(assessment: Assessment, where: str) -> None:
    if assessment.has_measurements:
        raise _error(
            N_("give either the reader's overall_response or measurements (target_mm, non_target), not both"), where
        )
    if assessment.new_lesions and assessment.overall_response != Response.PD:
        raise _error(
            N_("new lesions make the time point PD (RECIST 1.1 section 4.3.4), but overall_response is {response}"),
            f"{where}.overall_response",
            response=str(assessment.overall_response),
        )


def _check_measured(
    assessment: Assessment, where: str, targets: dict[str, TargetLesion], non_targets: dict[str, NonTargetLesion]
) -> None:
    if not assessment.has_measurements and assessment.new_lesions is None:
        raise _error(N_("give measurements (target_mm, non_target, new_lesions) or a reader overall_response"), where)
    for lesion_id in targets:
        if lesion_id not in (assessment.target_mm or {}):
            raise _error(
                N_("no measurement for target lesion {lesion} (use null if it was not evaluated)"),
                f"{where}.target_mm.{lesion_id}",
                lesion=lesion_id,
            )
    for lesion_id in non_targets:
        if lesion_id not in (assessment.non_target or {}):
            raise _error(
                N_("no state for non-target lesion {lesion} (use not_evaluated if it was not assessed)"),
                f"{where}.non_target.{lesion_id}",
                lesion=lesion_id,
            )
    if assessment.new_lesions is None:
        raise _error(N_("required: true or false (RECIST 1.1 section 4.3.4)"), f"{where}.new_lesions")


def _check_morphology(assessments: Sequence[Assessment]) -> None:
    baseline = assessments[0].morphology or {}
    for index, assessment in enumerate(assessments[1:], start=1):
        if not assessment.morphology:
            continue
        if not baseline:
            raise _error(
                N_("morphology after baseline needs the baseline morphology (assessments[0].morphology) to compare"),
                f"assessments[{index}].morphology",
            )
        for lesion_id in assessment.morphology:
            if lesion_id not in baseline:
                raise _error(
                    N_("lesion {lesion} has a morphology group here but none at baseline"),
                    f"assessments[{index}].morphology.{lesion_id}",
                    lesion=lesion_id,
                )


# --------------------------------------------------------------------------- the engine


def _stable_category(data: RecistInput) -> Response:
    """SD, or NON_CR_NON_PD for non-target disease only (RECIST 1.1 Table 2 footnote)."""
    if data.target_lesions:
        return Response.SD
    given = {a.overall_response for a in data.assessments[1:] if a.overall_response is not None}
    if given & {Response.PR, Response.SD}:
        return Response.SD
    if data.non_target_lesions or Response.NON_CR_NON_PD in given:
        return Response.NON_CR_NON_PD
    return Response.SD


def reappeared_after_cr(
    sizes_mm: Sequence[float | None], lymph_nodes: Sequence[bool], non_target: Iterable[NonTargetState]
) -> tuple[bool, bool]:
    """Whether a target lesion (first) or a non-target lesion (second) has reappeared, for a patient
    whose last evaluated overall response was CR.

    A non-nodal target is back when it measures > 0 mm, a nodal target when its short axis is >= 10 mm
    (no longer normal, section 4.3.1); a non-target lesion when it is present or progressing again.

    References: Eisenhauer et al., Eur J Cancer 2009;45:228, section 4.3.1 and Table 3 (notes: disease
    after a CR is progression); Schwartz LH et al., RECIST 1.1 update and clarification from the RECIST
    committee, Eur J Cancer 2016;62:132-7 (doi:10.1016/j.ejca.2016.03.081): a lesion that reappears in a
    patient in CR is PD.
    """
    target = any(
        size is not None and (_mm(size) >= NORMAL_NODE_SHORT_AXIS_MM if node else _mm(size) > 0)
        for size, node in zip(sizes_mm, lymph_nodes, strict=True)
    )
    back = {NonTargetState.present, NonTargetState.unequivocal_progression}
    return target, any(state in back for state in non_target)


def _pct(value: Fraction, reference: Fraction) -> float | None:
    if reference == 0:
        return None
    return float((value - reference) * 100 / reference)


def evaluate_recist(data: RecistInput, confirmation_days: int, min_sd_days: int) -> RecistResult:
    """RECIST 1.1 evaluation of one patient (docs/contracts/recist.md).

    ``confirmation_days`` and ``min_sd_days`` come from the protocol settings
    (``recist_confirmation_days``, ``recist_min_sd_days``).

    ``best_percent_change`` is the most negative (or least positive) change of the sum from baseline
    over every time point with a complete sum, including those after a PD: the value of a waterfall
    plot. Null when no time point has a sum.

    References: Eisenhauer et al., Eur J Cancer 2009;45:228 (sections 3-4, Tables 1-3),
    doi:10.1016/j.ejca.2008.10.026; Chun et al., JAMA 2009;302:2338 (morphology), doi:10.1001/jama.2009.1755.
    """
    validate_input(data)
    if confirmation_days < 0 or min_sd_days < 0:
        raise _error(N_("confirmation and minimum SD intervals are days >= 0"), "min_sd_days")
    baseline = data.assessments[0]
    targets = data.target_lesions
    baseline_sizes = baseline.target_mm or {}
    baseline_sum: Fraction | None = None
    if targets and all(baseline_sizes.get(lesion.id) is not None for lesion in targets):
        baseline_sum = sum((_mm(baseline_sizes[lesion.id]) for lesion in targets), Fraction(0))  # type: ignore[arg-type]
    baseline_morphology: dict[str, MorphologyGroup] = dict(baseline.morphology or {})
    has_morphology = any(a.morphology for a in data.assessments)

    nadir = baseline_sum
    results: list[TimepointResult] = []
    in_cr = False  # the last evaluated overall response was CR (a reappearance is then PD)
    for assessment in data.assessments[1:]:
        if results and results[-1].overall_response != Response.NE:
            in_cr = results[-1].overall_response == Response.CR
        group, morph = assess_morphology(baseline_morphology, assessment.morphology)
        common = {
            "date": assessment.date,
            "days_from_baseline": (assessment.date - baseline.date).days,
            "morphologic_group": group,
            "morphologic_response": morph,
        }
        if assessment.overall_response is not None:
            results.append(
                TimepointResult(
                    source="reader",
                    sum_mm=None,
                    nadir_sum_mm=None if nadir is None else float(nadir),
                    change_from_baseline_pct=None,
                    change_from_nadir_pct=None,
                    target_response=None,
                    non_target_response=None,
                    new_lesions=assessment.new_lesions,
                    overall_response=assessment.overall_response,
                    **common,
                )
            )
            continue
        sizes = assessment.target_mm or {}
        target: Response | None = None
        total: Fraction | None = None
        if targets:
            assert baseline_sum is not None and nadir is not None  # validate_input: measured mode
            values = [sizes[lesion.id] for lesion in targets]
            target = target_response(
                values, [lesion.lymph_node for lesion in targets], float(baseline_sum), float(nadir)
            )
            if all(v is not None for v in values):
                total = sum((_mm(v) for v in values if v is not None), Fraction(0))
        states = [(assessment.non_target or {})[lesion.id] for lesion in data.non_target_lesions]
        non_target = non_target_response(states) if data.non_target_lesions else None
        if in_cr:
            sizes_now = [sizes.get(lesion.id) for lesion in targets]
            target_back, non_target_back = reappeared_after_cr(
                sizes_now, [lesion.lymph_node for lesion in targets], states
            )
            target = Response.PD if target_back else target
            non_target = Response.PD if non_target_back else non_target
        new_lesions = bool(assessment.new_lesions)
        results.append(
            TimepointResult(
                source="measured",
                sum_mm=None if total is None else float(total),
                nadir_sum_mm=None if nadir is None else float(nadir),
                change_from_baseline_pct=None if total is None or baseline_sum is None else _pct(total, baseline_sum),
                change_from_nadir_pct=None if total is None or nadir is None else _pct(total, nadir),
                target_response=target,
                non_target_response=non_target,
                new_lesions=new_lesions,
                overall_response=overall_response(target, non_target, new_lesions),
                **common,
            )
        )
        if total is not None and nadir is not None:
            nadir = min(nadir, total)

    best = best_overall_response(
        baseline.date,
        [(tp.date, tp.overall_response) for tp in results],
        confirmation_days,
        min_sd_days,
        stable=_stable_category(data),
    )
    changes = [tp.change_from_baseline_pct for tp in results if tp.change_from_baseline_pct is not None]
    morphologic: MorphologicResponse | None = best_morphologic_response(tp.morphologic_response for tp in results)
    return RecistResult(
        subject_id=data.subject_id,
        baseline_date=baseline.date,
        baseline_sum_mm=None if baseline_sum is None else float(baseline_sum),
        timepoints=results,
        best_overall_response=best.response,
        confirmed=best.confirmed,
        best_response_date=best.response_date,
        confirmation_date=best.confirmation_date,
        progression_date=best.progression_date,
        best_percent_change=min(changes) if changes else None,
        confirmation_days=confirmation_days,
        min_sd_days=min_sd_days,
        has_morphology=has_morphology,
        baseline_morphologic_group=patient_group(baseline_morphology) if baseline_morphology else None,
        morphologic_response=morphologic,
    )
