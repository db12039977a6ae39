"""The rule classes behind the edit checks; the checks themselves are declared in
:mod:`haictrial.clinical.edit_checks` (:data:`~haictrial.clinical.edit_checks.EDIT_CHECKS`).

Public names
------------
- :class:`Severity`, :class:`EditCheckFinding` (``check_id, form, field, message, severity`` plus the
  record's ``index``, ``record_id`` and full ``path``), :class:`EditCheckContext` (forms, protocol, today,
  site time zone), :class:`EditCheck` (``evaluate(context) -> list[EditCheckFinding]``).
- :func:`field_values(record, path) -> list[(field, value)]`: ``infusions[].given_dose_mg`` expands to
  ``infusions[0].given_dose_mg``, ``infusions[1].given_dose_mg``, ...
- Field rules: :class:`RequiredField`, :class:`RangeCheck`, :class:`LabPlausibility`, :class:`NotInFuture`.
- Cross-form rules: :class:`AfterEnrolment`, :class:`ResectionAfterMdtDecision`, :class:`NothingAfterDeath`,
  :class:`DeathDatesAgree`, :class:`EndOfStudyDeath`, :class:`DoseDeviationReason`, :class:`CycleOrder`,
  :class:`CycleSequence`, :class:`CycleInterval`, :class:`ImagingOrder`, :class:`ImagingModalitySame`,
  :class:`RecistConsistency`, :class:`ComplicationReportedAsAdverseEvent`, :class:`ClavienVNeedsDeath`,
  :class:`LabsBeforeInfusion`, :class:`MdtConsistency`; the targeted-agent rules are in
  :mod:`haictrial.clinical.edit_check_targeted`, the reader's response in :mod:`haictrial.clinical.edit_check_reader`.
- The finding texts (templates and code labels) are in :mod:`haictrial.clinical.edit_check_messages`.

Every rule reads its numbers from the protocol in the context or from a module that cites its source.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from haictrial.clinical.adverse_events import HAIC_PROCEDURE
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_models import FormInstance, SubjectForms
from haictrial.clinical.crf_outcome import ImagingAssessmentForm, form_field, recist_input
from haictrial.clinical.crf_treatment import HaicCycleForm, TargetedAgentAdministration
from haictrial.clinical.edit_check_messages import (
    AFTER_DEATH,
    AFTER_TODAY,
    BEFORE_ENROLMENT,
    CANNOT_BE_CHECKED,
    CHECK_MESSAGE,
    COMPLICATION_NOT_REPORTED,
    CYCLE_NOT_AFTER,
    CYCLE_TOO_EARLY,
    CYCLE_TWICE,
    CYCLES_MISSING,
    DEATH_DATE_DIFFERS,
    DOSE_DEVIATION,
    DOSE_DEVIATION_COMPONENT,
    EOS_REASON,
    IMAGING_NOT_AFTER_BASELINE,
    IMAGING_NOT_AFTER_CYCLE,
    IMAGING_TWICE,
    IMPLAUSIBLE,
    LABS_AFTER_INFUSION,
    MDT_DECIDED,
    MDT_INCONSISTENT,
    MODALITY_DIFFERS,
    NO_MDT_REVIEW,
    OUTSIDE_RANGE,
    RECIST_INPUT,
    error_parts,
    term,
    terms,
)
from haictrial.clinical.follow_up import EndOfStudyReason
from haictrial.clinical.haic_procedure import dose_deviations, targeted_agent_deviation
from haictrial.clinical.messages import Param, english
from haictrial.clinical.recist import validate_input as recist_validate_input
from haictrial.clinical.resectability import FindingKind, MdtDecision, MdtReview, resectability_findings
from haictrial.clinical.surgery import ClavienDindoGrade
from haictrial.errors import DomainError, InputError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.units import Analyte, LabValue, canonical_unit

RecordT = TypeVar("RecordT", bound=BaseModel)
#: A finding's parameter: a plain value, or a nested reason (``*_parts``, haictrial.clinical.messages.parts_param).
FindingParam = Param | list[dict[str, Any]]


class Severity(StrEnum):
    """``error``: missing or contradictory data; ``warning``: implausible value or protocol deviation to confirm."""

    error = "error"
    warning = "warning"


class EditCheckFinding(BaseModel):
    """One problem on one field of one record: the EDC opens a query on it."""

    model_config = ConfigDict(frozen=True)

    check_id: str
    form: FormName
    field: str
    message: str
    severity: Severity
    index: int | None = None
    record_id: str | None = None
    path: str
    #: The message language-neutral (:mod:`haictrial.clinical.messages`): an N_-marked English template and
    #: its params, ``message == message_template.format(**message_params)``; the check's own message is the
    #: ``check_term`` param (translated at the boundary). Empty: the message exists in English only.
    message_template: str = ""
    message_params: dict[str, FindingParam] = Field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class EditCheckContext:
    """What a check sees: one subject's forms, the protocol, today's date and the site's time zone."""

    forms: SubjectForms
    protocol: Protocol
    today: dt.date
    zone: dt.tzinfo
    #: The records (form -> list indexes, None for a single form) the record-local checks
    #: (:attr:`EditCheck.record_local`) look at; None: every record. A record-local check's finding depends
    #: on that one record only, so a caller that knows which records changed may limit them to those.
    records: Mapping[FormName, frozenset[int | None]] | None = None

    def local_date(self, value: dt.date) -> dt.date:
        """A date as is; a date-time as its date in the site's time zone."""
        if isinstance(value, dt.datetime):
            return value.astimezone(self.zone).date() if value.tzinfo else value.date()
        return value


