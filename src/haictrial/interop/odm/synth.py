"""The snapshot of a synthetic cohort directory (``haictrial synth --out DIR``) for ``--from-synth``.

Each enrolled patient's course becomes the eCRF records the demo loader would save at the cohort's data
cut-off (:func:`haictrial.synth.forms.export_entries`, the one mapping of a course to eCRF payloads), with
the record's cycle and event date taken from the payload as the EDC takes them
(:class:`haictrial.edc.crfs.catalogue.FormSpec`). A payload the eCRF model refuses (an injected fault) is
left out, as the demo loader leaves it out. A synthetic cohort has no audit trail and no signatures; it
never has a direct identifier (the birth date is not exported).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from haictrial.errors import DomainError
from haictrial.interop.odm.source import RecordData, Snapshot, SubjectData
from haictrial.protocol.schema import Protocol


def read_synth(directory: Path | str, protocol: Protocol) -> Snapshot:
    """Every enrolled subject of the cohort in ``directory`` with their records up to its data cut-off."""
    from haictrial.edc.crfs.catalogue import FORMS
    from haictrial.interop.sdtm.source import read_cohort
    from haictrial.synth.forms import end_of_day, export_entries

    cohort = read_cohort(Path(directory))
    today: dt.date = cohort.data_cutoff
    subjects: list[SubjectData] = []
    record_id = 0
    for course in cohort.courses(batch=500):
        subject = course["subjects"][0]
        if subject["enrolment_date"] is None or subject["enrolment_date"] > today:
            continue
        site = subject["subject_id"].split("-")[1]
        data = SubjectData(subject["subject_id"], site, identifiers=False)
        for form, payload in export_entries(course, today, protocol, seed=cohort.seed):
            spec = FORMS[form]
            try:
                model = spec.model.model_validate(payload)
            except (DomainError, ValueError):
                continue  # a synthetic value the eCRF refuses: left out, as the demo loader leaves it out
            record_id += 1
            data.records.append(
                RecordData(record_id, form, payload, spec.cycle_of(model), spec.date_of(model), 1, False, False)
            )
        subjects.append(data)
    subjects.sort(key=lambda s: s.subject_id)
    sites = {s.site_code: f"Synthetic site {s.site_code}" for s in subjects}
    zone = ZoneInfo(protocol.settings.site_time_zone.value)
    return Snapshot(subjects, dict(sorted(sites.items())), end_of_day(today, zone))
