"""SDTM controlled terminology used by the export, with the NCI code of each term.

pointblank's bundled SDTM CT package (``sdtm-ct-2024-09-27``) is checked against these values by
:func:`haictrial.interop.sdtm.checks.conformance` for the code lists it covers (SEX, ROUTE, ACN, OUT,
NY, AGEU, UNIT, ...). Every term is given with its NCI Thesaurus C-code (NCI EVS, SDTM Terminology
2024-09-27) so that the terms outside pointblank's rules (RECIST responses, oncology test codes) can
be traced too.
"""

from __future__ import annotations

from haictrial.vocabulary.enums import Attribution

#: STUDYID prefix of every USUBJID (docs/contracts/interop.md): the ClinicalTrials.gov identifier.
USUBJID_PREFIX = "NCT06988852"

#: SEX (C66731): F C16576, M C20197.
SEX = {"female": "F", "male": "M"}
#: ROUTE (C66729): INTRA-ARTERIAL C38222, INTRAVENOUS C38276.
ROUTE_HAIC, ROUTE_IV = "INTRA-ARTERIAL", "INTRAVENOUS"
#: Drug names as EXTRT (WHO INN, upper case as SDTM convention).
DRUG = {
    "oxaliplatin": "OXALIPLATIN",
    "leucovorin": "LEUCOVORIN",
    "fluorouracil": "FLUOROURACIL",
    "bevacizumab": "BEVACIZUMAB",
    "cetuximab": "CETUXIMAB",
}
#: ACN (C66767): DOSE NOT CHANGED C49504, DOSE REDUCED C49505, DRUG INTERRUPTED C49501,
#: DRUG WITHDRAWN C49502. A cycle delay is DRUG INTERRUPTED (C49501, "temporarily stopped") with the
#: delay itself in SUPPAE.AEACNOTH.
ACN = {
    "none": "DOSE NOT CHANGED",
    "dose_reduced": "DOSE REDUCED",
    "dose_delayed": "DRUG INTERRUPTED",
    "drug_interrupted": "DRUG INTERRUPTED",
    "drug_withdrawn": "DRUG WITHDRAWN",
}
#: OUT (C66768): RECOVERED/RESOLVED C49498, RECOVERING/RESOLVING C49496, NOT RECOVERED/NOT RESOLVED
#: C49494, RECOVERED/RESOLVED WITH SEQUELAE C49495, FATAL C48275, UNKNOWN C17998.
OUT = {
    "recovered": "RECOVERED/RESOLVED",
    "recovering": "RECOVERING/RESOLVING",
    "not_recovered": "NOT RECOVERED/NOT RESOLVED",
    "recovered_with_sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
    "fatal": "FATAL",
    "unknown": "UNKNOWN",
}
#: Causality: SDTM has no code list for AEREL (SDTMIG 3.4 section 6.2, AE: sponsor-defined); the terms are
#: the five grades of the NCI CTEP attribution scale (NCI CTEP, Guidelines for Adverse Event Reporting).
RELATION: dict[str, str] = {
    Attribution.unrelated: "NOT RELATED",
    Attribution.unlikely: "UNLIKELY RELATED",
    Attribution.possible: "POSSIBLY RELATED",
    Attribution.probable: "PROBABLY RELATED",
    Attribution.definite: "RELATED",
}
#: SUPPAE QNAM per drug for the relationship (SDTMIG 3.4 section 8.4, AE relationship to each product).
RELATION_QNAM = {
    "oxaliplatin": ("AERELOX", "Relationship to Oxaliplatin"),
    "leucovorin": ("AERELLV", "Relationship to Leucovorin"),
    "fluorouracil": ("AEREL5FU", "Relationship to Fluorouracil"),
    "bevacizumab": ("AERELBV", "Relationship to Bevacizumab"),
    "cetuximab": ("AERELCX", "Relationship to Cetuximab"),
    "haic_procedure": ("AERELHAI", "Relationship to HAIC Procedure"),
}
#: NCOMPLT (C66727): COMPLETED C25250, DEATH C28554, WITHDRAWAL BY SUBJECT C49634, LOST TO FOLLOW-UP
#: C48227, PHYSICIAN DECISION C48250, OTHER C17649.
DISPOSITION = {
    "completed_follow_up": "COMPLETED",
    "death": "DEATH",
    "withdrawal_of_consent": "WITHDRAWAL BY SUBJECT",
    "lost_to_follow_up": "LOST TO FOLLOW-UP",
    "investigator_decision": "PHYSICIAN DECISION",
    "other": "OTHER",
}
#: LBTESTCD/LBTEST (C65047/C67154) with LOINC-free SDTM names: WBC C51948, NEUT C63321, PLAT C51951,
#: HGB C64848, BILI C38037, ALB C64431, INR C64805, ALT C64433, AST C64467, CREAT C64547.
LAB = {
    "wbc": ("WBC", "Leukocytes", "10^9/L"),
    "neutrophils": ("NEUT", "Neutrophils", "10^9/L"),
    "platelets": ("PLAT", "Platelets", "10^9/L"),
    "hemoglobin": ("HGB", "Hemoglobin", "g/L"),
    "total_bilirubin": ("BILI", "Bilirubin", "umol/L"),
    "albumin": ("ALB", "Albumin", "g/L"),
    "inr": ("INR", "Prothrombin Intl. Normalized Ratio", None),
    "alt": ("ALT", "Alanine Aminotransferase", "U/L"),
    "ast": ("AST", "Aspartate Aminotransferase", "U/L"),
    "creatinine": ("CREAT", "Creatinine", "umol/L"),
}
#: LBCAT is sponsor-defined (SDTMIG 3.4 section 6.3.5.4): HEMATOLOGY, CHEMISTRY, COAGULATION.
LAB_CATEGORY = {
    "wbc": "HEMATOLOGY",
    "neutrophils": "HEMATOLOGY",
    "platelets": "HEMATOLOGY",
    "hemoglobin": "HEMATOLOGY",
    "inr": "COAGULATION",
}
#: VSTESTCD (C66741): HEIGHT C25347, WEIGHT C25208; VSRESU (UNIT C71620): cm C49668, kg C28252.
VITALS = {"height_cm": ("HEIGHT", "Height", "cm"), "weight_kg": ("WEIGHT", "Weight", "kg")}
#: Oncology response (C96785 RSTESTCD / C96782 RSTEST): OVRLRESP C96613 "Overall Response";
#: the Chun morphologic response is a sponsor test code MORPHRSP.
OVRLRESP = ("OVRLRESP", "Overall Response")
MORPHRSP = ("MORPHRSP", "Morphologic Response")
#: Oncology response assessment results (C96785): CR C4870, PR C18213, SD C18058, PD C35571, NE C41132,
#: NON-CR/NON-PD C96614.
RESPONSE = {"CR": "CR", "PR": "PR", "SD": "SD", "PD": "PD", "NE": "NE", "NON_CR_NON_PD": "NON-CR/NON-PD"}
#: Chun morphologic response (Chun YS et al., JAMA 2009;302:2338, doi:10.1001/jama.2009.1755).
MORPHOLOGIC = {"optimal": "OPTIMAL", "incomplete": "INCOMPLETE", "none": "NONE"}
#: TUTESTCD (C96784): TUMIDENT C94535 "Tumor Identification"; TRTESTCD (C96779): LDIAM C81266
#: "Longest Diameter", TUMSTATE C96643 "Tumor State", SUMDIAM C96627 "Sum of Diameters".
#: TUSTRESC (C96783): TARGET C94539, NON-TARGET C94537, NEW C94538. RSEVAL (C78735): INVESTIGATOR C25936.
TUMIDENT = ("TUMIDENT", "Tumor Identification")
LDIAM = ("LDIAM", "Longest Diameter")
TUMSTATE = ("TUMSTATE", "Tumor State")
SUMDIAM = ("SUMDIAM", "Sum of Diameters")
TUMOUR_ROLE = {"target": "TARGET", "non_target": "NON-TARGET", "new": "NEW"}
#: Non-target states as TRORRES/TRSTRESC of TUMSTATE (RECIST 1.1 section 4.3.2, Eisenhauer 2009):
#: PRESENT, ABSENT, UNEQUIVOCAL PROGRESSION, NOT EVALUABLE (sponsor-defined, no SDTM code list).
NON_TARGET_STATE = {
    "absent": "ABSENT",
    "present": "PRESENT",
    "unequivocal_progression": "UNEQUIVOCAL PROGRESSION",
    "not_evaluated": "NOT EVALUABLE",
}
#: EPOCH (C99079): SCREENING C48262, TREATMENT C101526, FOLLOW-UP C99158.
EPOCH_SCREENING, EPOCH_TREATMENT, EPOCH_FOLLOW_UP = "SCREENING", "TREATMENT", "FOLLOW-UP"
#: LOC (C74456): LIVER C12392, HEPATIC ARTERY C32731; the hepatic-artery branches below are written as
#: the eCRF names them and listed as sponsor extensions in docs/sdtm-conformance.md.
LOCATION = {
    "proper_hepatic_artery": "PROPER HEPATIC ARTERY",
    "left_hepatic_artery": "LEFT HEPATIC ARTERY",
    "right_hepatic_artery": "RIGHT HEPATIC ARTERY",
    "gastroduodenal_artery": "GASTRODUODENAL ARTERY",
    "right_gastric_artery": "RIGHT GASTRIC ARTERY",
    "accessory_left_gastric_artery": "LEFT GASTRIC ARTERY",
    "supraduodenal_artery": "SUPRADUODENAL ARTERY",
    "cystic_artery": "CYSTIC ARTERY",
    "falciform_artery": "FALCIFORM ARTERY",
    "inferior_phrenic_artery": "INFERIOR PHRENIC ARTERY",
    "other": "OTHER",
}
#: NY (C66742): Y C49488, N C49487.
YES, NO = "Y", "N"