# --- paths ------------------------------------------------------------------------------------------


def field_values(record: Any, path: str) -> list[tuple[str, Any]]:
    """The values at ``path`` in ``record`` with their concrete paths; ``[]`` after a name expands a list."""
    results: list[tuple[str, Any]] = [("", record)]
    for part in path.split("."):
        many = part.endswith("[]")
        name = part[:-2] if many else part
        expanded: list[tuple[str, Any]] = []
        for prefix, value in results:
            here = f"{prefix}.{name}" if prefix else name
            inner = None if value is None else getattr(value, name)
            if many:
                expanded.extend((f"{here}[{i}]", item) for i, item in enumerate(inner or []))
            else:
                expanded.append((here, inner))
        results = expanded
    return results


def _dates(value: Any, prefix: str = "") -> Iterator[tuple[str, dt.date]]:
    """Every date and date-time inside a record, with its path."""
    if isinstance(value, dt.date):
        yield prefix, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _dates(getattr(value, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _dates(item, f"{prefix}[{i}]")


def _is_blank(value: Any, non_empty: bool) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return non_empty and isinstance(value, list | dict) and not value


# --- the messages ---------------------------------------------------------------------------------
# The finding templates (catalogue msgids) live in haictrial.clinical.edit_check_messages.

# --- the interface ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EditCheck(ABC):
    """One edit check: the field it targets, its message, severity and the source of the rule."""

    id: str
    form: FormName
    field: str
    message: str
    severity: Severity = Severity.error
    reference: str = ""

    #: True when a finding depends on one record of ``form`` alone (and, for dates, on today): such a check
    #: looks only at ``context.records`` when given. Cross-form rules are never limited.
    record_local: ClassVar[bool] = False
    #: True when a record-local finding can change with today's date alone (the record unchanged): a caller
    #: that checks only the changed records must also check again the records with such a check's query.
    reads_today: ClassVar[bool] = False

    @abstractmethod
    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        """Every finding of this check for the subject in ``context``."""

    def finding(
        self,
        instance: FormInstance,
        field: str | None = None,
        message: str | None = None,
        form: FormName | None = None,
        template: str = "",
        **params: FindingParam,
    ) -> EditCheckFinding:
        """A finding on ``field``; ``template`` and ``params`` (with ``check_term`` = this check's message) give
        ``message`` language-neutral, else ``message`` (default: this check's message) is English only."""
        where = field if field is not None else self.field
        if template:
            params = {**params, "check_term": self.message}
            message = english(template, params)
        elif message is None:
            template = CHECK_MESSAGE
            params = {"check_term": self.message}
        return EditCheckFinding(
            check_id=self.id,
            form=form or self.form,
            field=where,
            message=message or self.message,
            severity=self.severity,
            index=instance.index,
            record_id=instance.record_id,
            path=f"{instance.path}.{where}" if where else instance.path,
            message_template=template,
            message_params=params,
        )

    def instances(self, context: EditCheckContext) -> list[FormInstance]:
        if not self.record_local or context.records is None:
            return context.forms.instances(self.form)
        return context.forms.instances(self.form, only=context.records.get(self.form, frozenset()))


# --- field rules ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequiredField(EditCheck):
    """``field`` must be given; ``non_empty``: a list must hold at least one entry (else ``[]`` = "none" is
    an answer); ``when(record)`` limits the check to some records."""

    record_local: ClassVar[bool] = True
    non_empty: bool = False
    when: Callable[[Any], bool] | None = None

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        for instance in self.instances(context):
            if self.when is not None and not self.when(instance.record):
                continue
            for where, value in field_values(instance.record, self.field):
                if _is_blank(value, self.non_empty):
                    found.append(self.finding(instance, where))
        return found


@dataclass(frozen=True, kw_only=True)
class RangeCheck(EditCheck):
    """A number in ``unit`` outside [``low``, ``high``] (inclusive): a typing or unit error until confirmed."""

    record_local: ClassVar[bool] = True
    low: float
    high: float
    unit: str
    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        for instance in self.instances(context):
            for where, value in field_values(instance.record, self.field):
                if value is not None and not self.low <= value <= self.high:
                    found.append(
                        self.finding(
                            instance,
                            where,
                            template=OUTSIDE_RANGE,
                            value=value,
                            unit=self.unit,
                            low=self.low,
                            high=self.high,
                        )
                    )
        return found


@dataclass(frozen=True, kw_only=True)
class LabPlausibility(EditCheck):
    """A ``{value, unit}`` laboratory value whose SI value lies outside [``low_si``, ``high_si``]."""

    record_local: ClassVar[bool] = True
    analyte: Analyte
    low_si: float
    high_si: float
    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        unit = canonical_unit(self.analyte)
        for instance in self.instances(context):
            for where, lab in field_values(instance.record, self.field):
                if not isinstance(lab, LabValue):
                    continue
                value = lab.si(self.analyte)
                if not self.low_si <= value <= self.high_si:
                    shown = f"{lab.value:g} {lab.unit}" + ("" if lab.unit == unit else f" ({value:.4g} {unit})")
                    found.append(
                        self.finding(
                            instance, f"{where}.value", template=IMPLAUSIBLE, shown=shown, low=self.low_si,
                            high=self.high_si, unit=unit,
                        )
                    )  # fmt: skip
        return found


@dataclass(frozen=True, kw_only=True)
class NotInFuture(EditCheck):
    """No date or date-time of the form after today (the site's date)."""

    record_local: ClassVar[bool] = True
    reads_today: ClassVar[bool] = True

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        for instance in self.instances(context):
            for where, value in _dates(instance.record):
                if context.local_date(value) > context.today:
                    found.append(
                        self.finding(
                            instance,
                            where,
                            template=AFTER_TODAY,
                            date=value.isoformat(),
                            today=context.today.isoformat(),
                        )
                    )
        return found


# --- cross-form rules -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AfterEnrolment(EditCheck):
    """The date at ``field`` is after (``strict``) or on/after the enrolment date."""

    strict: bool = False

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        enrolled = context.forms.enrolment_date
        found = []
        for instance in self.instances(context):
            for where, value in field_values(instance.record, self.field):
                if value is None:
                    continue
                day = context.local_date(value)
                if day < enrolled or (self.strict and day == enrolled):
                    found.append(
                        self.finding(
                            instance,
                            where,
                            template=BEFORE_ENROLMENT,
                            date=day.isoformat(),
                            enrolment=enrolled.isoformat(),
                        )
                    )
        return found


@dataclass(frozen=True, kw_only=True)
class ResectionAfterMdtDecision(EditCheck):
    """The latest MDT review on or before a resection decided ``resect``."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        reviews = sorted(
            (r for r in context.forms.mdt_reviews if r.date is not None), key=lambda r: r.date or dt.date.min
        )
        found = []
        for instance in self.instances(context):
            day = getattr(instance.record, "date", None)
            if day is None:
                continue
            before = [r for r in reviews if r.date is not None and r.date <= day]
            if not before:
                found.append(self.finding(instance, template=NO_MDT_REVIEW, date=day.isoformat()))
            elif before[-1].decision != MdtDecision.resect:
                last = before[-1]
                decision = term(last.decision.value if last.decision else None)
                when = last.date.isoformat() if last.date else ""
                found.append(self.finding(instance, template=MDT_DECIDED, date=when, decision_term=decision))
        return found


@dataclass(frozen=True, kw_only=True)
class NothingAfterDeath(EditCheck):
    """The date at ``field`` is not after the subject's death; ``exempt(record)`` skips records that may be."""

    exempt: Callable[[Any], bool] | None = None

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        death = context.forms.death_date
        if death is None:
            return []
        found = []
        for instance in self.instances(context):
            if self.exempt is not None and self.exempt(instance.record):
                continue
            for where, value in field_values(instance.record, self.field):
                if value is not None and context.local_date(value) > death:
                    day = context.local_date(value).isoformat()
                    found.append(self.finding(instance, where, template=AFTER_DEATH, date=day, death=death.isoformat()))
        return found


@dataclass(frozen=True, kw_only=True)
class DeathDatesAgree(EditCheck):
    """Every recorded death date is the same date."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        recorded = context.forms.death_dates()
        first = context.forms.death_date
        found = []
        for path, day in recorded:
            if day == first:
                continue
            form = FormName.end_of_study if path.startswith("end_of_study") else FormName.follow_up
            instance = next(i for i in context.forms.instances(form) if path.startswith(i.path + "."))
            death = first.isoformat() if first else ""
            found.append(
                self.finding(
                    instance, "death_date", form=form, template=DEATH_DATE_DIFFERS, date=day.isoformat(), death=death
                )
            )
        return found


@dataclass(frozen=True, kw_only=True)
class EndOfStudyDeath(EditCheck):
    """A subject with a death date ends the study for the reason ``death``."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        eos = context.forms.end_of_study
        death = context.forms.death_date
        if eos is None or death is None or eos.reason in (None, EndOfStudyReason.death):
            return []
        instance = context.forms.instances(FormName.end_of_study)[0]
        return [
            self.finding(instance, template=EOS_REASON, death=death.isoformat(), reason_term=term(eos.reason.value))
        ]


@dataclass(frozen=True, kw_only=True)
class DoseDeviationReason(EditCheck):
    """A given dose more than ``dose_deviation_reason_percent`` off the planned dose needs a reason.

    Record-local: the planned and the given dose are both recorded on the one cycle or administration
    (:func:`~haictrial.clinical.haic_procedure.dose_deviations` reads that record and the protocol only)."""

    record_local: ClassVar[bool] = True

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        for instance in self.instances(context):
            record = instance.record
            if isinstance(record, HaicCycleForm):
                deviations = dose_deviations(record, context.protocol)
            elif isinstance(record, TargetedAgentAdministration):
                single = targeted_agent_deviation(record, context.protocol)
                deviations = [single] if single is not None else []
            else:
                continue
            for item in deviations:
                if not item.missing_reason:
                    continue
                doses: dict[str, Any] = {
                    "drug_term": term(item.drug.value),
                    "given_mg": item.given_dose_mg,
                    "planned_mg": item.planned_dose_mg,
                    "deviation_percent": item.deviation_percent,
                    "threshold_percent": item.threshold_percent,
                }
                if item.component:
                    doses["component_term"] = term(item.component.value)
                template = DOSE_DEVIATION_COMPONENT if item.component else DOSE_DEVIATION
                where = f"{item.field}.deviation_reason" if item.field else "deviation_reason"
                found.append(self.finding(instance, where, template=template, **doses))
        return found


def _records(context: EditCheckContext, form: FormName, kind: type[RecordT]) -> list[tuple[FormInstance, RecordT]]:
    """The records of ``form`` with their instances, typed."""
    return [(i, i.record) for i in context.forms.instances(form) if isinstance(i.record, kind)]


def _record_number(instance: FormInstance) -> int:
    """The record's number as the casebook shows it (1 for the first of a form)."""
    return (instance.index or 0) + 1


def _cycles(context: EditCheckContext) -> list[tuple[FormInstance, HaicCycleForm]]:
    return _records(context, FormName.haic_cycle, HaicCycleForm)


@dataclass(frozen=True, kw_only=True)
class CycleOrder(EditCheck):
    """Cycle numbers are unique and admission dates increase with the cycle number."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        seen: dict[int, int] = {}
        for instance, cycle in _cycles(context):
            if cycle.cycle in seen:
                found.append(
                    self.finding(instance, "cycle", template=CYCLE_TWICE, cycle=cycle.cycle, record=seen[cycle.cycle])
                )
            seen.setdefault(cycle.cycle, _record_number(instance))
        dated = sorted(
            ((c.cycle, c.admission_date, i) for i, c in _cycles(context) if c.admission_date), key=lambda t: t[0]
        )
        for (n0, d0, _), (n1, d1, instance) in zip(dated, dated[1:], strict=False):
            if n1 > n0 and d1 is not None and d0 is not None and d1 <= d0:
                found.append(
                    self.finding(
                        instance, "admission_date", template=CYCLE_NOT_AFTER, cycle=n1, date=d1.isoformat(),
                        previous=n0, previous_date=d0.isoformat(),
                    )
                )  # fmt: skip
        return found


@dataclass(frozen=True, kw_only=True)
class CycleSequence(EditCheck):
    """Cycles are numbered 1, 2, 3, ... without a gap."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        numbers = {c.cycle for _, c in _cycles(context)}
        found = []
        for instance, cycle in _cycles(context):
            missing = [n for n in range(1, cycle.cycle) if n not in numbers]
            if missing and cycle.cycle == max(numbers):
                listed = ", ".join(map(str, missing))
                found.append(
                    self.finding(instance, "cycle", template=CYCLES_MISSING, missing=listed, cycle=cycle.cycle)
                )
        return found


@dataclass(frozen=True, kw_only=True)
class CycleInterval(EditCheck):
    """Consecutive admissions at least ``cycle_length_days - haic_window_days`` apart (21 - 3 = 18 days)."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        minimum = context.protocol.regimen.cycle_length_days - context.protocol.schedule.haic_window_days
        admissions = {c.cycle: c.admission_date for _, c in _cycles(context) if c.admission_date}
        found = []
        for instance, cycle in _cycles(context):
            previous = admissions.get(cycle.cycle - 1)
            if previous is None or cycle.admission_date is None:
                continue
            days = (cycle.admission_date - previous).days
            if 0 < days < minimum:
                found.append(
                    self.finding(
                        instance, "admission_date", template=CYCLE_TOO_EARLY, cycle=cycle.cycle, days=days,
                        previous=cycle.cycle - 1, minimum=minimum,
                    )
                )  # fmt: skip
        return found


@dataclass(frozen=True, kw_only=True)
class ImagingOrder(EditCheck):
    """Imaging after the baseline imaging, one assessment per date, dates in the order of ``after_cycle``."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        baseline = context.forms.baseline
        start = baseline.baseline_imaging_date if baseline else None
        found = []
        seen: dict[dt.date, int] = {}
        records = _records(context, FormName.imaging, ImagingAssessmentForm)
        for instance, record in records:
            day = record.date
            if day is None:
                continue
            if start is not None and day <= start:
                found.append(
                    self.finding(
                        instance, template=IMAGING_NOT_AFTER_BASELINE, date=day.isoformat(), baseline=start.isoformat()
                    )
                )
            if day in seen:
                found.append(self.finding(instance, template=IMAGING_TWICE, date=day.isoformat(), record=seen[day]))
            seen.setdefault(day, _record_number(instance))
        ordered = sorted(
            ((r.after_cycle, r.date, i) for i, r in records if r.after_cycle is not None and r.date is not None),
            key=lambda t: t[0],
        )
        for (c0, d0, _), (c1, d1, instance) in zip(ordered, ordered[1:], strict=False):
            if c1 > c0 and d1 <= d0:
                found.append(
                    self.finding(
                        instance, template=IMAGING_NOT_AFTER_CYCLE, cycle=c1, date=d1.isoformat(), previous=c0,
                        previous_date=d0.isoformat(),
                    )
                )  # fmt: skip
        return found


@dataclass(frozen=True, kw_only=True)
class ImagingModalitySame(EditCheck):
    """Follow-up imaging by the modality of the baseline (RECIST 1.1 section 3.2)."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        baseline = context.forms.baseline
        if baseline is None or baseline.baseline_imaging_modality is None:
            return []
        expected = baseline.baseline_imaging_modality
        found = []
        for instance in self.instances(context):
            modality = getattr(instance.record, "modality", None)
            if modality is not None and modality != expected:
                found.append(
                    self.finding(
                        instance, template=MODALITY_DIFFERS, modality_term=term(modality.value),
                        baseline_modality_term=term(expected.value),
                    )
                )  # fmt: skip
        return found


@dataclass(frozen=True, kw_only=True)
class RecistConsistency(EditCheck):
    """The imaging forms and the baseline lesions make a valid RECIST 1.1 input (the engine's own rules)."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        forms = context.forms
        baseline = forms.baseline
        if baseline is None or baseline.baseline_imaging_date is None or any(f.date is None for f in forms.imaging):
            return []  # the required-field checks ask for the dates first
        try:
            recist_validate_input(recist_input(forms.subject_id, baseline, forms.imaging))
        except InputError as exc:
            where = form_field(exc.field, baseline, forms.imaging)
            if where.startswith("imaging["):
                index = int(where[len("imaging[") : where.index("]")])
                instance = forms.instances(FormName.imaging)[index]
                field_path = where[where.index("]") + 2 :]
                return [self.finding(instance, field_path, template=RECIST_INPUT, detail_parts=error_parts(exc))]
            instance = forms.instances(FormName.baseline)[0]
            detail = error_parts(exc)
            return [
                self.finding(instance, "lesions", form=FormName.baseline, template=RECIST_INPUT, detail_parts=detail)
            ]
        return []


@dataclass(frozen=True, kw_only=True)
class ComplicationReportedAsAdverseEvent(EditCheck):
    """A procedure complication has an adverse event related to the HAIC procedure during the admission."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        length = context.protocol.regimen.cycle_length_days
        found = []
        for instance, cycle in _cycles(context):
            if not cycle.complications or cycle.admission_date is None:
                continue
            last = cycle.discharge_date or cycle.admission_date + dt.timedelta(days=length - 1)
            reported = any(
                cycle.admission_date <= event.onset_date <= last and event.related(HAIC_PROCEDURE)
                for event in context.forms.adverse_events
            )
            if not reported:
                found.append(
                    self.finding(
                        instance, template=COMPLICATION_NOT_REPORTED,
                        complications_terms=terms(c.complication.value for c in cycle.complications),
                        cycle=cycle.cycle, start=cycle.admission_date.isoformat(), end=last.isoformat(),
                    )
                )  # fmt: skip
        return found


@dataclass(frozen=True, kw_only=True)
class ClavienVNeedsDeath(EditCheck):
    """A Clavien-Dindo grade V complication (death) needs the subject's death date."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        if context.forms.death_date is not None:
            return []
        found = []
        for instance in self.instances(context):
            for where, complication in field_values(instance.record, "complications[]"):
                if complication.grade == ClavienDindoGrade.V:
                    found.append(self.finding(instance, f"{where}.grade"))
        return found


@dataclass(frozen=True, kw_only=True)
class LabsBeforeInfusion(EditCheck):
    """Pre-cycle labs are drawn on or before the day the first infusion starts."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        for instance, cycle in _cycles(context):
            starts = [context.local_date(i.start_at) for i in cycle.infusions if i.start_at is not None]
            labs = cycle.pre_cycle_labs.date
            if labs is not None and starts and labs > min(starts):
                first = min(starts).isoformat()
                found.append(self.finding(instance, template=LABS_AFTER_INFUSION, labs=labs.isoformat(), start=first))
        return found


@dataclass(frozen=True, kw_only=True)
class MdtConsistency(EditCheck):
    """The MDT decision against the technical resectability criteria (inconsistent findings only)."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        for instance, review in _records(context, FormName.mdt_review, MdtReview):
            for item in resectability_findings(review):
                if item.kind == FindingKind.inconsistent:
                    finding = {"template": item.message_template, "params": item.message_params}
                    found.append(self.finding(instance, item.field, template=MDT_INCONSISTENT, finding_parts=[finding]))
        return found


def run_checks(checks: Sequence[EditCheck], context: EditCheckContext) -> list[EditCheckFinding]:
    """Run ``checks`` in order; a check that meets data it cannot read reports it as its own finding."""
    findings: list[EditCheckFinding] = []
    for check in checks:
        try:
            findings.extend(check.evaluate(context))
        except DomainError as exc:
            findings.append(
                EditCheckFinding(
                    check_id=check.id,
                    form=check.form,
                    field=exc.field or check.field,
                    message=english(CANNOT_BE_CHECKED, {"detail_parts": error_parts(exc)}),
                    severity=Severity.error,
                    path=exc.field or check.field,
                    message_template=CANNOT_BE_CHECKED,
                    message_params={"detail_parts": error_parts(exc)},
                )
            )
    return findings


__all__ = [
    "AfterEnrolment",
    "ClavienVNeedsDeath",
    "ComplicationReportedAsAdverseEvent",
    "CycleInterval",
    "CycleOrder",
    "CycleSequence",
    "DeathDatesAgree",
    "DoseDeviationReason",
    "EditCheck",
    "EditCheckContext",
    "EditCheckFinding",
    "EndOfStudyDeath",
    "ImagingModalitySame",
    "ImagingOrder",
    "LabPlausibility",
    "LabsBeforeInfusion",
    "MdtConsistency",
    "NotInFuture",
    "NothingAfterDeath",
    "RangeCheck",
    "RecistConsistency",
    "RequiredField",
    "ResectionAfterMdtDecision",
    "Severity",
    "field_values",
    "run_checks",
]
