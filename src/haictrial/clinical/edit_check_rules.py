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
  :class:`RecistConsistency`, :class:`TargetedAgentDay`, :class:`TargetedAgentDate`,
  :class:`TargetedAgentChoice`, :class:`ComplicationReportedAsAdverseEvent`, :class:`ClavienVNeedsDeath`,
  :class:`LabsBeforeInfusion`, :class:`MdtConsistency`.

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
from haictrial.clinical.crf_baseline import planning_patient
from haictrial.clinical.crf_models import FormInstance, SubjectForms
from haictrial.clinical.crf_outcome import ImagingAssessmentForm, form_field, recist_input
from haictrial.clinical.crf_treatment import HaicCycleForm, TargetedAgentAdministration
from haictrial.clinical.follow_up import EndOfStudyReason
from haictrial.clinical.haic_procedure import dose_deviations, targeted_agent_deviation
from haictrial.clinical.messages import N_, Param
from haictrial.clinical.recist import validate_input as recist_validate_input
from haictrial.clinical.regimen import choose_targeted_agent
from haictrial.clinical.resectability import FindingKind, MdtDecision, MdtReview, resectability_findings
from haictrial.clinical.surgery import ClavienDindoGrade
from haictrial.errors import DomainError, InputError
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug
from haictrial.vocabulary.units import Analyte, LabValue, canonical_unit

RecordT = TypeVar("RecordT", bound=BaseModel)


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
    message_params: dict[str, Param] = Field(default_factory=dict)

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


# --- the messages -----------------------------------------------------------------------------------

#: The finding templates (catalogue msgids); ``{check_term}`` is the check's own message, translated too.
CHECK_MESSAGE = N_("{check_term}")
OUTSIDE_RANGE = N_("{value:g} {unit} is outside {low:g}-{high:g} {unit}: {check_term}")
IMPLAUSIBLE = N_("{shown} is outside {low:g}-{high:g} {unit}: {check_term}")
AFTER_TODAY = N_("{date} is after today ({today}): {check_term}")
BEFORE_ENROLMENT = N_("{date} vs enrolment {enrolment}: {check_term}")
AFTER_DEATH = N_("{date} is after the death date {death}: {check_term}")

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
        **params: Param,
    ) -> EditCheckFinding:
        """A finding on ``field``; ``template`` and ``params`` (with ``check_term`` = this check's message) give
        ``message`` language-neutral, else ``message`` (default: this check's message) is English only."""
        where = field if field is not None else self.field
        if template:
            params = {**params, "check_term": self.message}
            message = template.format(**params)
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
        every = context.forms.instances(self.form)
        if not self.record_local or context.records is None:
            return every
        wanted = context.records.get(self.form, frozenset())
        return [instance for instance in every if instance.index in wanted]


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
                found.append(self.finding(instance, message=f"no MDT review on or before {day}: {self.message}"))
            elif before[-1].decision != MdtDecision.resect:
                last = before[-1]
                decision = last.decision.value if last.decision else "not recorded"
                text = f"the last MDT review before it ({last.date}) decided {decision}: {self.message}"
                found.append(self.finding(instance, message=text))
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
            text = f"{day.isoformat()} differs from the death date {first} recorded elsewhere: {self.message}"
            found.append(self.finding(instance, "death_date", text, form=form))
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
            self.finding(instance, message=f"death recorded on {death}, reason is {eos.reason.value}: {self.message}")
        ]


@dataclass(frozen=True, kw_only=True)
class DoseDeviationReason(EditCheck):
    """A given dose more than ``dose_deviation_reason_percent`` off the planned dose needs a reason."""

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
                name = item.drug.value + (f" {item.component.value}" if item.component else "")
                text = (
                    f"{name}: given {item.given_dose_mg:g} mg vs planned {item.planned_dose_mg:g} mg "
                    f"({item.deviation_percent:+.1f} %, more than {item.threshold_percent:g} %): {self.message}"
                )
                where = f"{item.field}.deviation_reason" if item.field else "deviation_reason"
                found.append(self.finding(instance, where, text))
        return found


def _records(context: EditCheckContext, form: FormName, kind: type[RecordT]) -> list[tuple[FormInstance, RecordT]]:
    """The records of ``form`` with their instances, typed."""
    return [(i, i.record) for i in context.forms.instances(form) if isinstance(i.record, kind)]


def _cycles(context: EditCheckContext) -> list[tuple[FormInstance, HaicCycleForm]]:
    return _records(context, FormName.haic_cycle, HaicCycleForm)


