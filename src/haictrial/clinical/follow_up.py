"""Follow-up and End of study eCRFs, and the follow-up visit schedule.

Public names
------------
- :class:`FollowUpVisit` (vital status, progression or recurrence with date and sites, subsequent
  therapy, death date and cause) with :class:`SubsequentTherapy`; enums :class:`VitalStatus`,
  :class:`DiseaseEvent`, :class:`RecurrenceSite`, :class:`SubsequentTherapyType`, :class:`DeathCause`.
- :class:`EndOfStudy` with :class:`EndOfStudyReason`.
- :func:`add_months(day, months) -> date`: calendar months, clamped to the end of a shorter month
  (31 January + 1 month = 28 or 29 February).
- :func:`follow_up_schedule(last_treatment_date, protocol) -> list[FollowUpVisitDue]`: a visit every
  ``schedule.follow_up_every_months`` months after the last treatment, for ``schedule.follow_up_years``
  years, each +/- ``schedule.follow_up_window_days``. Each date is counted from the last treatment date
  (not from the previous visit), so month-end clamping never accumulates.

References
----------
- CHALLENGE-A1 protocol ``schedule`` (follow-up every 3 months for 5 years, window +/- 14 days);
  endpoints ``os``, ``pfs`` and ``rfs`` (time frame up to 5 years).
- Progression: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228); recurrence after R0/R1 resection
  (endpoint ``rfs``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haictrial.clinical.crf_base import CrfForm, CrfModel, ShortText, Text, rule_error
from haictrial.clinical.messages import N_
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.base import JsonDate


class VitalStatus(StrEnum):
    alive = "alive"
    dead = "dead"
    unknown = "unknown"


class DiseaseEvent(StrEnum):
    """``progression`` of disease under treatment, or ``recurrence`` after a complete (R0/R1) resection."""

    progression = "progression"
    recurrence = "recurrence"


class RecurrenceSite(StrEnum):
    liver = "liver"
    lung = "lung"
    peritoneum = "peritoneum"
    lymph_nodes = "lymph_nodes"
    locoregional = "locoregional"
    bone = "bone"
    brain = "brain"
    other = "other"


class SubsequentTherapyType(StrEnum):
    systemic_chemotherapy = "systemic_chemotherapy"
    targeted_therapy = "targeted_therapy"
    immunotherapy = "immunotherapy"
    hepatic_arterial_infusion = "hepatic_arterial_infusion"
    liver_resection = "liver_resection"
    ablation = "ablation"
    radiotherapy = "radiotherapy"
    other = "other"


class DeathCause(StrEnum):
    disease_progression = "disease_progression"
    treatment_related = "treatment_related"
    postoperative_complication = "postoperative_complication"
    other_cause = "other_cause"
    unknown = "unknown"


class EndOfStudyReason(StrEnum):
    completed_follow_up = "completed_follow_up"
    death = "death"
    withdrawal_of_consent = "withdrawal_of_consent"
    lost_to_follow_up = "lost_to_follow_up"
    investigator_decision = "investigator_decision"
    other = "other"


class SubsequentTherapy(CrfModel):
    type: SubsequentTherapyType
    start_date: JsonDate | None = None
    description: ShortText | None = Field(None, description="Regimen or procedure; required for 'other'.")

    @model_validator(mode="after")
    def _other_needs_words(self) -> SubsequentTherapy:
        if self.type == SubsequentTherapyType.other and not self.description:
            raise rule_error("description", N_("required when type is 'other'"))
        return self


class FollowUpVisit(CrfForm):
    """One follow-up contact (visit or telephone): vital status, disease status, further treatment."""

    date: JsonDate | None = None
    vital_status: VitalStatus | None = None
    disease_event: DiseaseEvent | None = Field(None, description="A progression or recurrence first recorded here.")
    event_date: JsonDate | None = None
    event_sites: list[RecurrenceSite] = Field(default_factory=list)
    event_site_other: ShortText | None = None
    subsequent_therapies: list[SubsequentTherapy] = Field(default_factory=list)
    death_date: JsonDate | None = None
    death_cause: DeathCause | None = None
    death_cause_text: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FollowUpVisit:
        if self.disease_event is None and (self.event_date is not None or self.event_sites):
            raise rule_error(
                "disease_event", N_("event_date and event_sites need the event: progression or recurrence")
            )
        if RecurrenceSite.other in self.event_sites and not self.event_site_other:
            raise rule_error("event_site_other", N_("required when event_sites includes 'other'"))
        if len(set(self.event_sites)) != len(self.event_sites):
            raise rule_error("event_sites", N_("a site is listed twice"))
        if self.date is not None and self.event_date is not None and self.event_date > self.date:
            raise rule_error("event_date", N_("is after the follow-up date"))
        if self.vital_status != VitalStatus.dead:
            for name in ("death_date", "death_cause", "death_cause_text"):
                if getattr(self, name) is not None:
                    raise rule_error(name, N_("only when vital_status is 'dead'"))
        if self.date is not None and self.death_date is not None and self.death_date > self.date:
            raise rule_error("death_date", N_("is after the follow-up date"))
        if self.death_cause == DeathCause.other_cause and not self.death_cause_text:
            raise rule_error("death_cause_text", N_("required when death_cause is 'other_cause'"))
        return self


class EndOfStudy(CrfForm):
    """End of study: when and why the subject's participation ended."""

    date: JsonDate | None = None
    reason: EndOfStudyReason | None = None
    reason_text: Text | None = Field(None, description="Required when reason is 'other'.")
    death_date: JsonDate | None = Field(None, description="When reason is 'death'.")

    @model_validator(mode="after")
    def _consistent(self) -> EndOfStudy:
        if self.reason == EndOfStudyReason.other and not self.reason_text:
            raise rule_error("reason_text", N_("required when reason is 'other'"))
        if self.death_date is not None and self.reason != EndOfStudyReason.death:
            raise rule_error("death_date", N_("only when reason is 'death'"))
        if self.date is not None and self.death_date is not None and self.death_date > self.date:
            raise rule_error("death_date", N_("is after the end-of-study date"))
        return self


