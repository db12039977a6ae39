"""eCRF services: the only place converting :class:`~haictrial.edc.crfs.models.FormRecord` rows to the
core's models (:class:`~haictrial.clinical.crf_models.SubjectForms`) and back.

Saving a form (:func:`save_form`): authorise (edit at the subject's site) -> parse the payload with the
core's pydantic model (the first problem is an InputError naming the field) -> refuse a locked record
or a stale version (ConflictError, 409) -> store it through the audited save (reason after the first
save) -> recompute what the core derives for the subject (:func:`refresh_subject`), run the edit checks
(:func:`haictrial.clinical.edit_checks.run_edit_checks`) and turn their findings into queries
(:func:`haictrial.edc.dm.services.sync_queries`) -> move the subject's status along the course.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haictrial import __version__
from haictrial.clinical import course
from haictrial.clinical.adverse_events import AdverseEvent, sae_report_due, sae_status
from haictrial.clinical.crf_models import FORM_ATTRIBUTES, FormName, SubjectForms
from haictrial.clinical.edit_checks import EditCheckFinding, run_edit_checks
from haictrial.documents import parse_model
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.audit.records import create_record, update_record
from haictrial.edc.crfs.catalogue import FORMS, FormSpec, form_spec
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.subjects import services as subjects
from haictrial.edc.subjects.models import Subject
from haictrial.edc.subjects.status import TRANSITIONS
from haictrial.errors import ConflictError, InputError

ENGINE_VERSION = __version__
#: Payload keys the EDC owns: never taken from the client.
_EDC_KEYS = ("record_id", "subject_id")


# --- reading ----------------------------------------------------------------------------------------


def records_of(subject: Subject) -> QuerySet[FormRecord]:
    """The subject's records (the caller has read the subject through the site-isolation layer)."""
    return FormRecord.objects.filter(subject=subject).select_related("verified_by", "created_by")


def record_for(user: Any, subject_id: str, form: str, record_id: int) -> FormRecord:
    """One record the user may read, or Http404 (also for another site's record)."""
    subject = subjects.subject_for(user, subject_id)
    spec = form_spec(form)
    return FormRecord.objects.select_related("subject__site", "verified_by").get_visible(
        user, pk=record_id, subject=subject, form=spec.name.value
    )


def in_order(records: list[FormRecord]) -> list[FormRecord]:
    """Records as the forms list them: HAIC cycles by number, the others by date, then by entry."""
    return sorted(records, key=_order_key)


def _order_key(record: FormRecord) -> tuple[Any, ...]:
    """HAIC cycles by number; every other form by its date (undated last), then by entry."""
    number = record.cycle or 0 if record.form == FormName.haic_cycle else 0
    return (number, record.event_date or dt.date.max, record.pk)


def _site_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def subject_forms(
    subject: Subject, records: list[FormRecord]
) -> tuple[SubjectForms, dict[course.RecordKey, FormRecord]]:
    """The subject's records as the core's :class:`SubjectForms` and the record behind each key.

    Each list is in cycle, date, entry order; a record's ``record_id`` is its primary key.
    """
    document: dict[str, Any] = {
        "subject_id": subject.subject_id,
        "enrolment_date": _site_date(subject.enrolled_at).isoformat(),
    }
    keys: dict[course.RecordKey, FormRecord] = {}
    for name, spec in FORMS.items():
        mine = sorted((r for r in records if r.form == name.value), key=_order_key)
        payloads = []
        for index, record in enumerate(mine):
            payload = dict(record.payload)
            if spec.has_record_id:
                payload["record_id"] = str(record.pk)
            payloads.append(payload)
            keys[(name, index if spec.repeating else None)] = record
        attribute = FORM_ATTRIBUTES[name]
        if spec.repeating:
            document[attribute] = payloads
        elif payloads:
            document[attribute] = payloads[0]
    try:
        return parse_model(SubjectForms, document), keys
    except InputError as exc:  # a stored record no longer valid (protocol or engine changed)
        raise InputError(_("stored forms do not parse: %(message)s") % {"message": exc.message}, exc.field) from None


