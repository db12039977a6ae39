"""The coded values every layer shares: sex, primary tumour site, mutation status, Child-Pugh categories,
history conditions, the regimen's drugs and the registered exclusions' categories (NCT06988852).

They sit below the protocol (which names drugs, sites and sexes in its rules) and the clinical engines.
"""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    male = "male"
    female = "female"


class PriorSystemicTreatment(StrEnum):
    """Registered inclusion I3: refused or progressed on prior systemic treatment."""

    progressed = "progressed"
    refused = "refused"
    none = "none"
    ongoing_response = "ongoing_response"


class PrimarySite(StrEnum):
    """Primary tumour location, caecum to rectum (docs/contracts/screen.md)."""

    cecum = "cecum"
    ascending_colon = "ascending_colon"
    hepatic_flexure = "hepatic_flexure"
    transverse_colon = "transverse_colon"
    splenic_flexure = "splenic_flexure"
    descending_colon = "descending_colon"
    sigmoid_colon = "sigmoid_colon"
    rectosigmoid = "rectosigmoid"
    rectum = "rectum"


class MutationStatus(StrEnum):
    wild_type = "wild_type"
    mutant = "mutant"
    unknown = "unknown"


class Sidedness(StrEnum):
    """Side of the colorectal primary (right: caecum to transverse colon; left: splenic flexure to rectum;
    the protocol's ``targeted_agent`` classes each site)."""

    right = "right"
    left = "left"


class Ascites(StrEnum):
    """Child-Pugh ascites categories (Pugh et al., Br J Surg 1973)."""

    none = "none"
    mild = "mild"
    moderate_severe = "moderate_severe"


class HepaticEncephalopathy(StrEnum):
    """Child-Pugh encephalopathy categories (West Haven grades)."""

    none = "none"
    grade_1_2 = "grade_1_2"
    grade_3_4 = "grade_3_4"


class HistoryCondition(StrEnum):
    """Conditions named by exclusion E5 of the registered record."""

    cerebral_infarction = "cerebral_infarction"
    cerebral_hemorrhage = "cerebral_hemorrhage"
    gastrointestinal_hemorrhage = "gastrointestinal_hemorrhage"
    gastrointestinal_perforation = "gastrointestinal_perforation"
    coagulation_disorder = "coagulation_disorder"
    gastrointestinal_ulcer = "gastrointestinal_ulcer"


class Drug(StrEnum):
    """The drugs of the CHALLENGE-A1 regimen (registered interventions)."""

    oxaliplatin = "oxaliplatin"
    leucovorin = "leucovorin"
    fluorouracil = "fluorouracil"
    bevacizumab = "bevacizumab"
    cetuximab = "cetuximab"


class SubjectStatus(StrEnum):
    """Where a patient is in the trial's course (protocol schema: screening, enrolment, HAIC treatment,
    conversion resection, follow-up, end of study); a screening not (yet) enrolled is ``screened``.
    The EDC's stored choices (``edc.subjects.models.SubjectStatus``) are these values."""

    screened = "screened"
    enrolled = "enrolled"
    on_treatment = "on_treatment"
    resected = "resected"
    follow_up = "follow_up"
    off_study = "off_study"


class Attribution(StrEnum):
    """Relatedness of an adverse event to a drug or procedure, weakest first: the five-point attribution
    scale of the NCI CTEP Guidelines for Adverse Event Reporting (unrelated, unlikely, possible, probable,
    definite). Its order is the scale's order: ``max`` over it picks the strongest attribution."""

    unrelated = "unrelated"
    unlikely = "unlikely"
    possible = "possible"
    probable = "probable"
    definite = "definite"


#: Attributions that count as related (NCI CTEP guidelines: possible, probable, definite).
RELATED_ATTRIBUTIONS: tuple[Attribution, ...] = (Attribution.possible, Attribution.probable, Attribution.definite)


class Intolerance(StrEnum):
    """Exclusion E2: unable to tolerate chemotherapy, anaesthesia or surgery."""

    chemotherapy = "chemotherapy"
    anesthesia = "anesthesia"
    surgery = "surgery"


class LiverDirectedTreatment(StrEnum):
    """Exclusion E7: prior resection, ablation or radiation of CRLM."""

    resection = "resection"
    ablation = "ablation"
    radiation = "radiation"
