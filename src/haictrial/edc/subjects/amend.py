"""Amending a screening instead of screening the patient again (docs/contracts/server.md, "Enrolment").

The change is a JSON Merge Patch (RFC 7396) of the patient document as it was sent: objects merge key by
key, a null removes a key, any other value (lists included) replaces the old one whole. The merged
document is parsed and screened again; the screening row and its identifiers are saved through the
audited save, so the trail holds the old and new values and the reason. An enrolled screening is not
amended (409): the subject's eCRFs are the record from then on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from haictrial.clinical.eligibility import age_in_years
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit.records import update_record
from haictrial.edc.subjects import services
from haictrial.edc.subjects.models import Identifiers, Screening, Subject
from haictrial.edc.trial import protocol
from haictrial.edc.validation import reject_nul
from haictrial.errors import ConflictError, InputError, UnprocessableError


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 section 2, MergePatch(Target, Patch): a new value, the inputs are left unchanged."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def sent_document(screening: Screening, identifiers: Identifiers | None) -> dict[str, Any]:
    """The screening body as the site sent it, rebuilt from the stored (de-identified) document and the
    identifiers: the birth date back in place of the age derived from it, and ``identifiers``."""
    document = dict(screening.patient)
    if identifiers is None:
        return {**document, "site": screening.site.code}
    birth, screened = identifiers.birth_date, screening.screening_date
    if birth is not None:
        document["birth_date"] = birth.isoformat()
        if screened is not None and document.get("age_years") == age_in_years(birth, screened):
            document.pop("age_years")  # derived from the birth date when it was stored
    names = {"full_name": identifiers.full_name, "hospital_number": identifiers.hospital_number}
    document["identifiers"] = {k: v for k, v in names.items() if v}
    document["site"] = screening.site.code
    return document


def amend_screening(
    user: Any, screening_id: int, changes: Any, reason: str, *, version: int | None = None
) -> Screening:
    """Apply ``changes`` (a merge patch of the patient document) to a screening not yet enrolled.

    Raises UnprocessableError (422) naming ``changes`` or ``changes.<field>`` for a change the document
    refuses, ``reason`` without a reason; ConflictError (409) for an enrolled screening or a stale
    ``version``; PermissionDenied (403) without the edit right at the screening's site.
    """
    screening = services.screening_for(user, screening_id)
    access.require_site_action(user, screening.site_id, Capability.screen)
    if not isinstance(changes, dict) or not changes:
        raise UnprocessableError(_("a JSON object with the fields to change is required"), field="changes")
    if "site" in changes:
        raise UnprocessableError(_("the site of a screening cannot be changed"), field="changes.site")
    if not (reason or "").strip():
        raise UnprocessableError(_("a reason is required for any change"), field="reason")
    reject_nul({"changes": changes, "reason": reason})
    with transaction.atomic():
        screening = Screening.objects.select_for_update().select_related("site").get(pk=screening.pk)
        subject = Subject.objects.filter(screening=screening).first()
        if subject is not None:
            raise ConflictError(
                _("screening %(pk)s is enrolled as %(subject_id)s: correct the subject's eCRFs instead")
                % {"pk": screening.pk, "subject_id": subject.subject_id},
                field="screening_id",
            )
        identifiers = Identifiers.objects.filter(screening=screening).first()
        document = merge_patch(sent_document(screening, identifiers), changes)
        try:
            _site, ident, patient = services.parse_screening_body(document)
        except InputError as exc:
            raise UnprocessableError(exc.message, field="changes" + (f".{exc.field}" if exc.field else "")) from None
        for name, value in services.screening_values(patient, protocol()).items():
            setattr(screening, name, value)
        screening = update_record(
            screening, user=user, reason=reason, expected_version=version if version is not None else screening.version
        )
        values = services.identifier_values(ident, patient)
        if identifiers is not None and any(getattr(identifiers, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(identifiers, name, value)
            update_record(identifiers, user=user, reason=reason, expected_version=identifiers.version)
    return screening
