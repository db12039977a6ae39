"""Protocol deviations in the EDC: found whenever a subject's data are saved, stored once, reviewed.

:func:`subject_saved` is the one call the save orchestration makes (the end of
:func:`haictrial.edc.crfs.services.refresh_subject`, and after an enrolment): it runs the core's
:func:`haictrial.clinical.deviations.detect_deviations` on the subject's typed forms, visit schedule, override
plans, screening verdict and consent, stores the findings idempotently (:func:`sync_deviations`; see
:mod:`haictrial.edc.operations.models` for what happens to a finding that disappears) and schedules the
new-SAE e-mail after the transaction commits (:mod:`haictrial.edc.operations.notify`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haictrial.clinical import course
from haictrial.clinical.crf_models import SubjectForms
from haictrial.clinical.deviations import DeviationFinding, Enrolment, cycles_with_override, detect_deviations
from haictrial.clinical.dosing import CyclePlan
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit.records import create_record, update_record
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.operations.models import Deviation, DeviationStatus
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Consent, Subject
from haictrial.edc.trial import protocol
from haictrial.errors import ConflictError, DomainError, InputError

MAX_COMMENT = 2000


def _plans(subject: Subject, forms: SubjectForms) -> dict[int, CyclePlan]:
    proto = protocol()
    plans: dict[int, CyclePlan] = {}
    for cycle in cycles_with_override(forms):
        try:
            plans[cycle] = course.plan_for_cycle(forms, proto, cycle, subjects.subject_patient(subject))[0]
        except DomainError:
            continue  # no plan (e.g. no height recorded): nothing to compare the override with
    return plans


def _enrolment(subject: Subject) -> Enrolment:
    result = subject.screening.result or {}
    consent = Consent.objects.filter(subject=subject).first()
    return Enrolment(
        eligible=result.get("eligible"),
        criteria=[c for c in result.get("criteria", []) if isinstance(c, dict)],
        consent_signed_on=consent.signed_on if consent else None,
    )


def findings_for(
    subject: Subject, forms: SubjectForms | None = None, records: list[FormRecord] | None = None
) -> list[DeviationFinding]:
    """The deviations the subject's stored data show now (read only). ``forms`` and ``records``: the subject's
    typed forms and records a save has already loaded (both or neither), else read here."""
    from haictrial.edc.crfs import progress
    from haictrial.edc.crfs.services import subject_forms

    if forms is None or records is None:
        records = list(FormRecord.objects.filter(subject=subject))
        forms, _keys = subject_forms(subject, records)
    visits = progress.subject_visits(subject, records=records)
    return detect_deviations(forms, visits, protocol(), plans=_plans(subject, forms), enrolment=_enrolment(subject))


def sync_deviations(
    subject: Subject, findings: list[DeviationFinding], user: Any, records: list[FormRecord] | None = None
) -> list[Deviation]:
    """Store ``findings`` once each; mark the stored ones no longer found ``resolved_by_data`` (kept, status
    unchanged) and clear the mark of those found again. Returns the subject's deviations.
    ``records``: the subject's records already loaded by the caller, else read here."""
    now = timezone.now()
    if records is None:
        record_ids = set(FormRecord.objects.filter(subject=subject).values_list("pk", flat=True))
    else:
        record_ids = {r.pk for r in records}
    existing = {(d.kind, d.key): d for d in Deviation.objects.filter(subject=subject)}
    for finding in findings:
        record_id = finding.record_id if finding.record_id in record_ids else None
        form = finding.form.value if finding.form else ""
        stored = existing.pop((finding.kind.value, finding.key), None)
        if stored is None:
            create_record(
                Deviation(
                    subject=subject,
                    kind=finding.kind.value,
                    key=finding.key,
                    detail=finding.detail,
                    form=form,
                    record_id=record_id,
                    field=finding.field,
                    detected_at=now,
                    last_seen_at=now,
                ),
                user=user,
            )
            continue
        changed = (stored.detail, stored.record_id, stored.form, stored.resolved_by_data) != (
            finding.detail,
            record_id,
            form,
            False,
        )
        if changed:
            stored.detail, stored.record_id, stored.form, stored.field = finding.detail, record_id, form, finding.field
            stored.resolved_by_data = False
            stored.last_seen_at = now
            update_record(
                stored, user=user, reason="found again by the deviation check", expected_version=stored.version
            )
    for stored in existing.values():
        if not stored.resolved_by_data:
            stored.resolved_by_data = True
            update_record(
                stored,
                user=user,
                reason="no longer shown by the data after a later save",
                expected_version=stored.version,
            )
    return list(Deviation.objects.filter(subject=subject))


