"""ADSL baseline columns from screen.md patient documents: the side and the RAS status are the core's.

Protocol ``targeted_agent`` classes the primary sites (splenic flexure: site setting); RAS is KRAS and NRAS
(ESMO consensus guidelines, Ann Oncol 2016;27:1386-1422, doi:10.1093/annonc/mdw235). Unknown stays unknown.
"""

from __future__ import annotations

import pytest

from haictrial.protocol import load_protocol
from haictrial.reports.patient_columns import baseline_columns, ras_code

PROTOCOL = load_protocol()


def document(site, **molecular):
    return {
        "primary_tumor": {"site": site},
        "molecular": molecular,
        "liver_lesions": [{"id": "L1", "longest_diameter_mm": 30}],
    }


def test_the_side_comes_from_the_protocol_and_an_unreported_site_stays_unknown():
    frame = baseline_columns(
        [document("cecum"), document("rectum"), document("splenic_flexure"), document(None), document("appendix")],
        PROTOCOL,
    )
    # cecum right, rectum left, splenic flexure left by the CHALLENGE-A1 site setting; no site: unknown, not left.
    assert frame["sidedness"].tolist() == ["right", "left", "left", None, None]


def test_an_unclassed_site_is_not_silently_left():
    rule = PROTOCOL.targeted_agent.model_copy(
        update={"left_sided_sites": [s for s in PROTOCOL.targeted_agent.left_sided_sites if s.value != "rectum"]}
    )
    frame = baseline_columns([document("rectum")], PROTOCOL.model_copy(update={"targeted_agent": rule}))
    assert frame["sidedness"].tolist() == [None]


@pytest.mark.parametrize(
    ("molecular", "ras", "braf"),
    [
        ({"kras": "wild_type", "nras": "wild_type", "braf": "wild_type"}, "wild_type", "wild_type"),
        ({"kras": "mutant", "nras": "wild_type", "braf": "mutant"}, "mutant", "mutant"),
        ({"kras": "wild_type"}, "unknown", "unknown"),  # NRAS and BRAF not tested
        ({"kras": "wild_type", "nras": "not done"}, "unknown", "unknown"),
    ],
)
def test_ras_and_braf_status(molecular, ras, braf):
    frame = baseline_columns([document("rectum", **molecular)], PROTOCOL)
    assert (frame["ras_status"].iloc[0], frame["braf_status"].iloc[0]) == (ras, braf)


def test_stored_gene_results_as_the_synthetic_adapter_passes_them():
    assert ras_code("wild_type", "wild_type") == "wild_type"
    assert ras_code("wild_type", float("nan")) == "unknown"  # a missing cell from pandas
    assert ras_code(None, "mutant") == "mutant"