# --- schedule -----------------------------------------------------------------------------------------


class FollowUpVisitDue(BaseModel):
    """One planned follow-up visit: its target date and window."""

    model_config = ConfigDict(frozen=True)

    number: int
    months_after: int
    date: dt.date
    window_start: dt.date
    window_end: dt.date

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "months_after": self.months_after,
            "date": self.date.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the day of the month clamped to the month's length."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise InputError.of(
            N_("{months} months from {day} is outside the calendar"), "months", months=months, day=str(day)
        )
    month = month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_schedule(last_treatment_date: dt.date, protocol: Protocol) -> list[FollowUpVisitDue]:
    """The follow-up visits after ``last_treatment_date`` (the last HAIC cycle or the resection).

    Visit k (k = 1, 2, ...) is due ``k x follow_up_every_months`` calendar months after the last
    treatment, as long as that is within ``follow_up_years`` years; window +/- ``follow_up_window_days``.
    With CHALLENGE-A1 (3 months, 5 years, 14 days): 20 visits, the last 60 months after.

    References
    ----------
    Protocol ``schedule.follow_up_every_months``, ``follow_up_years``, ``follow_up_window_days``.
    """
    schedule = protocol.schedule
    every, total = schedule.follow_up_every_months, schedule.follow_up_years * 12
    window = dt.timedelta(days=schedule.follow_up_window_days)
    visits = []
    for number in range(1, total // every + 1):
        months = number * every
        due = add_months(last_treatment_date, months)
        visits.append(
            FollowUpVisitDue(
                number=number, months_after=months, date=due, window_start=due - window, window_end=due + window
            )
        )
    return visits


__all__ = [
    "DeathCause",
    "DiseaseEvent",
    "EndOfStudy",
    "EndOfStudyReason",
    "FollowUpVisit",
    "FollowUpVisitDue",
    "RecurrenceSite",
    "SubsequentTherapy",
    "SubsequentTherapyType",
    "VitalStatus",
    "add_months",
    "follow_up_schedule",
]
