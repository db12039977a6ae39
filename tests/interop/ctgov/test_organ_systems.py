"""CTCAE v5.0 system organ classes for ClinicalTrials.gov ``organSystem`` (CTCAE v5.0, NCI 2017)."""

from __future__ import annotations

import pytest

from haictrial.clinical.ctcae_terms import CTCAE_SYSTEM_ORGAN_CLASSES, CTCAE_V5_TERMS
from haictrial.interop.ctgov.organ_systems import TERMS_BY_ORGAN_SYSTEM, organ_system


def test_every_known_term_has_exactly_one_class():
    mapped = [t for terms in TERMS_BY_ORGAN_SYSTEM.values() for t in terms]
    assert sorted(mapped) == sorted(CTCAE_V5_TERMS)
    assert set(TERMS_BY_ORGAN_SYSTEM) <= set(CTCAE_SYSTEM_ORGAN_CLASSES)


@pytest.mark.parametrize(
    ("term", "soc"),
    [
        ("Neutrophil count decreased", "Investigations"),  # CTCAE v5.0 Investigations
        ("Anemia", "Blood and lymphatic system disorders"),
        ("diarrhea", "Gastrointestinal disorders"),
        ("Portal vein thrombosis", "Hepatobiliary disorders"),
        ("Hepatobiliary disorders - Other, specify: biloma", "Hepatobiliary disorders"),
        ("Not a CTCAE term", None),
    ],
)
def test_organ_system(term, soc):
    assert organ_system(term) == soc
