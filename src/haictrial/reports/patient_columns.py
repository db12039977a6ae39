"""ADSL baseline columns and screening-log criteria from screen.md documents (used by both adapters).

References
----------
docs/contracts/screen.md (the patient document and the screening output); protocol ``targeted_agent``
(sidedness, with the splenic flexure classed by the ``splenic_flexure_side`` setting): the side and the RAS
status are the core's (:func:`haictrial.clinical.regimen.primary_side`, :func:`~haictrial.clinical.regimen.ras_status`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from haictrial.clinical.regimen import primary_side, ras_status
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import MutationStatus, PrimarySite, Sidedness


def mutation(value: Any) -> MutationStatus | None:
    """A stored gene result as the core's code; None (not tested) for anything else."""
    return MutationStatus(value) if value in set(MutationStatus) else None


def primary_site(value: Any) -> PrimarySite | None:
    """A stored primary site as the core's code; None (not reported) for anything else."""
    return PrimarySite(value) if value in set(PrimarySite) else None


def ras_code(kras: Any, nras: Any) -> str:
    """The core's RAS status (:func:`haictrial.clinical.regimen.ras_status`) of two stored gene results."""
    return ras_status(mutation(kras), mutation(nras)).value


def baseline_columns(documents: Iterable[Mapping[str, Any]], protocol: Protocol) -> pd.DataFrame:
    """age_years, sex, ecog, primary_site, sidedness, ras_status, braf_status, lesion_count and
    largest_lesion_mm of each patient document (one row per document, in order)."""
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
                "sidedness": _code(primary_side(primary_site(site), protocol)),
                "ras_status": ras_code(molecular.get("kras"), molecular.get("nras")),
                "braf_status": (mutation(braf) or MutationStatus.unknown).value,
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


def _code(side: Sidedness | None) -> str | None:
    return None if side is None else side.value


def failed_criteria(result: Mapping[str, Any]) -> str:
    """Criterion ids of a screening output that failed or stayed unknown, joined with ';'."""
    return ";".join(c["id"] for c in result.get("criteria", []) if c.get("status") in ("fail", "unknown"))
