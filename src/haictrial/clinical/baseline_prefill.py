"""What the enrolment screening already knows about a subject, as the first values of its Baseline eCRF.

The screening's patient document (screen.md) and the Baseline eCRF (:mod:`haictrial.clinical.crf_baseline`)
share demographics, the primary tumour, the RAS/BRAF status, ECOG, LVEF and the liver lesions. A new baseline
form starts from those values; they are marked as prefilled and stay editable, and nothing is stored until
the user saves. What the screening does not record (the MSI status, the histology, the RECIST role of each
lesion, the spirometry volumes) stays empty: never a default.

The screening keeps the age, not the birth date (a direct identifier, held apart): the caller passes the
birth date when the user may see it.

References
----------
- ICH E6(R2) 4.9.0 / 4.9.1 (ALCOA: data attributable and consistent with the source): one value, entered
  once at screening, carried to the baseline form for confirmation rather than typed again.
- RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228, section 4.2): the investigator selects the target
  lesions at baseline, so the lesions are prefilled without a role.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from haictrial.clinical.crf_baseline import LIVER, CouinaudSegment
from haictrial.clinical.patient import Patient


def baseline_from_screening(patient: Patient, birth_date: dt.date | None = None) -> tuple[dict[str, Any], list[str]]:
    """The Baseline eCRF payload prefilled from the screening ``patient`` and the field paths it filled.

    Lesions get an id ``L1``, ``L2``... (the screening's own id when it has one), the liver as organ,
    their Couinaud segment and size; their RECIST role is left to the investigator.
    """
    payload: dict[str, Any] = {}
    filled: list[str] = []

    def put(path: str, value: Any) -> None:
        if value is None:
            return
        here = payload
        *parents, last = path.split(".")
        for name in parents:
            here = here.setdefault(name, {})
        here[last] = value
        filled.append(path)

    put("demographics.birth_date", birth_date.isoformat() if birth_date else None)
    put("demographics.sex", patient.sex.value if patient.sex else None)
    put("demographics.height_cm", patient.height_cm)
    put("demographics.weight_kg", patient.weight_kg)
    tumour = patient.primary_tumor
    put("primary_tumour.site", tumour.site.value if tumour.site else None)
    put("primary_tumour.resected", tumour.resected)
    for gene in ("kras", "nras", "braf"):
        status = getattr(patient.molecular, gene)
        put(f"molecular.{gene}", status.value if status else None)
    put("ecog", patient.ecog)
    put("lvef_percent", patient.lvef_percent)
    lesions = []
    for number, lesion in enumerate(patient.liver_lesions or [], start=1):
        segment = lesion.segment if lesion.segment in {s.value for s in CouinaudSegment} else None
        row: dict[str, Any] = {
            "id": lesion.id if lesion.id and len(lesion.id.strip()) <= 40 else f"L{number}",
            "organ": LIVER,
            "segments": [segment] if segment else [],
        }
        if lesion.longest_diameter_mm is not None:
            row["longest_diameter_mm"] = lesion.longest_diameter_mm
        lesions.append(row)
        filled += [f"lesions[{number - 1}].{name}" for name in row if row[name] not in (None, [])]
    if lesions:
        payload["lesions"] = lesions
    return payload, filled


__all__ = ["baseline_from_screening"]
