"""Screening, enrolment and subject services: the only place converting these ORM rows to the core's
pydantic models (``Patient``) and back. Views and API calls authorise through
:mod:`haictrial.edc.accounts.access`, then call these functions.

Direct identifiers (name, birth date, hospital number) are split off the patient document into
:class:`~haictrial.edc.subjects.models.Identifiers`; the stored document keeps the age in completed
years instead of the birth date, so that re-running the engines on it gives the same verdicts.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from haictrial.clinical import course
from haictrial.clinical.eligibility import age_in_years, screen
from haictrial.clinical.patient import Patient
from haictrial.clinical.regimen import choose_targeted_agent
from haictrial.clinical.schedule import visit_calendar
from haictrial.documents import parse_model
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.accounts.models import Site
from haictrial.edc.audit.records import create_record, update_record
from haictrial.edc.subjects.consent import ConsentIn, check_consent, consent_contract
from haictrial.edc.subjects.models import (
    Consent,
    Identifiers,
    Screening,
    SiteSequence,
    Subject,
    SubjectStatus,
)
from haictrial.edc.subjects.persons import duplicate_screenings, normalised, person_ids, possible_duplicates
from haictrial.edc.subjects.signals import subject_data_saved
from haictrial.edc.subjects.status import check_transition
from haictrial.edc.trial import ENGINE_VERSION, MAX_CYCLE, protocol
from haictrial.edc.validation import MAX_ID, no_nul, reject_nul
from haictrial.errors import ConflictError, InputError, UnprocessableError
from haictrial.i18n import render_reason
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug

#: Cycles shown in the visit calendar by default (a display choice, not a clinical rule).
CALENDAR_CYCLES = 6


class IdentifiersIn(BaseModel):
    """Direct identifiers sent with a screening (besides ``birth_date`` of the patient document)."""

    model_config = ConfigDict(extra="forbid")

    full_name: Annotated[str, AfterValidator(no_nul)] | None = Field(None, max_length=200)
    hospital_number: Annotated[str, AfterValidator(no_nul)] | None = Field(None, max_length=50)


# --- screening ------------------------------------------------------------------------------


def _site_for_screening(user: Any, data: dict[str, Any]) -> Site:
    code = data.get("site")
    if not isinstance(code, str) or not code:
        raise InputError(_("the site code (three digits) is required"), field="site")
    site = Site.objects.filter(code=code).first()
    if site is None:
        raise InputError(_("no site with code %(code)r") % {"code": code}, field="site")
    access.require_site_action(user, site.id, Capability.screen)
    return site


def deidentified_document(patient: Patient) -> dict[str, Any]:
    """The patient document without direct identifiers: birth date replaced by the age, no subject id."""
    document = patient.model_dump(mode="json", exclude_none=True)
    document.pop("subject_id", None)
    birth = document.pop("birth_date", None)
    if birth is not None and patient.age_years is None and patient.screening_date is not None:
        assert patient.birth_date is not None
        document["age_years"] = age_in_years(patient.birth_date, patient.screening_date)
    return document


def parse_screening_body(data: Any) -> tuple[str, IdentifiersIn, Patient]:
    """Split a screening body (patient document + ``site`` + optional ``identifiers``) and parse it."""
    if not isinstance(data, dict):
        raise InputError(_("expected a JSON object"))
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        raise InputError(_("NaN and Infinity are not numbers in JSON")) from None
    reject_nul(data)
    body = dict(data)
    site = body.pop("site", None)
    identifiers = body.pop("identifiers", None)
    ident = IdentifiersIn()
    if identifiers is not None:
        try:
            ident = parse_model(IdentifiersIn, identifiers)
        except InputError as exc:
            raise InputError(exc.message, field="identifiers" + (f".{exc.field}" if exc.field else "")) from None
    # Entry: dates after today (site time zone) and values outside clinical.limits are refused.
    patient = parse_model(Patient, body, today=timezone.localdate(), zone=timezone.get_current_timezone())
    return site, ident, patient


def screen_patient(user: Any, data: dict[str, Any]) -> tuple[Screening, dict[str, Any]]:
    """Store a screening and run the screening engine; returns the row and the ``screen`` output
    plus ``screening_id``. Raises InputError naming the field for a bad document."""
    if not isinstance(data, dict):
        raise InputError(_("expected a JSON object"))
    access.require(user, Capability.screen)
    site = _site_for_screening(user, data)
    _code, ident, patient = parse_screening_body(data)
    with transaction.atomic():
        screening = create_record(
            Screening(site=site, screened_by=user, **screening_values(patient, protocol())), user=user
        )
        create_record(Identifiers(screening=screening, **identifier_values(ident, patient)), user=user)
    return screening, screening_contract(screening)


def screening_values(patient: Patient, proto: Protocol) -> dict[str, Any]:
    """The stored columns of a screening of ``patient``: the de-identified document and the engine's verdict."""
    result = screen(patient, proto).as_contract()
    result["subject_id"] = None
    return {
        "screening_date": patient.screening_date,
        "patient": deidentified_document(patient),
        "result": result,
        "eligible": result["eligible"],
        "failed_criteria": [c["id"] for c in result["criteria"] if c["status"] == "fail"],
        "missing": result["missing"],
        "protocol_version": proto.version,
        "engine_version": ENGINE_VERSION,
    }


