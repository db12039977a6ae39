"""Data issues: records that make a part of the analysis impossible, named and left out of that part only.

:func:`haictrial.reports.datasets.prepare` does not stop at the first odd record: each record it cannot use
for some part of the analysis is listed as a :class:`DataIssue` (``subject_id``, ``form``, ``field``,
``problem`` and the parts it is ``left_out`` of), and the rest of the report is built. The rules:

* a value that is not of its column's type, or a date outside 1900-01-01 to the build date (a screening
  dated 3397, server contract "Trial data" date limits), is treated as missing;
* a record missing a required value is left out of its data set (a screening without a date is left out of
  the screening log and CONSORT; an imaging assessment, adverse event or cycle without its date is left
  out of response, safety or exposure); a subject without an enrolment date is left out of the analysis;
* an event date before the enrolment (or a recurrence before the resection) is an inconsistent sequence:
  the subject is left out of the time-to-event endpoints that date enters (OS: death; PFS: progression,
  recurrence, death; RFS: recurrence, death) and kept everywhere else;
* a resection date without a margin (or a margin without a date) leaves the resection out of CTRR and RFS;
* a record of an unknown subject, a subject or screening listed twice (the first is kept), a CTCAE grade
  outside 1-5 (CTCAE v5.0 grades 1-5), an ECOG outside 0-5 (Oken 1982) are named and left out.

References
----------
Server contract, "Reports as background jobs": ``data_issues`` ``[{"subject_id", "form", "field", "problem"}]``.
ICH E9 section 5.2 (the analysis sets; records excluded are reported with the reason).
Oken MM et al. Toxicity and response criteria of the ECOG. Am J Clin Oncol 1982;5:649-655.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

#: The earliest date a trial record may hold (server contract: dates before 1900-01-01 are refused).
EARLIEST_DATE = pd.Timestamp("1900-01-01")

#: The eCRF (or EDC record) each analysis column comes from, for the ``form`` of an issue.
FORMS: dict[tuple[str, str], str] = {
    ("adsl", "enrolment_date"): "enrolment",
    ("adsl", "cea_ng_ml"): "baseline",
    ("adsl", "lesion_count"): "baseline",
    ("adsl", "largest_lesion_mm"): "baseline",
    ("adsl", "best_overall_response"): "imaging",
    ("adsl", "best_percent_change"): "imaging",
    ("adsl", "response_confirmed"): "imaging",
    ("adsl", "morphologic_response"): "imaging",
    ("adsl", "mdt_decision"): "mdt_review",
    ("adsl", "resection_date"): "resection",
    ("adsl", "resection_margin"): "resection",
    ("adsl", "progression_date"): "follow_up",
    ("adsl", "recurrence_date"): "follow_up",
    ("adsl", "death_date"): "follow_up",
    ("adsl", "last_contact_date"): "follow_up",
    ("adsl", "off_study_reason"): "end_of_study",
}
DATASET_FORMS = {
    "adsl": "screening",
    "adrs": "imaging",
    "adae": "adverse_events",
    "adex": "haic_cycle",
    "screening_log": "screening",
}

#: The time-to-event endpoints each ADSL event date enters (protocol endpoints os, pfs, rfs).
ENDPOINTS_OF_DATE: dict[str, tuple[str, ...]] = {
    "death_date": ("OS", "PFS", "RFS"),
    "progression_date": ("PFS",),
    "recurrence_date": ("PFS", "RFS"),
    "resection_date": ("RFS",),
}


class DataIssue(BaseModel):
    """One record that makes a part of the analysis impossible.

    ``subject_id`` is the subject (or, for a screening not enrolled, the screening id); ``form`` the eCRF
    or EDC record; ``field`` its field; ``problem`` what is wrong; ``left_out`` the parts of the
    analysis the record is left out of.
    """

    model_config = ConfigDict(frozen=True)

    subject_id: str | None
    form: str
    field: str
    problem: str
    left_out: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "subject_id": self.subject_id,
            "form": self.form,
            "field": self.field,
            "problem": self.problem,
            "left_out": list(self.left_out),
        }


def form_of(dataset: str, column: str) -> str:
    """The eCRF a column of ``dataset`` comes from."""
    return FORMS.get((dataset, column), DATASET_FORMS.get(dataset, dataset))


@dataclass
class IssueLog:
    """The issues found while preparing the data sets, and the subjects left out of each endpoint."""

    latest_date: pd.Timestamp = field(default_factory=lambda: pd.Timestamp(dt.date.today()))
    issues: list[DataIssue] = field(default_factory=list)
    left_out_of_endpoint: dict[str, set[str]] = field(default_factory=lambda: {"OS": set(), "PFS": set(), "RFS": set()})

    def add(
        self, dataset: str, frame: pd.DataFrame, mask: pd.Series, column: str, problem: str, left_out: tuple[str, ...]
    ) -> None:
        """One issue per row of ``frame`` where ``mask`` is true (``problem`` may hold ``{value}``)."""
        rows = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
        for row in rows:
            value = frame[column].iloc[row] if column in frame.columns else None
            self.issues.append(
                DataIssue(
                    subject_id=record_id(frame, int(row)),
                    form=form_of(dataset, column),
                    field=column,
                    problem=problem.format(value=_shown(value)),
                    left_out=left_out,
                )
            )

    def leave_out(self, subject_ids: list[str], endpoints: tuple[str, ...]) -> None:
        for endpoint in endpoints:
            self.left_out_of_endpoint.setdefault(endpoint, set()).update(subject_ids)

    def as_list(self) -> list[dict[str, object]]:
        return [issue.as_dict() for issue in self.issues]


def _shown(value: object) -> str:
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def record_id(frame: pd.DataFrame, row: int) -> str | None:
    """The subject of a row, else its screening id."""
    for column in ("subject_id", "screening_id"):
        if column in frame.columns:
            value = frame[column].iloc[row]
            if isinstance(value, str) and value:
                return value
    return None


def issues_table(issues: list[dict[str, object]]) -> pd.DataFrame:
    """The data issues as the report's table (one row per issue)."""
    from haictrial.reports.i18n import _

    columns = [_("Subject"), _("Form"), _("Field"), _("Problem"), _("Left out of")]
    rows = [
        [i["subject_id"] or "", i["form"], i["field"], i["problem"], ", ".join(map(str, i["left_out"]))]  # type: ignore[call-overload]
        for i in issues
    ]
    return pd.DataFrame(rows, columns=columns)
