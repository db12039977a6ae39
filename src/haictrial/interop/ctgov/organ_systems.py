"""The CTCAE v5.0 system organ class of each term haictrial knows, for ClinicalTrials.gov ``organSystem``.

ClinicalTrials.gov reports adverse events by organ system (the MedDRA system organ class, which CTCAE v5.0
terms carry). A term written ``"<system organ class> - Other, specify"`` names its class itself.

References
----------
- Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI, 27 Nov 2017: the terms under each system
  organ class (in v5.0 "Infusion related reaction" sits under "Injury, poisoning and procedural complications").
- ClinicalTrials.gov Results Data Element Definitions (PRS), "Adverse Event Information": organ system
  and term, source vocabulary.
"""

from __future__ import annotations

# One table of the terms by system organ class, in the clinical core (the eCRF derives the SOC from it too).
from haictrial.clinical.ctcae_soc import TERMS_BY_ORGAN_SYSTEM, organ_system

__all__ = ["TERMS_BY_ORGAN_SYSTEM", "organ_system"]
