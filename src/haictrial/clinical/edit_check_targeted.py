"""The edit checks of the targeted agent (bevacizumab or cetuximab): its day, its date and its choice.

The checks are declared in :mod:`haictrial.clinical.edit_checks`; the interface is
:class:`haictrial.clinical.edit_check_rules.EditCheck`; the texts are in
:mod:`haictrial.clinical.edit_check_messages`.

References
----------
- NCT06988852 (CHALLENGE-A1) arms; protocol ``regimen.bevacizumab.days``, ``settings.cetuximab_days`` and
  ``schedule.haic_window_days``; the choice rule of :func:`haictrial.clinical.regimen.choose_targeted_agent`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_baseline import planning_patient
from haictrial.clinical.crf_models import FormInstance
from haictrial.clinical.crf_treatment import TargetedAgentAdministration
from haictrial.clinical.edit_check_messages import (
    TARGETED_CHOICE,
    TARGETED_DATE,
    TARGETED_DATE_WINDOW,
    TARGETED_DAY,
    term,
)
from haictrial.clinical.edit_check_rules import (
    EditCheck,
    EditCheckContext,
    EditCheckFinding,
    Severity,
    _cycles,
    _records,
)
from haictrial.clinical.messages import parts_param
from haictrial.clinical.regimen import choose_targeted_agent
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug


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
                found.append(
                    self.finding(
                        instance, template=TARGETED_DAY, drug_term=term(record.drug.value), day=record.day, days=allowed
                    )
                )
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
                found.append(
                    self.finding(
                        instance,
                        template=TARGETED_DATE_WINDOW if allowed else TARGETED_DATE,
                        date=record.date.isoformat(),
                        cycle=record.cycle,
                        day=record.day,
                        expected=expected.isoformat(),
                        window=allowed,
                        admission=admission.isoformat(),
                    )
                )
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
                found.append(
                    self.finding(
                        instance,
                        template=TARGETED_CHOICE,
                        drug_term=term(record.drug.value),
                        agent_term=term(choice.agent.value),
                        reason_parts=parts_param(choice.reason_parts),
                    )
                )
        return found


__all__ = ["TargetedAgentChoice", "TargetedAgentDate", "TargetedAgentDay"]
