"""Dataset and variable metadata of the package: one source for XPT labels, Dataset-JSON and define.xml.

Variable labels are the SDTMIG 3.4 labels (CDISC SDTMIG 3.4, domain specification tables); variables
are listed in the SDTMIG order (identifiers, topic, qualifiers, timing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DomainSpec:
    name: str
    label: str
    sdtm_class: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[str, ...]


_ID = ("STUDYID", "DOMAIN", "USUBJID")
_SPEC = [
    DomainSpec("DM", "Demographics", "SPECIAL PURPOSE", "One record per subject", ("STUDYID", "USUBJID"),
               (*_ID, "SUBJID", "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC", "RFPENDTC", "DTHDTC", "DTHFL",
                "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARMCD", "ARM", "ACTARMCD", "ACTARM", "ARMNRS", "COUNTRY", "DMDTC", "DMDY")),
    DomainSpec("DS", "Disposition", "EVENTS", "One record per disposition status or protocol milestone per subject",
               ("STUDYID", "USUBJID", "DSSEQ"),
               (*_ID, "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "EPOCH", "DSSTDTC", "DSSTDY")),
    DomainSpec("SV", "Subject Visits", "SPECIAL PURPOSE", "One record per actual visit per subject",
               ("STUDYID", "USUBJID", "VISITNUM"),
               (*_ID, "VISITNUM", "VISIT", "SVSTDTC", "SVENDTC", "SVSTDY", "SVENDY")),
    DomainSpec("EX", "Exposure", "INTERVENTIONS", "One record per administration per subject",
               ("STUDYID", "USUBJID", "EXTRT", "EXSTDTC"),
               (*_ID, "EXSEQ", "EXTRT", "EXCAT", "EXSCAT", "EXDOSE", "EXDOSU", "EXDOSFRM", "EXROUTE", "EXLOC", "VISITNUM",
                "VISIT", "EPOCH", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY")),
    DomainSpec("AE", "Adverse Events", "EVENTS", "One record per adverse event per subject",
               ("STUDYID", "USUBJID", "AEDECOD", "AESTDTC"),
               (*_ID, "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESOC", "AESER", "AEACN", "AEREL", "AEOUT", "AESCONG",
                "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE", "AETOXGR", "EPOCH", "AESTDTC", "AEENDTC", "AESTDY", "AEENDY")),
    DomainSpec("MH", "Medical History", "EVENTS", "One record per medical history event per subject",
               ("STUDYID", "USUBJID", "MHDECOD"),
               (*_ID, "MHSEQ", "MHTERM", "MHDECOD", "MHCAT", "MHENRF", "MHDTC", "MHDY")),
    DomainSpec("CM", "Concomitant Medications", "INTERVENTIONS", "One record per medication per subject",
               ("STUDYID", "USUBJID", "CMTRT", "CMSTDTC"),
               (*_ID, "CMSEQ", "CMTRT", "CMINDC", "CMDOSTXT", "CMSTDTC", "CMENDTC", "CMENRF", "CMSTDY", "CMENDY")),
    DomainSpec("PR", "Procedures", "INTERVENTIONS", "One record per procedure per subject",
               ("STUDYID", "USUBJID", "PRTRT", "PRSTDTC"),
               (*_ID, "PRSEQ", "PRTRT", "PRCAT", "PRLOC", "VISITNUM", "VISIT", "EPOCH", "PRSTDTC", "PRSTDY")),
    DomainSpec("LB", "Laboratory Test Results", "FINDINGS", "One record per lab test per visit per subject",
               ("STUDYID", "USUBJID", "LBTESTCD", "VISITNUM"),
               (*_ID, "LBSEQ", "LBTESTCD", "LBTEST", "LBCAT", "LBORRES", "LBORRESU", "LBORNRLO", "LBORNRHI", "LBSTRESC",
                "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBTOXGR", "VISITNUM", "VISIT", "LBDTC", "LBDY")),
    DomainSpec("VS", "Vital Signs", "FINDINGS", "One record per vital sign measurement per visit per subject",
               ("STUDYID", "USUBJID", "VSTESTCD", "VISITNUM"),
               (*_ID, "VSSEQ", "VSTESTCD", "VSTEST", "VSORRES", "VSORRESU", "VSSTRESC", "VSSTRESN", "VSSTRESU", "VISITNUM",
                "VISIT", "VSDTC", "VSDY")),
    DomainSpec("TU", "Tumor/Lesion Identification", "FINDINGS", "One record per identified tumor per subject",
               ("STUDYID", "USUBJID", "TULNKID"),
               (*_ID, "TUSEQ", "TULNKID", "TUTESTCD", "TUTEST", "TUORRES", "TUSTRESC", "TULOC", "TUMETHOD", "TUEVAL",
                "VISITNUM", "VISIT", "TUDTC", "TUDY")),
    DomainSpec("TR", "Tumor/Lesion Results", "FINDINGS", "One record per tumor measurement per visit per subject",
               ("STUDYID", "USUBJID", "TRTESTCD", "TRLNKID", "VISITNUM"),
               (*_ID, "TRSEQ", "TRLNKID", "TRTESTCD", "TRTEST", "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU",
                "TRSTAT", "TREVAL", "VISITNUM", "VISIT", "TRDTC", "TRDY")),
    DomainSpec("RS", "Disease Response and Clin Classification", "FINDINGS",
               "One record per response assessment per visit per subject", ("STUDYID", "USUBJID", "RSTESTCD", "VISITNUM"),
               (*_ID, "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "RSSTRESC", "RSEVAL", "VISITNUM", "VISIT", "RSDTC",
                "RSDY")),
    DomainSpec("TS", "Trial Summary", "TRIAL DESIGN", "One record per trial summary parameter value",
               ("STUDYID", "TSPARMCD", "TSSEQ"),
               ("STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM", "TSVAL", "TSVALCD", "TSVCDREF", "TSVCDVER")),
    DomainSpec("TA", "Trial Arms", "TRIAL DESIGN", "One record per planned element per arm", ("STUDYID", "ARMCD", "TAETORD"),
               ("STUDYID", "DOMAIN", "ARMCD", "ARM", "TAETORD", "ETCD", "ELEMENT", "TABRANCH", "TATRANS", "EPOCH")),
    DomainSpec("TE", "Trial Elements", "TRIAL DESIGN", "One record per planned element", ("STUDYID", "ETCD"),
               ("STUDYID", "DOMAIN", "ETCD", "ELEMENT", "TESTRL", "TEENRL", "TEDUR")),
    DomainSpec("TV", "Trial Visits", "TRIAL DESIGN", "One record per planned visit per arm", ("STUDYID", "VISITNUM", "ARMCD"),
               ("STUDYID", "DOMAIN", "VISITNUM", "VISIT", "ARMCD", "TVSTRL", "TVENRL")),
    DomainSpec("TI", "Trial Inclusion/Exclusion Criteria", "TRIAL DESIGN", "One record per I/E criterion",
               ("STUDYID", "IETESTCD"), ("STUDYID", "DOMAIN", "IETESTCD", "IETEST", "IECAT", "TIVERS")),
]  # fmt: skip
DOMAINS: dict[str, DomainSpec] = {d.name: d for d in _SPEC}

SUPP_VARIABLES = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL")


def supp_spec(parent: str) -> DomainSpec:
    return DomainSpec(
        f"SUPP{parent}", f"Supplemental Qualifiers for {parent}", "RELATIONSHIP",
        "One record per supplemental qualifier per related parent record",
        ("STUDYID", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"), SUPP_VARIABLES,
    )  # fmt: skip


_COMMON = {
    "STUDYID": "Study Identifier",
    "DOMAIN": "Domain Abbreviation",
    "USUBJID": "Unique Subject Identifier",
    "SUBJID": "Subject Identifier for the Study",
    "VISITNUM": "Visit Number",
    "VISIT": "Visit Name",
    "EPOCH": "Epoch",
    "RDOMAIN": "Related Domain Abbreviation",
    "IDVAR": "Identifying Variable",
    "IDVARVAL": "Identifying Variable Value",
    "QNAM": "Qualifier Variable Name",
    "QLABEL": "Qualifier Variable Label",
    "QVAL": "Data Value",
    "QORIG": "Origin",
    "QEVAL": "Evaluator",
    "ARMCD": "Planned Arm Code",
    "ARM": "Description of Planned Arm",
    "ETCD": "Element Code",
    "ELEMENT": "Description of Element",
}
_SPECIFIC = {
    "RFSTDTC": "Subject Reference Start Date/Time",
    "RFENDTC": "Subject Reference End Date/Time",
    "RFXSTDTC": "Date/Time of First Study Treatment",
    "RFXENDTC": "Date/Time of Last Study Treatment",
    "RFICDTC": "Date/Time of Informed Consent",
    "RFPENDTC": "Date/Time of End of Participation",
    "DTHDTC": "Date/Time of Death",
    "DTHFL": "Subject Death Flag",
    "SITEID": "Study Site Identifier",
    "AGE": "Age",
    "AGEU": "Age Units",
    "SEX": "Sex",
    "RACE": "Race",
    "ACTARMCD": "Actual Arm Code",
    "ACTARM": "Description of Actual Arm",
    "ARMNRS": "Reason Arm and/or Actual Arm is Null",
    "COUNTRY": "Country",
    "DMDTC": "Date/Time of Collection",
    "DMDY": "Study Day of Collection",
    "SVSTDTC": "Start Date/Time of Observation",
    "SVENDTC": "End Date/Time of Observation",
    "SVSTDY": "Study Day of Start of Observation",
    "SVENDY": "Study Day of End of Observation",
    "TSSEQ": "Sequence Number",
    "TSPARMCD": "Trial Summary Parameter Short Name",
    "TSPARM": "Trial Summary Parameter",
    "TSVAL": "Parameter Value",
    "TSVALCD": "Parameter Value Code",
    "TSVCDREF": "Name of the Reference Terminology",
    "TSVCDVER": "Version of the Reference Terminology",
    "TAETORD": "Planned Order of Element within Arm",
    "TABRANCH": "Branch",
    "TATRANS": "Transition Rule",
    "TESTRL": "Rule for Start of Element",
    "TEENRL": "Rule for End of Element",
    "TEDUR": "Planned Duration of Element",
    "TVSTRL": "Visit Start Rule",
    "TVENRL": "Visit End Rule",
    "IETESTCD": "Incl/Excl Criterion Short Name",
    "IETEST": "Inclusion/Exclusion Criterion",
    "IECAT": "Inclusion/Exclusion Category",
    "TIVERS": "Protocol Criteria Versions",
    "EXDOSE": "Dose",
    "EXDOSU": "Dose Units",
    "EXDOSFRM": "Dose Form",
    "EXROUTE": "Route of Administration",
    "EXLOC": "Location of Dose Administration",
    "AETERM": "Reported Term for the Adverse Event",
    "AEDECOD": "Dictionary-Derived Term",
    "AEBODSYS": "Body System or Organ Class",
    "AESOC": "Primary System Organ Class",
    "AESER": "Serious Event",
    "AEACN": "Action Taken with Study Treatment",
    "AEREL": "Causality",
    "AEOUT": "Outcome of Adverse Event",
    "AESCONG": "Congenital Anomaly or Birth Defect",
    "AESDISAB": "Persist or Signif Disability/Incapacity",
    "AESDTH": "Results in Death",
    "AESHOSP": "Requires or Prolongs Hospitalization",
    "AESLIFE": "Is Life Threatening",
    "AESMIE": "Other Medically Important Serious Event",
    "AETOXGR": "Standard Toxicity Grade",
    "MHENRF": "End Relative to Reference Period",
    "CMINDC": "Indication",
    "CMDOSTXT": "Dose Description",
    "CMENRF": "End Relative to Reference Period",
    "PRLOC": "Location of Procedure",
    "LBORNRLO": "Reference Range Lower Limit in Orig Unit",
    "LBORNRHI": "Reference Range Upper Limit in Orig Unit",
    "LBSTNRLO": "Reference Range Lower Limit-Std Units",
    "LBSTNRHI": "Reference Range Upper Limit-Std Units",
    "LBTOXGR": "Standard Toxicity Grade",
    "TULNKID": "Link ID",
    "TULOC": "Location of the Tumor/Lesion",
    "TUMETHOD": "Method of Identification",
    "TUEVAL": "Evaluator",
    "TRLNKID": "Link ID",
    "TRSTAT": "Completion Status",
    "TREVAL": "Evaluator",
    "RSEVAL": "Evaluator",
}
#: Generic labels by suffix (SDTMIG 3.4 general observation class variables).
_SUFFIX = {
    "SEQ": "Sequence Number",
    "TERM": "Reported Term",
    "DECOD": "Standardized Disposition Term",
    "CAT": "Category",
    "SCAT": "Subcategory",
    "TRT": "Name of Treatment",
    "STDTC": "Start Date/Time",
    "ENDTC": "End Date/Time",
    "STDY": "Study Day of Start",
    "ENDY": "Study Day of End",
    "DTC": "Date/Time of Collection",
    "DY": "Study Day",
    "TESTCD": "Short Name of Test",
    "TEST": "Name of Test",
    "ORRES": "Result or Finding in Original Units",
    "ORRESU": "Original Units",
    "STRESC": "Character Result/Finding in Std Format",
    "STRESN": "Numeric Result/Finding in Standard Units",
    "STRESU": "Standard Units",
}
_NAMES = {"DS": "Disposition", "MH": "Medical History", "CM": "Medication", "PR": "Procedure", "EX": "Treatment",
          "LB": "Lab", "VS": "Vital Signs", "TU": "Tumor", "TR": "Tumor", "RS": "Response"}  # fmt: skip


def label(variable: str) -> str:
    """The SDTMIG 3.4 label of ``variable``."""
    if variable in _COMMON:
        return _COMMON[variable]
    if variable in _SPECIFIC:
        return _SPECIFIC[variable]
    prefix, suffix = variable[:2], variable[2:]
    if suffix == "DECOD":
        return "Standardized Disposition Term" if prefix == "DS" else "Dictionary-Derived Term"
    if suffix == "TERM":
        return f"Reported Term for the {_NAMES.get(prefix, prefix)}"[:40]
    if suffix == "TRT":
        return f"Reported Name of {_NAMES.get(prefix, prefix)}"[:40]
    if suffix in _SUFFIX:
        return _SUFFIX[suffix]
    raise KeyError(variable)
