"""Analysis data sets from the EDC database (the Django models of :mod:`haictrial.edc`).

What the EDC holds today: screenings (the de-identified patient document and the engine's verdict)
and enrolled subjects (enrolment time, targeted agent, treatment start). From them come the
screening log and the ADSL baseline columns. The EDC has no eCRFs yet for HAIC cycles, imaging,
adverse events, MDT review, resection or follow-up, so ADEX, ADRS and ADAE are empty and the ADSL
outcome columns are null; each subject's last contact is its last recorded date (enrolment or
treatment start). The report states this in its data source line.

Enrolment dates are taken in the site's time zone (protocol setting ``site_time_zone``; stored times
are UTC).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.reports.datasets import AnalysisDatasets, empty
from haictrial.reports.dictionary import ADAE, ADEX, ADRS
from haictrial.reports.patient_columns import baseline_columns, failed_criteria

SOURCE_NOTE = (
    "EDC database: screening and enrolment only (the EDC has no eCRFs yet for HAIC cycles, imaging, "
    "adverse events, resection or follow-up)"
)


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

    zone = ZoneInfo(protocol.settings.site_time_zone.value)
    screenings = Screening.objects.select_related("site")
    subjects = Subject.objects.select_related("site", "screening")
    if user is not None:
        screenings, subjects = screenings.visible_to(user), subjects.visible_to(user)
    enrolled = {s.screening_id: s.subject_id for s in subjects}
    log = pd.DataFrame(
        [
            {
                "screening_id": f"SCR-{s.pk}",
                "site": s.site.code,
                "screening_date": s.screening_date or _local_date(s.created_at, zone),
                "eligible": s.eligible is True,
                "failed_criteria": failed_criteria(s.result or {}),
                "subject_id": enrolled.get(s.pk),
            }
            for s in screenings.order_by("id")
        ],
        columns=["screening_id", "site", "screening_date", "eligible", "failed_criteria", "subject_id"],
    )
    subject_rows = list(subjects.order_by("subject_id"))
    baseline = baseline_columns([s.screening.patient or {} for s in subject_rows], protocol)
    rows = []
    for s in subject_rows:
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
    adsl = pd.concat(
        [
            pd.DataFrame(
                rows,
                columns=[
                    "subject_id",
                    "site",
                    "enrolment_date",
                    "cea_ng_ml",
                    "targeted_agent",
                    "last_contact_date",
                    "off_study_reason",
                ],
            ),
            baseline,
        ],
        axis=1,
    )
    return AnalysisDatasets(
        adsl=adsl,
        adrs=empty(ADRS),
        adae=empty(ADAE),
        adex=empty(ADEX),
        screening_log=log,
        source=f"{SOURCE_NOTE}; {connection.vendor}",
    )
