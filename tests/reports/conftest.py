"""Fixtures of the report tests; the source cohorts themselves are in :mod:`report_sources`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from report_sources import empty_source, make_source

from haictrial.protocol import load_protocol
from haictrial.reports.datasets import AnalysisDatasets


@pytest.fixture(scope="session")
def protocol():
    return load_protocol()


@pytest.fixture(scope="session")
def source_factory() -> Callable[..., AnalysisDatasets]:
    return make_source


@pytest.fixture(scope="session")
def empty_factory() -> Callable[[], AnalysisDatasets]:
    return empty_source
