"""The subjects an SDTM package is built from: each enrolled subject's typed eCRFs plus the screening facts.

Both sources give the same typed records, so that the domains are derived once:

- the EDC database: each subject's stored eCRF payloads read by the EDC's own service
  (:func:`haictrial.edc.crfs.services.subject_forms`) as the core's
  :class:`~haictrial.clinical.crf_models.SubjectForms`, and the de-identified screening document;
- a synthetic cohort directory (``haictrial synth --out DIR``): each enrolled patient's course entered as
  the demo loader enters it (:mod:`haictrial.synth.forms`, form by form up to the cohort's
  data cut-off), then parsed as :class:`SubjectForms`. A form the eCRF model refuses (an injected fault) is
  left out and named in the notes, as the demo loader leaves it out.

No direct identifier is kept: the screening document is stored without name, hospital number or birth
date (the EDC keeps them apart); the synthetic document's birth date is dropped here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haictrial.clinical.crf_models import SubjectForms
from haictrial.documents import parse_model
from haictrial.errors import InputError
from haictrial.protocol.schema import Protocol
from haictrial.synth.forms import course_document

FIELD = "--from-synth"
_INDEXED = re.compile(r"^([a-z_]+)\[(\d+)\]")


@dataclass(frozen=True)
class SubjectSource:
    """One enrolled subject: the typed eCRFs and what the screening recorded (sex, age, date)."""

    subject_id: str
    site: str
    forms: SubjectForms
    targeted_agent: str | None = None
    sex: str | None = None
    age_years: int | None = None
    screening_date: dt.date | None = None
    screening_criteria: dict[str, str] = field(default_factory=dict)

    @property
    def enrolment_date(self) -> dt.date:
        return self.forms.enrolment_date


@dataclass
class StudySource:
    """Every subject of the export and where they came from."""

    subjects: list[SubjectSource]
    source: str
    notes: list[str] = field(default_factory=list)
    #: records as the source counts them (DM = enrolled, AE = adverse-event records, EX = administrations)
    counts: dict[str, int] = field(default_factory=dict)


def _age(document: dict[str, Any]) -> int | None:
    age = document.get("age_years")
    return int(age) if isinstance(age, int | float) and not isinstance(age, bool) else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _criteria(result: dict[str, Any]) -> dict[str, str]:
    """Criterion id -> status (pass / fail / unknown) from a screen.md result."""
    found = {}
    for item in result.get("criteria", []) if isinstance(result, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("status"), str):
            found[item["id"]] = item["status"]
    return found


def administrations(forms: SubjectForms) -> int:
    """Administrations given: each HAIC infusion and each targeted-agent dose with a given dose above 0."""
    haic = sum(1 for c in forms.haic_cycles for i in c.infusions if (i.given_dose_mg or 0) > 0)
    return haic + sum(1 for t in forms.targeted_agent if (t.given_dose_mg or 0) > 0)


def _count(subjects: list[SubjectSource]) -> dict[str, int]:
    return {
        "DM": len(subjects),
        "AE": sum(len(s.forms.adverse_events) for s in subjects),
        "EX": sum(administrations(s.forms) for s in subjects),
    }


# --- the EDC database ---------------------------------------------------------------------------------


def from_database(user: Any = None) -> StudySource:
    """Every enrolled subject of the EDC (or, with ``user``, those of the sites that user may read)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        from haictrial.edc import setup

        setup()
        return _read_database(user)
    except ImproperlyConfigured as exc:
        raise InputError(f"the EDC is not configured ({exc}); or use --from-synth DIR", field="database") from None
    except DatabaseError as exc:
        raise InputError(
            f"cannot read the EDC database ({str(exc).splitlines()[0]}); run `haictrial serve` once to create it, "
            "or use --from-synth DIR",
            field="database",
        ) from None


def _read_database(user: Any) -> StudySource:
    from django.db import connection

    from haictrial.edc.crfs.models import FormRecord
    from haictrial.edc.crfs.services import subject_forms
    from haictrial.edc.subjects.models import Subject
    from haictrial.errors import DomainError

    subjects = Subject.objects.select_related("site", "screening")
    if user is not None:
        subjects = subjects.visible_to(user)
    subject_list = list(subjects.order_by("subject_id"))
    records: dict[int, list[Any]] = {}
    for record in FormRecord.objects.filter(subject__in=[s.pk for s in subject_list]):
        records.setdefault(record.subject_id, []).append(record)
    out: list[SubjectSource] = []
    notes: list[str] = []
    for subject in subject_list:
        try:
            forms, _keys = subject_forms(subject, records.get(subject.pk, []))
        except DomainError as exc:
            notes.append(f"{subject.subject_id}: {exc}; the subject is exported without eCRF data")
            forms, _keys = subject_forms(subject, [])
        document = subject.screening.patient or {}
        out.append(
            SubjectSource(
                subject_id=subject.subject_id,
                site=subject.site.code,
                forms=forms,
                targeted_agent=subject.targeted_agent or None,
                sex=document.get("sex"),
                age_years=_age(document),
                screening_date=subject.screening.screening_date or _date(document.get("screening_date")),
                screening_criteria=_criteria(subject.screening.result or {}),
            )
        )
    return StudySource(out, f"EDC database ({connection.vendor})", notes, _count(out))


