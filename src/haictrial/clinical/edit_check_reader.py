"""The edit check of the imaging reader's response: the reader's own time-point response, recorded beside
the measurements, must agree with the response the RECIST 1.1 engine derives from those measurements.

A disagreement is not an error of either: the reader may have seen what the measurements do not say
(an unequivocal non-target progression, a lesion not evaluable) or the measurements may be mistyped.
The check raises a query on the reader's field so that the site confirms one or corrects the other.

References
----------
- RECIST 1.1: Eisenhauer EA et al., Eur J Cancer 2009;45:228-47 (doi:10.1016/j.ejca.2008.10.026),
  section 4.3 (evaluation of target and non-target lesions, new lesions), Table 1 (time-point response
  from target, non-target and new lesions) and section 4.6.1 (independent review of the responses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_outcome import ImagingAssessmentForm, evaluate_response
from haictrial.clinical.edit_check_messages import READER_DISAGREES
from haictrial.clinical.edit_check_rules import EditCheck, EditCheckContext, EditCheckFinding
from haictrial.errors import DomainError


@dataclass(frozen=True, kw_only=True)
class ReaderResponseAgrees(EditCheck):
    """``reader_response`` of each measured imaging time point equals the engine's time-point response.

    Nothing is reported while the RECIST input is incomplete or invalid: the required-field checks and
    ``XF-recist`` (the engine's own input rules) speak first.
    """

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        forms = context.forms
        baseline = forms.baseline
        imaging: list[ImagingAssessmentForm] = list(forms.imaging)
        if baseline is None or not any(form.reader_response is not None for form in imaging):
            return []
        try:
            result = evaluate_response(forms.subject_id, baseline, imaging, context.protocol)
        except DomainError:
            return []
        # The engine returns the time points in date order; the forms are in entry order.
        ordered = sorted(range(len(imaging)), key=lambda i: imaging[i].date or dt.date.min)
        instances = forms.instances(FormName.imaging)
        found = []
        for position, index in enumerate(ordered):
            reader = imaging[index].reader_response
            engine = result.timepoints[position].overall_response
            if reader is not None and reader != engine:
                found.append(
                    self.finding(instances[index], template=READER_DISAGREES, reader=reader.value, engine=engine.value)
                )
        return found


__all__ = ["ReaderResponseAgrees"]