def identifier_values(ident: IdentifiersIn, patient: Patient) -> dict[str, Any]:
    """The stored identifiers, white space collapsed (the form :mod:`~haictrial.edc.subjects.persons` compares)."""
    return {
        "full_name": normalised(ident.full_name),
        "birth_date": patient.birth_date,
        "hospital_number": normalised(ident.hospital_number),
    }


def screening_contract(screening: Screening) -> dict[str, Any]:
    """The ``screen`` output stored for a screening, with ``screening_id``, site and subject id if enrolled."""
    out = dict(screening.result)
    subject = getattr(screening, "subject", None)
    out["subject_id"] = subject.subject_id if subject is not None else None
    out["screening_id"] = screening.pk
    out["site"] = screening.site.code
    out["screening_date"] = screening.screening_date.isoformat() if screening.screening_date else None
    out["protocol_version"] = screening.protocol_version
    out["engine_version"] = screening.engine_version
    out["possible_duplicates"] = possible_duplicates(screening)
    return out


def screenings_for(user: Any) -> QuerySet[Screening]:
    return Screening.objects.visible_to(user).select_related("site", "subject")


def screening_for(user: Any, screening_id: int) -> Screening:
    if not 1 <= screening_id <= MAX_ID:
        raise Http404(_("Not found."))
    return Screening.objects.select_related("site").get_visible(user, pk=screening_id)


def screening_log(user: Any) -> list[dict[str, Any]]:
    """Every screening the user may see, with the failing criteria (the CONSORT source) and ``person_id``:
    the same for every screening of one person (:func:`~haictrial.edc.subjects.persons.person_ids`)."""
    rows = []
    screenings = list(screenings_for(user).order_by("-screening_date", "-id"))
    persons = person_ids([s.pk for s in screenings])
    for s in screenings:
        subject = getattr(s, "subject", None)
        rows.append(
            {
                "screening_id": s.pk,
                "person_id": persons[s.pk],
                "site": s.site.code,
                "screening_date": s.screening_date.isoformat() if s.screening_date else None,
                "eligible": s.eligible,
                "failed_criteria": list(s.failed_criteria),
                "missing": list(s.missing),
                "subject_id": subject.subject_id if subject is not None else None,
                "status": subject.status if subject is not None else SubjectStatus.screened,
            }
        )
    return rows


# --- enrolment -------------------------------------------------------------------------------


