"""``generate_cohort``: a seeded synthetic CHALLENGE-A1 cohort, in memory.

The same (subjects, seed, start, faults, protocol) always gives the same cohort, bit for bit: every
random draw comes from one ``numpy.random.SeedSequence(seed)`` split into independent streams
(population, screening faults, course, course faults), and nothing depends on time, locale or hash
order. :func:`haictrial.synth.writer.write_cohort` writes it; docs/synthetic-data.md documents it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from haictrial import __version__
from haictrial.errors import InputError
from haictrial.protocol import load_protocol
from haictrial.protocol.schema import Protocol
from haictrial.synth import distributions as D
from haictrial.synth import text as T
from haictrial.synth.course import simulate_course
from haictrial.synth.faults import Ledger, inject_course_faults, inject_screening_faults
from haictrial.synth.patients import draw_population, screening_documents
from haictrial.synth.screening import screen_population
from haictrial.synth.tables import course_tables, screening_table

#: Version of the generator's model and file layout; a change to any distribution or column bumps it.
GENERATOR_VERSION = "1.0.0"
#: The analysis tables, in the order they are written.
TABLE_NAMES = (
    "subjects",
    "screening",
    "cycles",
    "administrations",
    "labs",
    "adverse_events",
    "assessments",
    "lesion_measurements",
    "mdt",
    "resections",
    "follow_up",
)
#: Largest cohort the generator accepts (memory: about 10 GB at this size).
MAX_SUBJECTS = 2_000_000


@dataclass
class SyntheticCohort:
    """A generated cohort: the screening documents, RECIST documents, analysis tables and fault ledger.

    ``screening_lines`` and ``recist_lines`` hold one JSON line per row (Arrow strings); the
    ``screening_documents()``/``recist_documents()`` iterators parse them, ``tables`` gives pandas
    DataFrames, ``course(subject_id)`` one enrolled patient's whole course as plain dicts.
    """

    subjects: int
    seed: int
    start: dt.date
    faults: float
    protocol_id: str
    protocol_version: str
    data_cutoff: dt.date
    screening_lines: pa.ChunkedArray
    recist_lines: pa.ChunkedArray
    fault_table: pa.Table
    arrow_tables: dict[str, pa.Table]
    generator_version: str = GENERATOR_VERSION
    engine_version: str = __version__
    checks: dict[str, int] = field(default_factory=dict)

    @property
    def enrolled(self) -> int:
        return len(self.arrow_tables["subjects"])

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every analysis table as a pandas DataFrame (dates as ``datetime.date`` objects)."""
        return {name: self.arrow_tables[name].to_pandas(date_as_object=True) for name in TABLE_NAMES}

    def screening_documents(self) -> Iterator[dict[str, Any]]:
        """Each screened patient's docs/contracts/screen.md document, in screening order."""
        for line in self.screening_lines:
            yield json.loads(line.as_py())

    def screening_document(self, index: int) -> dict[str, Any]:
        return json.loads(self.screening_lines[index].as_py())

    def recist_documents(self) -> Iterator[dict[str, Any]]:
        """Each enrolled patient's docs/contracts/recist.md input document."""
        for line in self.recist_lines:
            yield json.loads(line.as_py())

    @property
    def fault_ledger(self) -> list[dict[str, Any]]:
        return [json.loads(line.as_py()) for line in Ledger.documents(self.fault_table)]

    def courses_of(self, subject_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The whole course of each enrolled patient in ``subject_ids``: table name -> list of row dicts,
        plus ``screening`` (the document) and ``recist`` (the RECIST input). InputError for an id that
        is not an enrolled subject."""
        wanted = pa.array(list(subject_ids), pa.string())
        subjects = self.arrow_tables["subjects"]["subject_id"].combine_chunks()
        position = pc.index_in(wanted, value_set=subjects).to_pylist()
        for sid, pos in zip(subject_ids, position, strict=True):
            if pos is None:
                raise InputError(f"{sid} is not an enrolled subject of this cohort", field="subject_id")
        out: dict[str, dict[str, Any]] = {sid: {} for sid in subject_ids}
        for name in TABLE_NAMES:
            if name == "screening":
                continue
            table = self.arrow_tables[name]
            column = table["subject_id"].combine_chunks()
            if pa.types.is_dictionary(column.type):
                keys = pa.array([p for p in position], pa.int32())
                picked = table.filter(pc.is_in(column.indices, value_set=keys))
            else:
                picked = table.filter(pc.is_in(column, value_set=wanted))
            for sid in subject_ids:
                out[sid][name] = []
            for row in picked.to_pylist():
                out[row["subject_id"]][name].append(row)
        screened = self.arrow_tables["screening"]["subject_id"].combine_chunks()
        rows = pc.index_in(wanted, value_set=screened).to_pylist()
        for sid, pos, srow in zip(subject_ids, position, rows, strict=True):
            out[sid]["screening"] = self.screening_document(int(srow))
            out[sid]["recist"] = json.loads(self.recist_lines[int(pos)].as_py())
        return out

    def course(self, subject_id: str) -> dict[str, Any]:
        """One enrolled patient's whole course (see :meth:`courses_of`)."""
        return self.courses_of([subject_id])[subject_id]

    def courses(self, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Every enrolled patient's course, in enrolment order."""
        ids = [str(s) for s in self.arrow_tables["subjects"]["subject_id"].to_pylist()]
        for i in range(0, len(ids), batch):
            chunk = ids[i : i + batch]
            found = self.courses_of(chunk)
            for sid in chunk:
                yield found[sid]


def _protocol(protocol: Protocol | str | Path | None) -> Protocol:
    if isinstance(protocol, Protocol):
        return protocol
    return load_protocol(protocol)


def check_arguments(subjects: int, seed: int, faults: float) -> None:
    """InputError naming the argument for N <= 0 (or above the maximum), a negative seed or faults outside 0-1."""
    if isinstance(subjects, bool) or not isinstance(subjects, int | np.integer) or subjects <= 0:
        raise InputError(f"must be a whole number above 0 (got {subjects!r})", field="subjects")
    if subjects > MAX_SUBJECTS:
        raise InputError(f"at most {MAX_SUBJECTS} screened patients (got {subjects})", field="subjects")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"must be a whole number >= 0 (got {seed!r})", field="seed")
    if isinstance(faults, bool) or not isinstance(faults, int | float) or not 0.0 <= float(faults) <= 1.0:
        raise InputError(f"must be a share between 0 and 1 (got {faults!r})", field="faults")


def generate_cohort(
    subjects: int,
    seed: int,
    start: dt.date,
    faults: float = 0.0,
    protocol: Protocol | str | Path | None = None,
    *,
    verify: int = 40,
) -> SyntheticCohort:
    """Screen ``subjects`` synthetic CRLM patients from ``start`` and follow the enrolled ones through
    the trial. ``faults`` is the share of screening documents (and of enrolled courses) given one
    data-quality fault. ``verify`` screened patients and enrolled courses are re-checked against the
    clinical engines (screen, plan_cycle, evaluate_recist); a disagreement is a RuntimeError.

    References: :mod:`haictrial.synth.distributions` (every distribution and its source).
    """
    check_arguments(subjects, seed, faults)
    if isinstance(start, dt.datetime):
        start = start.date()
    if not isinstance(start, dt.date):
        raise InputError(f"must be a date (got {start!r})", field="start")
    proto = _protocol(protocol)
    pop_rng, fault_rng, course_rng, course_fault_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(4)
    )
    ledger = Ledger()
    pop = draw_population(int(subjects), pop_rng, start, proto)
    inject_screening_faults(pop, float(faults), fault_rng, ledger)
    statuses, eligible = screen_population(pop, proto)
    months = D.ACCRUAL_MONTHS + D.FOLLOW_UP_AFTER_ACCRUAL_MONTHS
    cutoff_day = T.day_number(start) + int(round(months * D.DAYS_PER_MONTH))
    # The documents' text is built on the second core while the course is simulated (Arrow and numpy
    # release the GIL); neither touches the other's data, so the result does not depend on timing.
    with ThreadPoolExecutor(max_workers=1) as pool:
        documents = pool.submit(screening_documents, pop)
        course = simulate_course(pop, eligible, proto, course_rng, cutoff_day)
        recist = pool.submit(course.imaging.build_documents)
        tables = {"screening": screening_table(pop, statuses, eligible), **course_tables(pop, course, proto)}
        del course  # the arrays are in the tables now; free them before the caller writes
        tables = inject_course_faults(tables, float(faults), course_fault_rng, ledger)
        screening_lines = documents.result()
        recist_lines = recist.result()
    cohort = SyntheticCohort(
        subjects=int(subjects),
        seed=int(seed),
        start=start,
        faults=float(faults),
        protocol_id=proto.protocol_id,
        protocol_version=proto.version,
        data_cutoff=T.EPOCH + dt.timedelta(days=cutoff_day),
        screening_lines=screening_lines,
        recist_lines=recist_lines,
        fault_table=ledger.table(),
        arrow_tables={name: tables[name] for name in TABLE_NAMES},
    )
    if verify > 0:
        from haictrial.synth.verify import check_against_engines

        cohort.checks = check_against_engines(cohort, proto, sample=verify)
    return cohort
