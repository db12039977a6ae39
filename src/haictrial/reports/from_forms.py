"""Analysis rows of one subject from the eCRFs (:class:`haictrial.clinical.crf_models.SubjectForms`).

Pure: the database adapter reads the records and calls :func:`subject_rows` per subject. Derivations
are the core engines': RECIST 1.1 by :func:`haictrial.clinical.crf_outcome.evaluate_response` (time-point
responses, best overall response, confirmation, best percent change, morphologic response), the
margin by :meth:`LiverResection.margin` (R0 >= 1 mm), seriousness by :attr:`AdverseEvent.is_serious`.

Rules stated here:

* a cycle's delay is the days its day 1 (admission) fell after the previous cycle's day 1 plus the
  protocol's cycle length (``regimen.cycle_length_days``), at least 0; the first cycle has no delay;
* a cycle is dose-modified when any drug was planned below its starting dose level or the plan records a
  modification;
* an AE's attribution is the strongest one given to any drug or to the HAIC procedure;
* the resection is the last one whose margin can be classified (a two-stage hepatectomy ends with
  its second stage); a resection still waiting for its pathology is not counted yet;
* progression is the first of RECIST progression and a follow-up ``progression``; recurrence is the
  first follow-up ``recurrence``; death from the follow-up or end-of-study form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from haictrial.clinical.adverse_events import strongest_attribution
from haictrial.clinical.crf_models import SubjectForms
from haictrial.clinical.crf_outcome import evaluate_response
from haictrial.clinical.follow_up import DiseaseEvent
from haictrial.clinical.recist_models import RecistResult
from haictrial.errors import DomainError
from haictrial.protocol.schema import Protocol
from haictrial.reports.data_issues import DataIssue
from haictrial.reports.i18n import _
from haictrial.vocabulary.enums import Attribution


@dataclass
class SubjectRows:
    """ADSL values (outcome and eCRF baseline columns) and the ADRS, ADAE and ADEX rows of one subject."""

    adsl: dict[str, Any]
    adrs: list[dict[str, Any]] = field(default_factory=list)
    adae: list[dict[str, Any]] = field(default_factory=list)
    adex: list[dict[str, Any]] = field(default_factory=list)
    #: eCRF records left out of a part of the analysis (:mod:`haictrial.reports.data_issues`), as dicts.
    issues: list[dict[str, Any]] = field(default_factory=list)


def _issue(subject_id: str, form: str, exc_or_field: DomainError | str, problem: str, left_out: tuple[str, ...]):
    if isinstance(exc_or_field, DomainError):
        field_name, problem = exc_or_field.field or form, exc_or_field.message + problem
    else:
        field_name = exc_or_field
    return DataIssue(subject_id=subject_id, form=form, field=field_name, problem=problem, left_out=left_out).as_dict()


def stored_forms_issue(subject_id: str, exc: DomainError) -> dict[str, Any]:
    """A subject whose stored eCRFs no longer parse: the screening baseline is kept, the eCRFs left out."""
    return _issue(subject_id, "ecrf", exc, _(": the eCRFs are left out, the screening baseline kept"), ("ecrf",))


def _first(dates: list[dt.date | None]) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def _cycles(forms: SubjectForms, protocol: Protocol, issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    previous: dt.date | None = None
    for form in sorted(forms.haic_cycles, key=lambda f: f.cycle):
        day1 = form.admission_date
        if day1 is None:  # a missing required date: the cycle cannot be placed in time
            issues.append(_issue(forms.subject_id, "haic_cycle", "admission_date",
                                 _("cycle {cycle} has no admission date: left out of exposure").format(cycle=form.cycle),
                                 ("adex",)))  # fmt: skip
            continue
        planned = None if previous is None else previous + dt.timedelta(days=protocol.regimen.cycle_length_days)
        modified = any((i.planned_dose_level or 0) > 0 or i.planned_dose_modification for i in form.infusions)
        rows.append(
            {
                "subject_id": forms.subject_id,
                "cycle": form.cycle,
                "cycle_date": day1,
                "delay_days": 0 if planned is None else max((day1 - planned).days, 0),
                "dose_modified": bool(modified),
            }
        )
        previous = day1
    return rows


def _attribution(event: Any) -> str:
    strongest = strongest_attribution(event.attribution)
    return (strongest or Attribution.unrelated).value


def _adverse_events(forms: SubjectForms) -> list[dict[str, Any]]:
    return [
        {
            "subject_id": forms.subject_id,
            "term": event.term,
            "grade": event.grade,
            "serious": event.is_serious,
            "onset_date": event.onset_date,
            "attribution": _attribution(event),
        }
        for event in forms.adverse_events
    ]


_RESPONSE_COLUMNS = ("best_overall_response", "best_percent_change", "response_confirmed", "morphologic_response")


def response_rows(result: RecistResult) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """ADRS rows (baseline first) and the ADSL response values of one RECIST evaluation.

    A subject with no assessment after baseline has no best response (not assessed), not RECIST's NE.
    """
    sid = result.subject_id
    rows = [
        {
            "subject_id": sid,
            "assessment_date": result.baseline_date,
            "baseline": True,
            "sum_mm": result.baseline_sum_mm,
            "percent_change": 0.0 if result.baseline_sum_mm else None,
            "overall_response": None,
        }
    ]
    rows += [
        {"subject_id": sid, "assessment_date": tp.date, "baseline": False, "sum_mm": tp.sum_mm,
         "percent_change": tp.change_from_baseline_pct,
         "overall_response": None if tp.overall_response is None else tp.overall_response.value}
        for tp in result.timepoints
    ]  # fmt: skip
    if not result.timepoints:
        return rows, dict.fromkeys(_RESPONSE_COLUMNS)
    return rows, {
        "best_overall_response": result.best_overall_response.value,
        "best_percent_change": result.best_percent_change,
        "response_confirmed": result.confirmed,
        "morphologic_response": None if result.morphologic_response is None else result.morphologic_response.value,
    }


def subject_rows(forms: SubjectForms, protocol: Protocol) -> SubjectRows:
    """The analysis values of one subject's eCRFs (see the module docstring for each rule)."""
    sid = forms.subject_id
    out = SubjectRows(adsl={"subject_id": sid}, adae=_adverse_events(forms))
    out.adex = _cycles(forms, protocol, out.issues)
    adsl = out.adsl
    baseline = forms.baseline
    recist_progression: dt.date | None = None
    adsl |= dict.fromkeys(_RESPONSE_COLUMNS)
    if baseline is not None:
        adsl["cea_ng_ml"] = baseline.tumour_markers.cea_ng_per_ml
        if baseline.ecog is not None:
            adsl["ecog"] = baseline.ecog
        liver = [x for x in baseline.lesions if x.organ == "liver"]
        if liver:
            adsl["lesion_count"] = len(liver)
            sizes = [x.longest_diameter_mm for x in liver if x.longest_diameter_mm is not None]
            adsl["largest_lesion_mm"] = max(sizes) if sizes else None
        if forms.imaging:
            try:
                result = evaluate_response(sid, baseline, forms.imaging, protocol)
            except DomainError as exc:
                out.issues.append(_issue(sid, "imaging", exc, _(": left out of response"), ("adrs", "response")))
            else:
                recist_progression = result.progression_date
                adrs, best = response_rows(result)
                out.adrs += adrs
                adsl |= best
    reviews = sorted((r for r in forms.mdt_reviews if r.date and r.decision), key=lambda r: r.date or dt.date.min)
    adsl["mdt_decision"] = reviews[-1].decision.value if reviews and reviews[-1].decision else None
    classified = []
    for resection in forms.resections:
        try:
            margin = resection.margin
        except DomainError as exc:
            out.issues.append(_issue(sid, "resection", exc, _(": left out of CTRR and RFS"), ("ctrr", "RFS")))
            continue
        if resection.date is not None and margin is not None:
            classified.append((resection.date, margin.value))
    classified.sort()
    adsl["resection_date"], adsl["resection_margin"] = classified[-1] if classified else (None, None)
    follow = forms.follow_up
    adsl["progression_date"] = _first(
        [recist_progression, *(f.event_date for f in follow if f.disease_event == DiseaseEvent.progression)]
    )
    adsl["recurrence_date"] = _first([f.event_date for f in follow if f.disease_event == DiseaseEvent.recurrence])
    end = forms.end_of_study
    adsl["death_date"] = _first([*(f.death_date for f in follow), end.death_date if end else None])
    contacts = [
        forms.enrolment_date,
        *(f.date for f in follow),
        *(r["cycle_date"] for r in out.adex),
        *(i.date for i in forms.imaging),
        adsl["resection_date"],
        adsl["death_date"],
    ]
    adsl["last_contact_date"] = max(d for d in contacts if d is not None)
    adsl["off_study_reason"] = None if end is None or end.reason is None else end.reason.value
    return out