def screening_patient(screening: Screening, subject_id: str | None = None) -> Patient:
    """The core ``Patient`` of a stored (de-identified) screening document."""
    document = dict(screening.patient)
    if subject_id is not None:
        document["subject_id"] = subject_id
    return parse_model(Patient, document)


def _not_eligible_reason(result: dict[str, Any]) -> str:
    if result["eligible"] is None:
        return _("eligibility is not established; missing data: %(fields)s") % {
            "fields": ", ".join(result["missing"]) or "-"
        }
    failing = [f"{c['id']} ({render_reason(c)})" for c in result["criteria"] if c["status"] == "fail"]
    return _("not eligible: %(criteria)s") % {"criteria": "; ".join(failing)}


def _next_subject_number(site: Site) -> int:
    """The next number of ``site``'s subject sequence; the row lock serialises concurrent enrolments."""
    sequence = SiteSequence.objects.select_for_update().filter(site=site).first()
    if sequence is None:
        try:
            with transaction.atomic():
                SiteSequence.objects.create(site=site, last_number=0)
        except IntegrityError:
            pass  # created by a concurrent enrolment: lock it below
        sequence = SiteSequence.objects.select_for_update().get(site=site)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def parse_consent(data: Any) -> ConsentIn:
    """The consent record of an enrolment; absent: :class:`UnprocessableError` naming ``consent``."""
    if isinstance(data, ConsentIn):
        return data
    if data is None:
        raise UnprocessableError(
            _("informed consent is required: {signed_on, icf_version, obtained_by}"), field="consent"
        )
    try:
        return parse_model(ConsentIn, data)
    except InputError as exc:
        raise UnprocessableError(exc.message, field="consent" + (f".{exc.field}" if exc.field else "")) from None


def enroll(user: Any, screening_id: int, consent: Any, *, enrolled_at: dt.datetime | None = None) -> Subject:
    """Enrol the patient of an eligible screening with their informed consent: ``CHA-<site>-<NNNN>`` and
    the targeted agent.

    Raises UnprocessableError (422) for a missing or invalid ``consent``, ConflictError (409) when the
    patient is not eligible (with the reason) or already enrolled (also through another screening of the
    same person, :mod:`~haictrial.edc.subjects.persons`). ``enrolled_at`` (default now) is for loading
    recorded enrolments (the demo); the API never sets it.
    """
    screening = screening_for(user, screening_id)
    access.require_site_action(user, screening.site_id, Capability.enroll)
    proto = protocol()
    record = parse_consent(consent)
    moment = enrolled_at or timezone.now()
    check_consent(record, proto, today=timezone.localdate(), enrolment_date=timezone.localdate(moment))
    # One person, one subject: the person's screenings are locked together, in id order, so that two
    # concurrent enrolments of the same person serialise (without deadlock) and the second finds the first.
    others = list(duplicate_screenings(screening).values_list("pk", flat=True))
    with transaction.atomic():
        list(Screening.objects.select_for_update().filter(pk__in=[screening.pk, *others]).order_by("id"))
        screening = Screening.objects.select_related("site").get(pk=screening.pk)
        if Subject.objects.filter(screening=screening).exists():
            raise ConflictError(
                _("already enrolled as %(subject_id)s") % {"subject_id": screening.subject.subject_id},
                field="screening_id",
            )
        earlier = Subject.objects.filter(screening_id__in=others).order_by("subject_id").first()
        if earlier is not None:
            raise ConflictError(
                _("this person is already enrolled as %(subject_id)s (screening %(screening)s)")
                % {"subject_id": earlier.subject_id, "screening": earlier.screening_id},
                field="screening_id",
            )
        # Eligibility is re-checked against the protocol in force at enrolment.
        result = screen(screening_patient(screening), proto).as_contract()
        if result["eligible"] is not True:
            raise ConflictError(_not_eligible_reason(result), field="eligible")
        number = _next_subject_number(screening.site)
        subject_id = f"CHA-{screening.site.code}-{number:04d}"
        choice = choose_targeted_agent(screening_patient(screening, subject_id), proto)
        subject = create_record(
            Subject(
                subject_id=subject_id,
                site=screening.site,
                screening=screening,
                status=SubjectStatus.enrolled,
                enrolled_at=moment,
                enrolled_by=user,
                targeted_agent=choice.agent.value if choice.agent is not None else "",
                targeted_agent_reason=choice.reason,
                protocol_version=proto.version,
                engine_version=ENGINE_VERSION,
            ),
            user=user,
        )
        create_record(
            Consent(
                subject=subject,
                signed_on=record.signed_on,
                icf_version=record.icf_version,
                obtained_by=record.obtained_by,
            ),
            user=user,
        )
        # The enrolment's protocol deviations (eligibility, consent) are found by haictrial.edc.operations.
        subject_data_saved.send(sender=Subject, subject=subject, user=user, forms=None, records=None)
    return subject