# --- a synthetic cohort directory ----------------------------------------------------------------------


def read_cohort(directory: Path) -> Any:
    """The :class:`~haictrial.synth.cohort.SyntheticCohort` written in ``directory``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from haictrial.reports.from_synth import read_manifest
    from haictrial.synth.cohort import TABLE_NAMES, SyntheticCohort

    manifest = read_manifest(directory)

    def lines(name: str) -> Any:
        path = directory / name
        if not path.is_file():
            raise InputError(f"{path} is missing: not a complete `haictrial synth` directory", field=FIELD)
        text = path.read_text(encoding="utf-8").splitlines()
        return pa.chunked_array([pa.array([t for t in text if t.strip()], pa.string())])

    tables = {}
    for name in TABLE_NAMES:
        path = directory / f"{name}.parquet"
        if not path.is_file():
            raise InputError(f"{path} is missing: not a complete `haictrial synth` directory", field=FIELD)
        try:
            tables[name] = pq.read_table(path)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {path}: {str(exc).splitlines()[0]}", field=FIELD) from None
    cutoff = _date(manifest.get("data_cutoff"))
    start = _date(manifest.get("start"))
    if cutoff is None:
        raise InputError(f"{directory / 'manifest.json'} has no data_cutoff", field=FIELD)
    return SyntheticCohort(
        subjects=int(manifest.get("subjects_screened") or 0),
        seed=int(manifest.get("seed") or 0),
        start=start or cutoff,
        faults=float(manifest.get("faults", {}).get("rate", 0) if isinstance(manifest.get("faults"), dict) else 0),
        protocol_id=str(manifest.get("protocol_id")),
        protocol_version=str(manifest.get("protocol_version")),
        data_cutoff=cutoff,
        screening_lines=lines("screening.jsonl"),
        recist_lines=lines("recist.jsonl"),
        fault_table=pa.table({"x": pa.array([], pa.int8())}),
        arrow_tables=tables,
    )


def parse_forms(document: dict[str, Any], notes: list[str]) -> SubjectForms:
    """``document`` as :class:`SubjectForms`; a record the model refuses is left out and named in ``notes``."""
    while True:
        try:
            return parse_model(SubjectForms, document)
        except InputError as exc:
            where = exc.field or ""
            match = _INDEXED.match(where)
            head = where.split(".")[0].split("[")[0]
            if match and isinstance(document.get(match.group(1)), list):
                del document[match.group(1)][int(match.group(2))]
            elif head in document and head not in ("subject_id", "enrolment_date"):
                del document[head]
            else:
                raise
            notes.append(f"{document.get('subject_id')}: {where}: {exc.message} (record left out)")


def iter_synth(
    directory: Path | str, protocol: Protocol, notes: list[str], batch: int = 500
) -> Iterator[SubjectSource]:
    """Each enrolled subject of the synthetic cohort in ``directory``, in enrolment order; records left
    out are named in ``notes``."""
    cohort = read_cohort(Path(directory))
    today = cohort.data_cutoff
    for course in cohort.courses(batch=batch):
        subject = course["subjects"][0]
        if subject["enrolment_date"] is None or subject["enrolment_date"] > today:
            continue
        forms = parse_forms(course_document(course, today, protocol, seed=cohort.seed), notes)
        screen = course["screening"]
        yield SubjectSource(
            subject_id=subject["subject_id"],
            site=subject["subject_id"].split("-")[1],
            forms=forms,
            targeted_agent=subject.get("targeted_agent"),
            sex=screen.get("sex") or subject.get("sex"),
            age_years=_age(screen) if _age(screen) is not None else _age(subject),
            screening_date=_date(screen.get("screening_date")),
        )


def from_synth(directory: Path | str, protocol: Protocol) -> StudySource:
    """Every enrolled subject of the synthetic cohort in ``directory`` (see the module docstring)."""
    from haictrial.reports.from_synth import read_manifest

    directory = Path(directory)
    manifest = read_manifest(directory)
    notes: list[str] = []
    subjects = list(iter_synth(directory, protocol, notes))
    source = (
        f"synthetic cohort {directory.name} (haictrial.synth {manifest.get('generator_version', '?')}, "
        f"seed {manifest.get('seed')})"
    )
    summary = [f"{len(notes)} synthetic records the eCRF refuses were left out (first: {notes[0]})"] if notes else []
    return StudySource(subjects, source, summary, _count(subjects))
