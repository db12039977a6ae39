"""Checks the EDC runs on an eCRF payload before it is stored, calling the core's rules:

- the safety stops of the HAIC cycle and targeted-agent forms (:mod:`haictrial.clinical.safety_stops`):
  a dose over the entry-error limit is refused; a cycle or drug given while the plan delays or holds it
  is refused unless an investigator records ``safety_override`` with a reason (the EDC fills in who
  and when; a coordinator may keep an override already recorded, not add or change one);
- withdrawal of consent (the end-of-study form, reason ``withdrawal_of_consent``) stops every further
  entry except follow-up and the end-of-study form itself (ICH E6(R2) 4.8.10(m): the subject may
  withdraw at any time; data are then collected only as the consent still allows).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from haictrial.clinical import course
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.follow_up import EndOfStudyReason
from haictrial.clinical.safety_stops import check_safety
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.crfs.catalogue import FormSpec
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.edc.trial import protocol
from haictrial.errors import ConflictError, DomainError

#: Forms that may still be recorded after a withdrawal of consent.
AFTER_WITHDRAWAL = frozenset({FormName.follow_up, FormName.end_of_study})
_CHECKED = frozenset({FormName.haic_cycle, FormName.targeted_agent})
#: The primary key given to a record not yet saved, while the subject's forms are assembled around it.
_UNSAVED_PK = 2**62


def withdrawal(subject: Subject) -> dict[str, Any] | None:
    """The payload of the subject's end-of-study record when its reason is a withdrawal of consent, else None.

    A subject has one end-of-study record at most (constraint ``one_record_of_single_forms``), so the query
    asks for no order: read before every save, it is kept to its payload column."""
    ends = FormRecord.objects.filter(subject=subject, form=FormName.end_of_study.value).order_by()
    payload = next(iter(ends.values_list("payload", flat=True)[:1]), None)
    if payload is not None and payload.get("reason") == EndOfStudyReason.withdrawal_of_consent.value:
        return payload  # type: ignore[no-any-return]
    return None


def consent_withdrawn(subject: Subject) -> bool:
    return withdrawal(subject) is not None


def check_consent_not_withdrawn(subject: Subject, spec: FormSpec) -> None:
    """ConflictError (409) naming ``form`` when consent was withdrawn and ``spec`` is not follow-up."""
    if spec.name in AFTER_WITHDRAWAL:
        return
    end = withdrawal(subject)
    if end is not None:
        raise ConflictError(
            _("consent was withdrawn (end-of-study form, %(date)s): only follow-up may be recorded")
            % {"date": end.get("date") or "-"},
            field="form",
        )


def _override(user: Any, payload: dict[str, Any], stored: dict[str, Any] | None) -> None:
    """Fill in who recorded the override and when; only an investigator records or changes one."""
    override = payload.get("safety_override")
    if not override:
        return
    before = (stored or {}).get("safety_override") or {}
    if before and before.get("reason") == override.get("reason"):
        override["investigator"], override["recorded_at"] = before.get("investigator"), before.get("recorded_at")
        return
    if not access.can(user, Capability.sign):
        raise PermissionDenied(_("only an investigator may record a safety override (safety_override)"))
    override["investigator"] = user.get_username()
    override["recorded_at"] = timezone.now().isoformat()


def check_safety_stops(
    user: Any,
    subject: Subject,
    spec: FormSpec,
    payload: dict[str, Any],
    cycle: int | None,
    record_id: int | None,
) -> None:
    """Run the core's safety stops on a HAIC cycle or targeted-agent payload (changes ``payload`` in place:
    the override's investigator and time). Raises UnprocessableError (422) naming the field."""
    if spec.name not in _CHECKED or cycle is None:
        return
    records = list(FormRecord.objects.filter(subject=subject))
    stored = next((r.payload for r in records if r.pk == record_id), None)
    _override(user, payload, stored)
    pending = FormRecord(subject=subject, form=spec.name.value, payload=payload, cycle=cycle)
    pending.pk = record_id if record_id is not None else _UNSAVED_PK
    records = [r for r in records if r.pk != record_id] + [pending]
    proto = protocol()
    from haictrial.edc.crfs.services import subject_forms

    try:
        forms, _keys = subject_forms(subject, records)
        plan, _ignored = course.plan_for_cycle(forms, proto, cycle, subjects.subject_patient(subject))
    except DomainError:
        plan = None  # no plan (e.g. no height yet): the entry-error limit still applies to the form's plan
    check_safety(spec.model.model_validate(payload), plan, proto)  # type: ignore[arg-type]
