"""Analysis data sets from the EDC database (the Django models of :mod:`haictrial.edc`).

Screenings (the de-identified patient document and the engine's verdict) give the screening log and
the baseline columns known at screening; each enrolled subject's eCRF records, read as the core's
:class:`~haictrial.clinical.crf_models.SubjectForms` by the EDC's own service, give the rest through
:func:`haictrial.reports.from_forms.subject_rows` (baseline eCRF values such as CEA replace the
screening ones; treatment, imaging, adverse events, MDT, resection, follow-up, end of study).
A subject whose stored forms no longer parse keeps its screening baseline and is named in ``data_issues``
(:mod:`haictrial.reports.data_issues`), as is every eCRF record :func:`subject_rows` cannot use.

Enrolment dates are taken in the site's time zone (protocol setting ``site_time_zone``; stored times
are UTC).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from haictrial.errors import DomainError, InputError
from haictrial.protocol.schema import Protocol
from haictrial.reports.datasets import AnalysisDatasets, empty
from haictrial.reports.dictionary import ADAE, ADEX, ADRS
from haictrial.reports.from_forms import stored_forms_issue, subject_rows
from haictrial.reports.patient_columns import baseline_columns, failed_criteria


def _local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date() if moment.tzinfo else moment.date()


def from_database(protocol: Protocol, user: Any = None) -> AnalysisDatasets:
    """The data sets of every site (or, with ``user``, of the sites that user may read)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        from haictrial.edc import setup

        setup()
        return _read(protocol, user)
    except ImproperlyConfigured as exc:
        raise InputError(f"the EDC is not configured ({exc}); or use --from-synth DIR", field="database") from None
    except DatabaseError as exc:
        raise InputError(
            f"cannot read the EDC database ({str(exc).splitlines()[0]}); run `haictrial serve` once to create it, "
            "or use --from-synth DIR",
            field="database",
        ) from None


def _read(protocol: Protocol, user: Any) -> AnalysisDatasets:
    from django.db import connection

    from haictrial.edc.subjects.models import Screening, Subject, SubjectStatus
    from haictrial.edc.subjects.persons import person_ids

    zone = ZoneInfo(protocol.settings.site_time_zone.value)
    screenings = Screening.objects.select_related("site")
    subjects = Subject.objects.select_related("site", "screening")
    if user is not None:
        screenings, subjects = screenings.visible_to(user), subjects.visible_to(user)
    enrolled = {s.screening_id: s.subject_id for s in subjects}
    screening_rows = list(screenings.order_by("id"))
    persons = person_ids([s.pk for s in screening_rows])  # CONSORT counts persons, not screening rows
    log = pd.DataFrame(
        [
            {
                "screening_id": f"SCR-{s.pk}",
                "person_id": f"SCR-{persons[s.pk]}",
                "site": s.site.code,
                "screening_date": s.screening_date or _local_date(s.created_at, zone),
                "eligible": s.eligible is True,
                "failed_criteria": failed_criteria(s.result or {}),
                "subject_id": enrolled.get(s.pk),
            }
            for s in screening_rows
        ],
        columns=["screening_id", "person_id", "site", "screening_date", "eligible", "failed_criteria", "subject_id"],
    )
    subject_list = list(subjects.order_by("subject_id"))
    baseline = baseline_columns([s.screening.patient or {} for s in subject_list], protocol)
    rows = []
    for s in subject_list:
        enrolment = _local_date(s.enrolled_at, zone)
        rows.append(
            {
                "subject_id": s.subject_id,
                "site": s.site.code,
                "enrolment_date": enrolment,
                "cea_ng_ml": None,
                "targeted_agent": s.targeted_agent or None,
                "last_contact_date": max(d for d in (enrolment, s.treatment_start_date) if d is not None),
                "off_study_reason": "other" if s.status == SubjectStatus.off_study else None,
            }
        )
    adsl = pd.concat([pd.DataFrame(rows, columns=list(rows[0]) if rows else None), baseline], axis=1)
    adrs, adae, adex, issues = _forms(subject_list, adsl, protocol)
    return AnalysisDatasets(
        adsl=adsl,
        adrs=adrs if len(adrs) else empty(ADRS),
        adae=adae if len(adae) else empty(ADAE),
        adex=adex if len(adex) else empty(ADEX),
        screening_log=log,
        source=f"EDC database ({connection.vendor})",
        data_issues=issues,
        deviations=_deviations(subjects),
    )


def _deviations(subjects: Any) -> dict[str, int]:
    """Protocol deviations of the subjects read, per kind (every one found, reviewed or not, also those a
    later correction no longer shows: a deviation that happened is reported; ICH E3 10.2)."""
    from django.apps import apps
    from django.db.models import Count

    # By its app label, as Django relates apps: the report reads the deviations the operations app stores
    # without the analysis layer importing the operations services above it.
    Deviation = apps.get_model("operations", "Deviation")  # noqa: N806 - a model class
    rows = Deviation.objects.filter(subject__in=subjects).values("kind").annotate(n=Count("id")).order_by("kind")
    return {row["kind"]: row["n"] for row in rows}


def _forms(
    subject_list: list[Any], adsl: pd.DataFrame, protocol: Protocol
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Fill ``adsl`` from each subject's eCRFs; the ADRS, ADAE and ADEX rows and the data issues."""
    from haictrial.edc.crfs.models import FormRecord
    from haictrial.edc.crfs.services import subject_forms

    records: dict[int, list[Any]] = {}
    # Only the columns :func:`subject_forms` reads (its order and the payload); not ``derived`` (the
    # engines' stored results, the largest JSON: the report derives afresh) nor the audit columns, whose
    # date-time conversions were most of the reading time.
    rows = FormRecord.objects.filter(subject__in=[s.pk for s in subject_list]).only(*_FORM_COLUMNS)
    for record in rows:
        records.setdefault(record.subject_id, []).append(record)
    adrs: list[dict[str, Any]] = []
    adae: list[dict[str, Any]] = []
    adex: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    updates: dict[int, dict[str, Any]] = {}
    for index, subject in enumerate(subject_list):
        mine = records.get(subject.pk, [])
        if not mine:
            continue
        try:
            forms, _keys = subject_forms(subject, mine)
        except DomainError as exc:
            issues.append(stored_forms_issue(subject.subject_id, exc))
            continue
        found = subject_rows(forms, protocol)
        updates[index] = {
            column: value
            for column, value in found.adsl.items()
            if column != "subject_id" and (value is not None or column not in _KEEP_UNLESS_ENTERED)
        }
        adrs += found.adrs
        adae += found.adae
        adex += found.adex
        issues += found.issues
    for column in {c for values in updates.values() for c in values}:
        rows = [i for i, values in updates.items() if column in values]
        if column not in adsl.columns:
            adsl[column] = None
        adsl[column] = adsl[column].astype("object")
        adsl.loc[rows, column] = pd.Series([updates[i][column] for i in rows], index=rows, dtype="object")
    return pd.DataFrame(adrs), pd.DataFrame(adae), pd.DataFrame(adex), issues


#: The FormRecord columns read (all that :func:`haictrial.edc.crfs.services.subject_forms` uses).
_FORM_COLUMNS = ("id", "subject_id", "form", "cycle", "event_date", "payload")

#: Columns known before the eCRFs (screening, subject status): an eCRF value replaces them only when entered.
_KEEP_UNLESS_ENTERED = ("ecog", "lesion_count", "largest_lesion_mm", "cea_ng_ml", "off_study_reason")