# --- subjects --------------------------------------------------------------------------------


def subjects_for(user: Any, query: str | None = None, status: str | None = None) -> QuerySet[Subject]:
    """Subjects the user may see (site-isolation layer), optionally searched by subject id and status."""
    rows = Subject.objects.visible_to(user).select_related("site")
    if (query and "\x00" in query) or (status and status not in SubjectStatus.values):
        return rows.none()
    if query:
        rows = rows.filter(subject_id__icontains=query.strip())
    if status:
        rows = rows.filter(status=status)
    return rows


def status_counts(user: Any) -> tuple[list[tuple[str, int]], int]:
    """The number of visible subjects in each status (every status, zeros included) and their total.

    One aggregate query gives both, so that the tiles always add up to the total shown beside them.
    """
    rows = subjects_for(user).order_by().values_list("status").annotate(n=Count("pk"))
    counts = {status: n for status, n in rows}
    per_status = [(status, counts.get(status, 0)) for status in SubjectStatus.values]
    return per_status, sum(counts.values())


def subject_for(user: Any, subject_id: str) -> Subject:
    if len(subject_id) > 20 or "\x00" in subject_id:
        raise Http404(_("Not found."))
    return Subject.objects.select_related("site", "screening").get_visible(user, subject_id=subject_id)


def identifiers_for(user: Any, screening: Screening) -> Identifiers | None:
    """The screening's identifiers if ``user`` may see them (own-site staff only), else None."""
    if not access.can_see_identifiers(user, screening.site_id):
        return None
    return Identifiers.objects.visible_to(user).filter(screening=screening).first()


def identifiers_contract(identifiers: Identifiers) -> dict[str, Any]:
    return {
        "full_name": identifiers.full_name,
        "birth_date": identifiers.birth_date.isoformat() if identifiers.birth_date else None,
        "hospital_number": identifiers.hospital_number,
        "version": identifiers.version,
    }


def subject_summary(subject: Subject) -> dict[str, Any]:
    return {
        "subject_id": subject.subject_id,
        "site": subject.site.code,
        "status": subject.status,
        "enrolled_at": subject.enrolled_at.isoformat(),
        "targeted_agent": subject.targeted_agent or None,
    }


def subject_contract(user: Any, subject: Subject) -> dict[str, Any]:
    """The subject record; identifiers only for staff of the subject's own site."""
    out = subject_summary(subject)
    out.update(
        screening_id=subject.screening_id,
        treatment_start_date=subject.treatment_start_date.isoformat() if subject.treatment_start_date else None,
        targeted_agent_reason=subject.targeted_agent_reason,
        protocol_version=subject.protocol_version,
        engine_version=subject.engine_version,
        version=subject.version,
        screening=screening_contract(subject.screening),
        consent=consent_contract(Consent.objects.filter(subject=subject).first()),
    )
    identifiers = identifiers_for(user, subject.screening)
    if identifiers is not None:
        out["identifiers"] = identifiers_contract(identifiers)
    return out