def payload_sha256(record: FormRecord) -> str:
    text = json.dumps(record.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_contract(user: Any, record: FormRecord) -> dict[str, Any]:
    """One record as the API and pages show it; the birth date only for staff of the subject's site."""
    payload = record.payload
    subject = record.subject
    if record.form == FormName.baseline and not access.can_see_identifiers(user, subject.site_id):
        payload = json.loads(json.dumps(payload))
        if isinstance(payload.get("demographics"), dict) and payload["demographics"].get("birth_date"):
            payload["demographics"]["birth_date"] = "[redacted]"
    derived = record.derived
    if record.form == FormName.adverse_events and record.payload.get("seriousness"):
        derived = {**derived, **sae_clock(record.payload)}
    return {
        "record_id": record.pk,
        "subject_id": subject.subject_id,
        "form": record.form,
        "version": record.version,
        "cycle": record.cycle,
        "event_date": record.event_date.isoformat() if record.event_date else None,
        "title": FORMS[FormName(record.form)].title(FORMS[FormName(record.form)].model.model_validate(record.payload)),
        "payload": payload,
        "derived": derived,
        "outcome_code": record.outcome_code or None,
        "verified": record.verified,
        "verified_at": record.verified_at.isoformat() if record.verified_at else None,
        "verified_by": record.verified_by.get_username() if record.verified_by else None,
        "locked": record.locked,
        "protocol_version": record.protocol_version,
        "engine_version": record.engine_version,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def sae_clock(payload: dict[str, Any]) -> dict[str, Any]:
    """The SAE reporting clock of an adverse event now (``due`` turns ``overdue`` with time, not with a save).

    References: ICH E2A II.B, ICH E6(R2) 4.11.1; protocol ``sae_initial_report_hours``
    (:func:`haictrial.clinical.adverse_events.sae_status`).
    """
    event = AdverseEvent.model_validate(payload)
    out: dict[str, Any] = {"sae_status": sae_status(event, timezone.now(), subjects.protocol()).value}
    if event.aware_at is not None:
        out["sae_report_due"] = sae_report_due(event.aware_at, subjects.protocol()).isoformat()
    return out


# --- saving -----------------------------------------------------------------------------------------


def parse_payload(spec: FormSpec, data: Any) -> dict[str, Any]:
    """The client's payload validated by the form's core model, as the JSON the EDC stores."""
    if not isinstance(data, dict):
        raise InputError(_("expected a JSON object"), field="payload")
    body = {k: v for k, v in data.items() if k not in _EDC_KEYS}
    try:
        json.dumps(body, allow_nan=False)
    except ValueError:
        raise InputError(_("NaN and Infinity are not numbers in JSON"), field="payload") from None
    model = parse_model(spec.model, body)
    exclude = {"record_id"} if spec.has_record_id else {"subject_id"}
    return model.model_dump(mode="json", exclude=exclude)


#: The largest value of the indexed ``cycle`` column (a 32-bit integer in every database).
MAX_CYCLE = 2**31 - 1


def _indexed(spec: FormSpec, payload: dict[str, Any]) -> tuple[int | None, dt.date | None]:
    model = spec.model.model_validate(payload)
    cycle = spec.cycle_of(model)
    if cycle is not None and cycle > MAX_CYCLE:
        raise InputError(_("must be at most %(n)s") % {"n": MAX_CYCLE}, field=spec.cycle_field)
    return cycle, spec.date_of(model)


def _check_unique(subject: Subject, spec: FormSpec, cycle: int | None, exclude_pk: int | None) -> None:
    others = FormRecord.objects.filter(subject=subject, form=spec.name.value).exclude(pk=exclude_pk)
    if not spec.repeating and others.exists():
        raise ConflictError(
            _("%(form)s is already recorded for this subject (record %(pk)s): edit that record")
            % {"form": spec.label, "pk": others.first().pk},  # type: ignore[union-attr]
            field="form",
        )
    if spec.name == FormName.haic_cycle and others.filter(cycle=cycle).exists():
        raise ConflictError(_("cycle %(cycle)s is already recorded: edit that record") % {"cycle": cycle}, "cycle")


def save_form(
    user: Any,
    subject_id: str,
    form: str,
    data: Any,
    *,
    record_id: int | None = None,
    version: int | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
    checks: bool = True,
    refresh: bool = True,
) -> FormRecord:
    """Create (``record_id`` None) or change a record; see the module docstring for the steps.

    Raises InputError (400, naming the field), ConflictError (409: stale version, locked record,
    duplicate single form or cycle), PermissionDenied (403), Http404 (another site's subject).
    ``refresh=False`` (bulk loading) leaves the derived values, queries and status to one
    :func:`refresh_subject` call after the last form.
    """
    subject = subjects.subject_for(user, subject_id)
    access.require_site_action(user, subject.site_id, Capability.edit)
    spec = form_spec(form)
    payload = parse_payload(spec, data)
    cycle, event_date = _indexed(spec, payload)
    proto = subjects.protocol()
    with transaction.atomic():
        if record_id is None:
            _check_unique(subject, spec, cycle, None)
            record = create_record(
                FormRecord(
                    subject=subject,
                    form=spec.name.value,
                    payload=payload,
                    cycle=cycle,
                    event_date=event_date,
                    protocol_version=proto.version,
                    engine_version=ENGINE_VERSION,
                    created_by=user,
                ),
                user=user,
            )
        else:
            record = (
                FormRecord.objects.select_for_update()
                .filter(subject=subject, form=spec.name.value)
                .get_visible(user, pk=record_id)
            )
            if record.locked:
                raise ConflictError(
                    _("this form is locked by the investigator's signature; it must be unlocked (with a reason) first"),
                    field="locked",
                )
            _check_unique(subject, spec, cycle, record.pk)
            if record.payload != payload and record.verified_at is not None:
                record.verified_at = None  # a change after source data verification resets it
                record.verified_by = None
            record.payload, record.cycle, record.event_date = payload, cycle, event_date
            record.protocol_version, record.engine_version = proto.version, ENGINE_VERSION
            record = update_record(record, user=user, reason=reason, expected_version=version)
        if refresh:
            refresh_subject(subject, user, today=today, checks=checks, trigger=spec.name)
    record.refresh_from_db()
    return record


def refresh_subject(
    subject: Subject,
    user: Any,
    *,
    today: dt.date | None = None,
    checks: bool = True,
    trigger: FormName | None = None,
) -> list[EditCheckFinding]:
    """Recompute the derived values of every record of ``subject``, sync the edit-check queries and
    apply the status transition the saved form brings. Returns the edit-check findings."""
    from haictrial.edc.dm import services as dm

    proto = subjects.protocol()
    records = list(FormRecord.objects.filter(subject=subject))
    forms, keys = subject_forms(subject, records)
    derived = course.derive(forms, proto, timezone.now(), subjects.subject_patient(subject))
    for key, record in keys.items():
        values = derived.records.get(key, {})
        code = derived.codes.get(key, "")
        if record.derived != values or record.outcome_code != code:
            FormRecord.objects.filter(pk=record.pk).update(derived=values, outcome_code=code)
    findings: list[EditCheckFinding] = []
    if checks:
        findings = run_edit_checks(forms, proto, today=today)
        dm.sync_queries(subject, findings, keys, user)
    if trigger is not None:
        advance_status(subject, forms, user, trigger)
    return findings


#: The status a saved form moves the subject to, and from which statuses (issue 7).
_STATUS_AFTER: dict[FormName, tuple[str, frozenset[str]]] = {
    FormName.haic_cycle: ("on_treatment", frozenset({"enrolled"})),
    FormName.resection: ("resected", frozenset({"on_treatment"})),
    FormName.follow_up: ("follow_up", frozenset({"on_treatment", "resected"})),
    FormName.end_of_study: ("off_study", frozenset({"enrolled", "on_treatment", "resected", "follow_up"})),
}


def advance_status(subject: Subject, forms: SubjectForms, user: Any, trigger: FormName) -> None:
    """on_treatment after the first cycle, resected after a resection, follow_up at the first follow-up
    visit, off_study at the end of study; the change is audited with the form as its reason."""
    rule = _STATUS_AFTER.get(trigger)
    subject.refresh_from_db()
    if rule is None or subject.status not in rule[1] or rule[0] not in TRANSITIONS[subject.status]:
        return
    new_status = rule[0]
    change: dict[str, Any] = {
        "version": subject.version,
        "status": new_status,
        "reason": _("status follows the %(form)s form") % {"form": FORMS[trigger].label},
    }
    if trigger == FormName.haic_cycle and subject.treatment_start_date is None:
        first = min((c for c in forms.haic_cycles if c.admission_date), key=lambda c: c.cycle, default=None)
        if first is not None:
            change["treatment_start_date"] = first.admission_date
    subjects.update_subject(user, subject.subject_id, subjects.SubjectChange(**change))


# --- derived views ----------------------------------------------------------------------------------


def haic_prefill(user: Any, subject_id: str, cycle: int) -> dict[str, Any]:
    """A new cycle's payload with the planned doses from the planning engine (dose modification from the
    recorded toxicities of the earlier cycles) and the targeted-agent administrations of that cycle."""
    subject = subjects.subject_for(user, subject_id)
    if isinstance(cycle, bool) or not isinstance(cycle, int) or cycle < 1:
        raise InputError(_("must be a whole number >= 1"), field="cycle")
    forms, _keys = subject_forms(subject, list(records_of(subject)))
    return course.prefill(forms, subjects.protocol(), cycle, subjects.subject_patient(subject))


def next_cycle_number(subject: Subject) -> int:
    numbers = FormRecord.objects.filter(subject=subject, form=FormName.haic_cycle.value).values_list("cycle", flat=True)
    return max((n for n in numbers if n), default=0) + 1


def response_summary(user: Any, subject_id: str) -> dict[str, Any]:
    """The subject's RECIST 1.1 evaluation (time points, best overall response) as the core gives it."""
    subject = subjects.subject_for(user, subject_id)
    forms, _keys = subject_forms(subject, list(records_of(subject)))
    derived = course.derive(forms, subjects.protocol(), timezone.now(), subjects.subject_patient(subject))
    return {"subject_id": subject.subject_id, "recist": derived.subject.get("recist")}


def edit_check_findings(user: Any, subject_id: str, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The current findings of every edit check for the subject (read only)."""
    subject = subjects.subject_for(user, subject_id)
    forms, _keys = subject_forms(subject, list(records_of(subject)))
    return [f.as_dict() for f in run_edit_checks(forms, subjects.protocol(), today=today)]


# --- analysis-ready records (for haictrial.reports.from_database) ------------------------------------

_ATTRIBUTION_ORDER = ("unrelated", "unlikely", "possible", "probable", "definite")


def _strongest_attribution(event: Any) -> str | None:
    values = [v for v in event.attribution.model_dump(mode="json").values() if v]
    return max(values, key=_ATTRIBUTION_ORDER.index) if values else None


def _subject_analysis(
    subject: Subject, forms: SubjectForms, keys: dict[course.RecordKey, FormRecord]
) -> dict[str, Any]:
    """ADSL outcome columns, ADRS, ADAE and ADEX rows of one subject (see :func:`analysis_records`)."""
    from haictrial.clinical.crf_outcome import evaluate_response

    proto = subjects.protocol()
    resection_dates = sorted(r.date for r in forms.resections if r.date)
    first_resection = resection_dates[0] if resection_dates else None
    # Best overall response up to the first resection (reports.dictionary ADSL.best_overall_response).
    before = [i for i in forms.imaging if i.date and (first_resection is None or i.date < first_resection)]
    recist: dict[str, Any] | None = None
    if forms.baseline is not None and forms.baseline.baseline_imaging_date and before:
        try:
            recist = evaluate_response(forms.subject_id, forms.baseline, before, proto).as_contract()
        except InputError:
            recist = None
    margin = None
    for index, resection in enumerate(forms.resections):
        code = keys[(FormName.resection, index)].outcome_code
        if resection.date == first_resection and code:
            margin = code
    events = [v for v in forms.follow_up if v.disease_event is not None and v.event_date is not None]
    progression = [v.event_date for v in events if v.disease_event == "progression" and v.event_date]
    if recist and recist.get("progression_date"):
        progression.append(dt.date.fromisoformat(recist["progression_date"]))
    recurrence = [v.event_date for v in events if v.disease_event == "recurrence" and v.event_date]
    record_dates = [r.event_date for r in keys.values() if r.event_date]
    death = forms.death_date
    adsl = {
        "subject_id": subject.subject_id,
        "cea_ng_ml": forms.baseline.tumour_markers.cea_ng_per_ml if forms.baseline else None,
        "best_overall_response": recist["best_overall_response"] if recist else None,
        "best_percent_change": recist["best_percent_change"] if recist else None,
        "response_confirmed": recist["confirmed"] if recist else None,
        "morphologic_response": recist.get("morphologic_response") if recist else None,
        "mdt_decision": next(
            (
                r.decision.value
                for r in sorted(forms.mdt_reviews, key=lambda r: r.date or dt.date.min, reverse=True)
                if r.decision
            ),
            None,
        ),
        "resection_date": first_resection,
        "resection_margin": margin,
        "progression_date": min(progression) if progression else None,
        "recurrence_date": min(recurrence) if recurrence else None,
        "death_date": death,
        "last_contact_date": death or max([timezone.localdate(subject.enrolled_at), *record_dates]),
        "off_study_reason": forms.end_of_study.reason.value
        if forms.end_of_study and forms.end_of_study.reason
        else None,
    }
    adrs = []
    if forms.baseline is not None and forms.baseline.baseline_imaging_date and recist:
        adrs.append(
            {
                "subject_id": subject.subject_id,
                "assessment_date": dt.date.fromisoformat(recist["baseline_date"]),
                "baseline": True,
                "sum_mm": recist["baseline_sum_mm"],
                "percent_change": 0.0 if recist["baseline_sum_mm"] is not None else None,
                "overall_response": None,
            }
        )
        for timepoint in recist["timepoints"]:
            adrs.append(
                {
                    "subject_id": subject.subject_id,
                    "assessment_date": dt.date.fromisoformat(timepoint["date"]),
                    "baseline": False,
                    "sum_mm": timepoint["sum_mm"],
                    "percent_change": timepoint["change_from_baseline_pct"],
                    "overall_response": timepoint["overall_response"],
                }
            )
    adae = [
        {
            "subject_id": subject.subject_id,
            "term": event.term,
            "grade": event.grade,
            "serious": event.is_serious,
            "onset_date": event.onset_date,
            "attribution": _strongest_attribution(event),
        }
        for event in forms.adverse_events
    ]
    length = dt.timedelta(days=proto.regimen.cycle_length_days)
    cycles = sorted((c for c in forms.haic_cycles if c.admission_date), key=lambda c: c.cycle)
    adex = []
    for index, cycle in enumerate(cycles):
        previous = cycles[index - 1].admission_date if index else None
        delay = max(((cycle.admission_date - (previous + length)).days if previous else 0), 0)  # type: ignore[operator]
        record = next(r for k, r in keys.items() if k[0] == FormName.haic_cycle and r.cycle == cycle.cycle)
        levels = [i.planned_dose_level or 0 for i in cycle.infusions]
        adex.append(
            {
                "subject_id": subject.subject_id,
                "cycle": cycle.cycle,
                "cycle_date": cycle.admission_date,
                "delay_days": delay,
                "dose_modified": bool(record.derived.get("dose_modified")) or any(level > 0 for level in levels),
            }
        )
    return {"adsl": adsl, "adrs": adrs, "adae": adae, "adex": adex}


def analysis_records(user: Any = None) -> dict[str, list[dict[str, Any]]]:
    """Analysis-ready rows from the eCRFs of every subject (or those ``user`` may read), for
    :mod:`haictrial.reports.from_database`:

    - ``adsl``: per subject, the outcome columns of ``reports.dictionary.ADSL`` (cea_ng_ml,
      best_overall_response, best_percent_change, response_confirmed, morphologic_response, mdt_decision,
      resection_date, resection_margin, progression_date, recurrence_date, death_date, last_contact_date,
      off_study_reason);
    - ``adrs``: one row per imaging assessment, the baseline included (ADRS columns);
    - ``adae``: one row per adverse event (term, grade, serious, onset_date, the strongest attribution);
    - ``adex``: one row per HAIC cycle given (cycle, cycle_date, delay_days, dose_modified).

    Responses come from the RECIST engine over the imaging up to the first resection; margins, grades
    and dose modification from what the core derived on save. Dates are ``datetime.date``.
    """
    rows = Subject.objects.select_related("site", "screening").order_by("subject_id")
    if user is not None:
        rows = rows.visible_to(user)
    by_subject: dict[int, list[FormRecord]] = {}
    for record in FormRecord.objects.filter(subject__in=rows):
        by_subject.setdefault(record.subject_id, []).append(record)
    out: dict[str, list[dict[str, Any]]] = {"adsl": [], "adrs": [], "adae": [], "adex": []}
    for subject in rows:
        forms, keys = subject_forms(subject, by_subject.get(subject.pk, []))
        parts = _subject_analysis(subject, forms, keys)
        out["adsl"].append(parts["adsl"])
        for name in ("adrs", "adae", "adex"):
            out[name].extend(parts[name])
    return out
