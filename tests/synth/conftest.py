"""Shared synthetic cohorts for the synth tests (generated once per session)."""

from __future__ import annotations

import datetime as dt

import pytest

from haictrial.protocol import load_protocol
from haictrial.synth.cohort import SyntheticCohort, generate_cohort

START = dt.date(2023, 5, 1)


@pytest.fixture(scope="session")
def protocol():
    return load_protocol()


@pytest.fixture(scope="session")
def cohort(protocol) -> SyntheticCohort:
    """3 000 screened, no faults."""
    return generate_cohort(3000, 11, START, 0.0, protocol, verify=0)


@pytest.fixture(scope="session")
def faulted(protocol) -> SyntheticCohort:
    """2 000 screened, 30 % faulted."""
    return generate_cohort(2000, 12, START, 0.3, protocol, verify=0)
