"""Targeted-agent choice (NCT06988852 arm; docs/contracts/plan.md "Rules").

Bevacizumab if the primary is right-sided or KRAS, NRAS or BRAF is mutant; cetuximab if left-sided
and all wild type; no agent when left-sided with a test missing and none mutant.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.patient import Patient
from haictrial.clinical.regimen import choose_targeted_agent, primary_side, ras_status
from haictrial.protocol import load_protocol
from haictrial.vocabulary.enums import Drug, MutationStatus, PrimarySite, Sidedness

VARIANT = Path(__file__).parent.parent / "data" / "protocols" / "variant.yaml"
WT = {"kras": "wild_type", "nras": "wild_type", "braf": "wild_type"}


@pytest.fixture(scope="module")
def protocol():
    return load_protocol()


@pytest.fixture(scope="module")
def variant():
    return load_protocol(VARIANT)


def patient(site: str | None, **genes: str | None) -> Patient:
    molecular = {**WT, **genes}
    return Patient.model_validate({"primary_tumor": {"site": site}, "molecular": molecular})


def test_it_gives_the_contract_reason_for_a_left_sided_wild_type_primary(protocol):
    choice = choose_targeted_agent(patient("sigmoid_colon"), protocol)
    assert choice.agent == Drug.cetuximab
    assert choice.reason == "left-sided primary (sigmoid colon); KRAS, NRAS, BRAF wild type"
    assert choice.right_sided is False


@pytest.mark.parametrize(
    ("site", "genes", "agent"),
    [
        # right-sided: bevacizumab whatever the genes
        ("cecum", {}, Drug.bevacizumab),
        ("ascending_colon", {"kras": "mutant"}, Drug.bevacizumab),
        ("hepatic_flexure", {"nras": "unknown"}, Drug.bevacizumab),
        ("transverse_colon", {"braf": None}, Drug.bevacizumab),
        # left-sided: cetuximab only when all wild type
        ("descending_colon", {}, Drug.cetuximab),
        ("rectum", {}, Drug.cetuximab),
        ("rectosigmoid", {"kras": "mutant"}, Drug.bevacizumab),
        ("sigmoid_colon", {"nras": "mutant"}, Drug.bevacizumab),
        ("sigmoid_colon", {"braf": "mutant"}, Drug.bevacizumab),
        ("sigmoid_colon", {"kras": "mutant", "braf": "unknown"}, Drug.bevacizumab),
        ("sigmoid_colon", {"kras": "unknown"}, None),
        ("rectum", {"braf": None}, None),
        ("descending_colon", {"nras": "unknown", "braf": "unknown"}, None),
    ],
)
def test_truth_table_sidedness_by_mutation_status(protocol, site, genes, agent):
    assert choose_targeted_agent(patient(site, **genes), protocol).agent == agent


def test_it_names_the_missing_tests_when_no_agent_can_be_chosen(protocol):
    choice = choose_targeted_agent(patient("sigmoid_colon", nras="unknown", braf=None), protocol)
    assert choice.agent is None
    assert choice.right_sided is False
    assert "missing test: NRAS, BRAF" in choice.reason
    assert "molecular.nras" in choice.reason and "molecular.braf" in choice.reason
    assert "KRAS wild type" in choice.reason


def test_a_mutant_gene_decides_even_with_other_tests_missing(protocol):
    choice = choose_targeted_agent(patient("rectum", kras="mutant", nras=None, braf=None), protocol)
    assert choice.agent == Drug.bevacizumab
    assert "KRAS mutant" in choice.reason


def test_splenic_flexure_is_left_under_the_default_setting(protocol):
    # Protocol setting splenic_flexure_side = left (Arnold et al., Ann Oncol 2017; doi:10.1093/annonc/mdx175).
    choice = choose_targeted_agent(patient("splenic_flexure"), protocol)
    assert choice.agent == Drug.cetuximab
    assert choice.right_sided is False
    assert "classed left by site setting splenic_flexure_side" in choice.reason


def test_splenic_flexure_is_right_under_the_variant_setting(variant):
    # tests/data/protocols/variant.yaml sets splenic_flexure_side = right.
    choice = choose_targeted_agent(patient("splenic_flexure"), variant)
    assert choice.agent == Drug.bevacizumab
    assert choice.right_sided is True
    assert "classed right by site setting splenic_flexure_side" in choice.reason


def test_the_variant_does_not_move_other_sites(variant):
    assert choose_targeted_agent(patient("sigmoid_colon"), variant).agent == Drug.cetuximab
    assert choose_targeted_agent(patient("cecum"), variant).agent == Drug.bevacizumab


def test_missing_primary_site_without_a_mutation_chooses_nothing(protocol):
    choice = choose_targeted_agent(patient(None), protocol)
    assert choice.agent is None
    assert choice.right_sided is None
    assert "primary_tumor.site" in choice.reason


def test_missing_primary_site_with_a_mutation_is_bevacizumab(protocol):
    choice = choose_targeted_agent(patient(None, braf="mutant"), protocol)
    assert choice.agent == Drug.bevacizumab
    assert choice.right_sided is None


def test_a_site_the_protocol_does_not_class_is_not_assumed_left(protocol):
    data = protocol.model_dump()
    data["targeted_agent"]["left_sided_sites"] = ["descending_colon", "sigmoid_colon", "rectosigmoid"]
    narrowed = type(protocol).model_validate(data)
    choice = choose_targeted_agent(patient("rectum"), narrowed)
    assert choice.agent is None
    assert "not classed" in choice.reason


# --- sidedness and RAS status as the reports read them ---------------------------------------------

RIGHT_SITES = {"cecum", "ascending_colon", "hepatic_flexure", "transverse_colon"}


@pytest.mark.parametrize("site", list(PrimarySite))
def test_primary_side_follows_the_protocol(protocol, site):
    # Protocol targeted_agent: right = caecum to transverse colon; splenic flexure by site setting (left here).
    expected = Sidedness.right if site.value in RIGHT_SITES else Sidedness.left
    assert primary_side(site, protocol) == expected


def test_primary_side_of_the_splenic_flexure_is_the_site_setting(protocol, variant):
    assert primary_side(PrimarySite.splenic_flexure, protocol) == Sidedness.left
    assert primary_side(PrimarySite.splenic_flexure, variant) == Sidedness.right


def test_an_unreported_or_unclassed_site_stays_unknown_never_left(protocol):
    assert primary_side(None, protocol) is None
    rule = protocol.targeted_agent.model_copy(
        update={"left_sided_sites": [s for s in protocol.targeted_agent.left_sided_sites if s != PrimarySite.rectum]}
    )
    assert primary_side(PrimarySite.rectum, protocol.model_copy(update={"targeted_agent": rule})) is None


_GENE = st.sampled_from([None, *MutationStatus])


@pytest.mark.parametrize(
    ("kras", "nras", "expected"),
    [
        # ESMO 2016 (doi:10.1093/annonc/mdw235): RAS = KRAS and NRAS; any mutation makes RAS mutant.
        ("wild_type", "wild_type", "wild_type"),
        ("mutant", "wild_type", "mutant"),
        ("wild_type", "mutant", "mutant"),
        ("mutant", None, "mutant"),
        ("wild_type", None, "unknown"),  # NRAS not tested: not wild type
        ("wild_type", "unknown", "unknown"),
        (None, None, "unknown"),
    ],
)
def test_ras_status_table(kras, nras, expected):
    assert ras_status(kras and MutationStatus(kras), nras and MutationStatus(nras)) == MutationStatus(expected)


@settings(max_examples=60, deadline=None)
@given(kras=_GENE, nras=_GENE)
def test_ras_is_wild_type_only_when_both_genes_were_tested_wild_type(kras, nras):
    status = ras_status(kras, nras)
    assert (status == MutationStatus.wild_type) == (kras == nras == MutationStatus.wild_type)
    assert (status == MutationStatus.mutant) == (MutationStatus.mutant in (kras, nras))
    assert ras_status(nras, kras) == status  # symmetric in the two genes
