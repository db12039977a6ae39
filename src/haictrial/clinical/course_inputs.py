"""Which forms each record's derived values (and the deviations) read, so that a save derives only what the
saved form can change.

:func:`haictrial.clinical.course.derive` computes the values of each record from a few forms of the
subject's casebook only (:data:`DERIVED_FROM`). A saved record of form F can therefore change the derived
values of the records of :func:`affected_by` (F) only; they are exactly the values :func:`derive` gives on
the casebook :func:`restricted` to :func:`inputs_of` those forms, so the rest of the casebook need not be
read or derived again (the other records keep the values stored by the save that last changed their inputs).

References
----------
- Protocol ``settings.dose_modification``: a cycle's plan reads the baseline (height, weight, sex), the
  earlier cycles (weight, pre-cycle laboratory values), the adverse events between them and the
  targeted-agent administrations (:mod:`haictrial.clinical.course`, module docstring).
- RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228): a time-point response reads the baseline
  lesions and the imaging assessments.
- Clavien-Dindo (Dindo et al., Ann Surg 2004;240:205) and 90-day mortality: a resection reads the
  follow-up visits and the end of study (the death date).
"""

from __future__ import annotations

from collections.abc import Iterable

from haictrial.clinical.crf_models import FORM_ATTRIBUTES, FormName, SubjectForms

F = FormName

#: form -> the forms its records' derived values (and outcome codes) are computed from.
DERIVED_FROM: dict[FormName, frozenset[FormName]] = {
    F.baseline: frozenset({F.baseline}),
    F.haic_cycle: frozenset({F.baseline, F.haic_cycle, F.targeted_agent, F.adverse_events}),
    F.targeted_agent: frozenset({F.baseline, F.haic_cycle, F.targeted_agent, F.adverse_events}),
    F.imaging: frozenset({F.baseline, F.imaging}),
    F.adverse_events: frozenset({F.adverse_events}),
    F.concomitant_medications: frozenset(),  # nothing is derived from a concomitant medication
    F.mdt_review: frozenset({F.mdt_review}),
    F.resection: frozenset({F.resection, F.follow_up, F.end_of_study}),
    F.follow_up: frozenset({F.follow_up}),
    F.end_of_study: frozenset({F.end_of_study}),
}


#: The forms protocol deviations are found from (:func:`haictrial.clinical.deviations.detect_deviations`: the
#: visit windows of the visit forms, the doses and safety overrides of the HAIC cycles and targeted-agent
#: administrations, the procedures' consent dates, the end of study). A concomitant medication is only listed
#: beside the visit it falls after (``visit_schedule.LOG_FORMS``): it decides no window, dose or date.
DEVIATIONS_FROM: frozenset[FormName] = frozenset(FormName) - {F.concomitant_medications}


def affected_by(changed: FormName) -> frozenset[FormName]:
    """The forms whose records' derived values a change of a ``changed`` record can alter."""
    return frozenset(form for form, inputs in DERIVED_FROM.items() if changed in inputs)


def inputs_of(forms: Iterable[FormName]) -> frozenset[FormName]:
    """Every form the derived values of ``forms`` read."""
    found: set[FormName] = set()
    for form in forms:
        found |= DERIVED_FROM[form]
    return frozenset(found)


def restricted(forms: SubjectForms, keep: Iterable[FormName]) -> SubjectForms:
    """``forms`` with only the records of ``keep`` (every other form empty); the indexes of kept records
    are unchanged, so a derived value's :data:`~haictrial.clinical.course.RecordKey` stays valid."""
    kept = set(keep)
    update: dict[str, object] = {}
    for form, attribute in FORM_ATTRIBUTES.items():
        if form not in kept:
            update[attribute] = [] if isinstance(getattr(forms, attribute), list) else None
    return forms.model_copy(update=update)