class SubjectChange(BaseModel):
    """An edit of the subject record: what changes, the version it was made on, and why."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_ID)
    reason: Annotated[str, AfterValidator(no_nul)] = Field(min_length=1, max_length=2000)
    status: SubjectStatus | None = None
    treatment_start_date: dt.date | None = None


def update_subject(user: Any, subject_id: str, change: SubjectChange) -> Subject:
    """Change status and/or treatment start; a stale version is a ConflictError (409)."""
    subject = subject_for(user, subject_id)
    access.require_site_action(user, subject.site_id, Capability.edit)
    if change.status is not None:
        check_transition(subject.status, change.status)
        subject.status = change.status
    if change.treatment_start_date is not None:
        subject.treatment_start_date = change.treatment_start_date
    return update_record(subject, user=user, reason=change.reason, expected_version=change.version)


class IdentifiersChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_ID)
    reason: Annotated[str, AfterValidator(no_nul)] = Field(min_length=1, max_length=2000)
    full_name: Annotated[str, AfterValidator(no_nul)] | None = Field(None, max_length=200)
    birth_date: dt.date | None = None
    hospital_number: Annotated[str, AfterValidator(no_nul)] | None = Field(None, max_length=50)


def update_identifiers(user: Any, screening: Screening, change: IdentifiersChange) -> Identifiers:
    access.require_site_action(user, screening.site_id, Capability.edit)
    identifiers = identifiers_for(user, screening)
    if identifiers is None:
        raise InputError(_("no identifiers recorded for this screening"))
    for name in ("full_name", "birth_date", "hospital_number"):
        value = getattr(change, name)
        if value is not None:
            setattr(identifiers, name, value)
    return update_record(identifiers, user=user, reason=change.reason, expected_version=change.version)


# --- derived: plan and calendar --------------------------------------------------------------


def subject_patient(subject: Subject) -> Patient:
    """The core ``Patient`` of a subject."""
    return screening_patient(subject.screening, subject.subject_id)


def cycle_plan(user: Any, subject_id: str, cycle: int) -> dict[str, Any]:
    """The ``plan`` output for a subject and cycle, computed from the stored data (nothing is written)."""
    subject = subject_for(user, subject_id)
    if isinstance(cycle, bool) or not isinstance(cycle, int) or not 1 <= cycle <= MAX_CYCLE:
        raise InputError(_("must be a whole number from 1 to %(max)d") % {"max": MAX_CYCLE}, field="cycle")
    # Read only (a GET never writes): the plan is derived from the stored forms on every read, and the
    # protocol and engine versions that produced it are in the document.
    return planned_cycle(subject, protocol(), cycle)


def planned_cycle(subject: Subject, proto: Protocol, cycle: int) -> dict[str, Any]:
    """The plan of ``cycle`` as the casebook's HAIC form prefills it: the weight recorded at the previous
    cycle and the dose modifications the recorded toxicities of the earlier cycles call for
    (:func:`haictrial.clinical.course.plan_for_cycle`), so every page and the API show one plan.
    Terms the dose-modification engine does not know are listed under ``ignored_toxicity_terms``."""
    # The eCRF app builds on this one; imported here to keep the dependency one-way at import time.
    from haictrial.edc.crfs.services import records_of, subject_forms

    forms, _keys = subject_forms(subject, list(records_of(subject)))
    plan, ignored = course.plan_for_cycle(forms, proto, cycle, subject_patient(subject))
    document = plan.as_contract()
    document["ignored_toxicity_terms"] = ignored
    return document


def calendar(subject: Subject, cycles: int = CALENDAR_CYCLES) -> list[dict[str, Any]]:
    """Planned visits from the treatment start (or the enrolment date until it is set)."""
    start = subject.treatment_start_date or timezone.localdate(subject.enrolled_at)
    agent = Drug(subject.targeted_agent) if subject.targeted_agent else None
    return [event.as_dict() for event in visit_calendar(start, cycles, protocol(), agent)]