def subject_saved(
    subject: Subject, user: Any, forms: SubjectForms | None = None, records: list[FormRecord] | None = None
) -> None:
    """After any save of the subject's data: deviations found and stored; new SAEs e-mailed after commit.
    ``forms`` and ``records``: what the save loaded once (:func:`haictrial.edc.crfs.services.refresh_subject`)."""
    from haictrial.edc.operations import notify

    if forms is None or records is None:
        records = list(FormRecord.objects.filter(subject=subject))
        forms = None
    sync_deviations(subject, findings_for(subject, forms, records), user, records)
    notify.schedule_new_saes(subject, records)


# --- reading and review ---------------------------------------------------------------------------------


def deviations_for(user: Any, site: str | None = None, status: str | None = None) -> QuerySet[Deviation]:
    """Deviations the user may read (site-isolation layer); filter by site code and status."""
    rows = Deviation.objects.visible_to(user).select_related("subject__site", "reviewed_by")
    if site:
        rows = rows.filter(subject__site__code=site)
    if status:
        if status not in DeviationStatus.values:
            raise InputError(_("must be one of: %(values)s") % {"values": ", ".join(DeviationStatus.values)}, "status")
        rows = rows.filter(status=status)
    return rows


def deviation_contract(deviation: Deviation) -> dict[str, Any]:
    return {
        "deviation_id": deviation.pk,
        "subject_id": deviation.subject.subject_id,
        "site": deviation.subject.site.code,
        "kind": deviation.kind,
        "detail": deviation.detail,
        "form": deviation.form or None,
        "record_id": deviation.record_id,
        "field": deviation.field or None,
        "detected_at": deviation.detected_at.isoformat(),
        "status": deviation.status,
        "resolved_by_data": deviation.resolved_by_data,
        "review_comment": deviation.review_comment or None,
        "reviewed_by": deviation.reviewed_by.get_username() if deviation.reviewed_by else None,
        "reviewed_at": deviation.reviewed_at.isoformat() if deviation.reviewed_at else None,
        "version": deviation.version,
    }


def may_review(user: Any, site_id: int) -> bool:
    """An investigator (``sign``) or a monitor (``monitor``) of the deviation's site."""
    return (access.can(user, Capability.sign) or access.can(user, Capability.monitor)) and site_id in (
        access.member_site_ids(user)
    )


def review_deviation(user: Any, deviation_id: int, comment: Any) -> Deviation:
    """An investigator or monitor of the site reviews the deviation with a comment (``open`` -> ``reviewed``)."""
    from django.core.exceptions import PermissionDenied

    if not isinstance(comment, str) or not comment.strip():
        raise InputError(_("required"), field="comment")
    if len(comment) > MAX_COMMENT:
        raise InputError(_("at most %(n)s characters") % {"n": MAX_COMMENT}, field="comment")
    with transaction.atomic():
        deviation = Deviation.objects.select_related("subject__site").get_visible(user, pk=deviation_id)
        if not may_review(user, deviation.subject.site_id):
            raise PermissionDenied(_("only an investigator or a monitor of the site reviews a deviation"))
        deviation = Deviation.objects.select_for_update().select_related("subject__site").get(pk=deviation.pk)
        if deviation.status == DeviationStatus.reviewed:
            raise ConflictError(_("the deviation is already reviewed"), field="status")
        deviation.status = DeviationStatus.reviewed
        deviation.review_comment = comment.strip()
        deviation.reviewed_by, deviation.reviewed_at = user, timezone.now()
        return update_record(deviation, user=user, reason=_("deviation reviewed"), expected_version=deviation.version)


def counts_by_kind(rows: QuerySet[Deviation]) -> dict[str, int]:
    """Deviations per kind (for the report and the dashboard)."""
    counts: dict[str, int] = {}
    for kind in rows.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


__all__ = [
    "counts_by_kind",
    "deviation_contract",
    "deviations_for",
    "findings_for",
    "may_review",
    "review_deviation",
    "subject_saved",
    "sync_deviations",
]
