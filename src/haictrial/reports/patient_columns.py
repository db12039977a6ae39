"""ADSL baseline columns and screening-log criteria from screen.md documents (used by both adapters).

References
----------
docs/contracts/screen.md (the patient document and the screening output); protocol ``targeted_agent``
(sidedness, with the splenic flexure classed by the ``splenic_flexure_side`` setting).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import PrimarySite


def ras_status(molecular: Mapping[str, Any]) -> str:
    """mutant if KRAS or NRAS is mutant; wild_type if both are wild type; else unknown."""
    genes = [molecular.get("kras"), molecular.get("nras")]
    if "mutant" in genes:
        return "mutant"
    if all(g == "wild_type" for g in genes):
        return "wild_type"
    return "unknown"


def baseline_columns(documents: Iterable[Mapping[str, Any]], protocol: Protocol) -> pd.DataFrame:
    """age_years, sex, ecog, primary_site, sidedness, ras_status, braf_status, lesion_count and
    largest_lesion_mm of each patient document (one row per document, in order)."""
    sides = {site.value: ("right" if protocol.is_right_sided(site) else "left") for site in PrimarySite}
    rows = []
    for doc in documents:
        molecular = doc.get("molecular") or {}
        site = (doc.get("primary_tumor") or {}).get("site")
        lesions = doc.get("liver_lesions") or []
        diameters = [x["longest_diameter_mm"] for x in lesions if x.get("longest_diameter_mm") is not None]
        braf = molecular.get("braf")
        rows.append(
            {
                "age_years": doc.get("age_years"),
                "sex": doc.get("sex"),
                "ecog": doc.get("ecog"),
                "primary_site": site,
                "sidedness": sides.get(site) if site else None,
                "ras_status": ras_status(molecular),
                "braf_status": braf if braf in ("wild_type", "mutant") else "unknown",
                "lesion_count": len(lesions),
                "largest_lesion_mm": max(diameters) if diameters else None,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "age_years",
            "sex",
            "ecog",
            "primary_site",
            "sidedness",
            "ras_status",
            "braf_status",
            "lesion_count",
            "largest_lesion_mm",
        ],
    )


def failed_criteria(result: Mapping[str, Any]) -> str:
    """Criterion ids of a screening output that failed or stayed unknown, joined with ';'."""
    return ";".join(c["id"] for c in result.get("criteria", []) if c.get("status") in ("fail", "unknown"))