@dataclass(frozen=True, kw_only=True)
class CycleOrder(EditCheck):
    """Cycle numbers are unique and admission dates increase with the cycle number."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        seen: dict[int, str] = {}
        for instance, cycle in _cycles(context):
            if cycle.cycle in seen:
                text = f"cycle {cycle.cycle} is already recorded ({seen[cycle.cycle]}): {self.message}"
                found.append(self.finding(instance, "cycle", text))
            seen.setdefault(cycle.cycle, instance.path)
        dated = sorted(
            ((c.cycle, c.admission_date, i) for i, c in _cycles(context) if c.admission_date), key=lambda t: t[0]
        )
        for (n0, d0, _), (n1, d1, instance) in zip(dated, dated[1:], strict=False):
            if n1 > n0 and d1 is not None and d0 is not None and d1 <= d0:
                text = f"cycle {n1} admitted {d1}, not after cycle {n0} ({d0}): {self.message}"
                found.append(self.finding(instance, "admission_date", text))
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
                text = (
                    f"cycle(s) {', '.join(map(str, missing))} not recorded before cycle {cycle.cycle}: {self.message}"
                )
                found.append(self.finding(instance, "cycle", text))
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
                text = f"cycle {cycle.cycle} admitted {days} days after cycle {cycle.cycle - 1} (< {minimum}): {self.message}"
                found.append(self.finding(instance, "admission_date", text))
        return found


@dataclass(frozen=True, kw_only=True)
class ImagingOrder(EditCheck):
    """Imaging after the baseline imaging, one assessment per date, dates in the order of ``after_cycle``."""

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        baseline = context.forms.baseline
        start = baseline.baseline_imaging_date if baseline else None
        found = []
        seen: dict[dt.date, str] = {}
        records = _records(context, FormName.imaging, ImagingAssessmentForm)
        for instance, record in records:
            day = record.date
            if day is None:
                continue
            if start is not None and day <= start:
                text = f"{day} is not after the baseline imaging ({start}): {self.message}"
                found.append(self.finding(instance, message=text))
            if day in seen:
                found.append(self.finding(instance, message=f"{day} is already assessed ({seen[day]}): {self.message}"))
            seen.setdefault(day, instance.path)
        ordered = sorted(
            ((r.after_cycle, r.date, i) for i, r in records if r.after_cycle is not None and r.date is not None),
            key=lambda t: t[0],
        )
        for (c0, d0, _), (c1, d1, instance) in zip(ordered, ordered[1:], strict=False):
            if c1 > c0 and d1 <= d0:
                text = f"imaging after cycle {c1} ({d1}) is not after imaging after cycle {c0} ({d0}): {self.message}"
                found.append(self.finding(instance, message=text))
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
                text = f"{modality.value} at follow-up, {expected.value} at baseline: {self.message}"
                found.append(self.finding(instance, message=text))
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
                return [self.finding(instance, field_path, f"{exc.message} (RECIST 1.1)")]
            instance = forms.instances(FormName.baseline)[0]
            return [self.finding(instance, "lesions", f"{exc.message} (RECIST 1.1)", form=FormName.baseline)]
        return []


def _targeted_records(context: EditCheckContext) -> list[tuple[FormInstance, TargetedAgentAdministration]]:
    return _records(context, FormName.targeted_agent, TargetedAgentAdministration)


def _protocol_days(drug: Drug, protocol: Protocol) -> list[int]:
    if drug == Drug.bevacizumab:
        return list(protocol.regimen.bevacizumab.days)
    return list(protocol.settings.cetuximab_days.value)


@dataclass(frozen=True, kw_only=True)
class TargetedAgentDay(EditCheck):
    """Bevacizumab on ``regimen.bevacizumab.days`` (day 1); cetuximab on ``settings.cetuximab_days`` (1, 8, 15)."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        found = []
        for instance, record in _targeted_records(context):
            days = _protocol_days(record.drug, context.protocol)
            if record.day not in days:
                allowed = ", ".join(map(str, days))
                text = f"{record.drug.value} on day {record.day}; the protocol gives it on day(s) {allowed}: {self.message}"
                found.append(self.finding(instance, message=text))
        return found


@dataclass(frozen=True, kw_only=True)
class TargetedAgentDate(EditCheck):
    """The date is the cycle's admission + (day - 1); day 1 within +/- ``haic_window_days``, other days exact."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        admissions = {c.cycle: c.admission_date for _, c in _cycles(context) if c.admission_date}
        window = context.protocol.schedule.haic_window_days
        found = []
        for instance, record in _targeted_records(context):
            admission = admissions.get(record.cycle)
            if admission is None or record.date is None:
                continue
            expected = admission + dt.timedelta(days=record.day - 1)
            allowed = window if record.day == 1 else 0
            if abs((record.date - expected).days) > allowed:
                text = (
                    f"{record.date} for cycle {record.cycle} day {record.day}; expected {expected}"
                    f"{f' +/- {allowed} days' if allowed else ''} (admission {admission}): {self.message}"
                )
                found.append(self.finding(instance, message=text))
        return found


@dataclass(frozen=True, kw_only=True)
class TargetedAgentChoice(EditCheck):
    """The agent given is the one the protocol's rule chooses from sidedness and KRAS/NRAS/BRAF."""

    severity: Severity = Severity.warning

    def evaluate(self, context: EditCheckContext) -> list[EditCheckFinding]:
        baseline = context.forms.baseline
        if baseline is None:
            return []
        choice = choose_targeted_agent(planning_patient(baseline), context.protocol)
        if choice.agent is None:
            return []
        found = []
        for instance, record in _targeted_records(context):
            if record.drug != choice.agent:
                text = f"{record.drug.value} given; the rule chooses {choice.agent.value} ({choice.reason}): {self.message}"
                found.append(self.finding(instance, message=text))
        return found


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
                names = ", ".join(c.complication.value for c in cycle.complications)
                text = f"{names} in cycle {cycle.cycle}, no adverse event related to the procedure from {cycle.admission_date} to {last}: {self.message}"
                found.append(self.finding(instance, message=text))
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
                text = f"labs drawn {labs}, first infusion started {min(starts)}: {self.message}"
                found.append(self.finding(instance, message=text))
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
                    found.append(self.finding(instance, item.field, f"{item.message}: {self.message}"))
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
                    message=f"cannot be checked: {exc.message}",
                    severity=Severity.error,
                    path=exc.field or check.field,
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
    "TargetedAgentChoice",
    "TargetedAgentDate",
    "TargetedAgentDay",
    "field_values",
    "run_checks",
]
