"""Seeded synthetic CRLM cohort: screened patients and the enrolled patients' course through CHALLENGE-A1.

Public API (docs/synthetic-data.md describes the data set)::

    from haictrial.synth import generate_cohort, write_cohort
    cohort = generate_cohort(subjects=1000, seed=1, start=datetime.date(2023, 5, 1), faults=0.0)
    cohort.screening_documents()   # docs/contracts/screen.md documents
    cohort.recist_documents()      # docs/contracts/recist.md documents of the enrolled
    cohort.tables["cycles"]        # pandas DataFrames (subjects, screening, cycles, ...)
    cohort.course("CHA-001-0001")  # one enrolled patient's whole course as plain dicts
    write_cohort(cohort, "out/")   # JSON lines, Parquet, faults.jsonl, manifest.json
"""

from haictrial.synth.cohort import GENERATOR_VERSION, TABLE_NAMES, SyntheticCohort, generate_cohort
from haictrial.synth.writer import write_cohort

__all__ = ["GENERATOR_VERSION", "TABLE_NAMES", "SyntheticCohort", "generate_cohort", "write_cohort"]
