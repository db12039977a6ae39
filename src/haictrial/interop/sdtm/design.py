"""Trial design domains TS, TA, TE, TV and TI from the protocol file (SDTMIG 3.4 section 7).

TS parameter codes and values are SDTM CT (TSPARMCD C66738; trial phase C66737 PHASE II TRIAL C15601;
trial type C66739 EFFICACY C49666, SAFETY C49667; intervention model C99076 SINGLE GROUP C82639;
intervention type C99078 DRUG C1909; NY C66742). TI holds the protocol's 16 eligibility criteria.
"""

from __future__ import annotations

from typing import Any

from haictrial.interop.sdtm.events import Row, Visits
from haictrial.protocol.schema import Protocol

#: ARMCD / ARM of the single arm (protocol registry arm 1).
ARMCD = "HAICFOLX"


def arm(protocol: Protocol) -> tuple[str, str]:
    return ARMCD, protocol.registry.arms[0].label.upper()[:200]


def ts(protocol: Protocol) -> list[Row]:
    reg = protocol.registry
    ages = protocol.eligibility.thresholds.I1_age
    parameters: list[tuple[str, str, Any, str | None, str | None]] = [
        ("TITLE", "Trial Title", reg.official_title[:200], None, None),
        ("ACRONYM", "Trial Acronym", reg.acronym, None, None),
        ("REGID", "Registry Identifier", reg.nct_id, reg.nct_id, "ClinicalTrials.gov"),
        ("SPONSOR", "Clinical Study Sponsor", reg.sponsor.upper(), None, None),
        ("TPHASE", "Trial Phase Classification", "PHASE II TRIAL", "C15601", "CDISC CT"),
        ("TTYPE", "Trial Type", "EFFICACY", "C49666", "CDISC CT"),
        ("STYPE", "Study Type", "INTERVENTIONAL", "C98388", "CDISC CT"),
        ("INTMODEL", "Intervention Model", "SINGLE GROUP", "C82639", "CDISC CT"),
        ("INTTYPE", "Intervention Type", "DRUG", "C1909", "CDISC CT"),
        ("RANDOM", "Trial is Randomized", "N", "C49487", "CDISC CT"),
        ("TBLIND", "Trial Blinding Schema", "OPEN LABEL", "C49659", "CDISC CT"),
        ("TCNTRL", "Control Type", "NONE", "C41132", "CDISC CT"),
        ("NARMS", "Planned Number of Arms", len(reg.arms), None, None),
        ("PLANSUB", "Planned Number of Subjects", reg.target_enrollment, None, None),
        ("AGEMIN", "Planned Minimum Age of Subjects", f"P{ages.min_years}Y", None, "ISO 8601"),
        ("AGEMAX", "Planned Maximum Age of Subjects", f"P{ages.max_years}Y", None, "ISO 8601"),
        ("SEXPOP", "Sex of Participants", "BOTH", "C49636", "CDISC CT"),
        ("HLTSUBJI", "Healthy Subject Indicator", "N", "C49487", "CDISC CT"),
        ("INDIC", "Trial Disease/Condition Indication", reg.conditions[0].upper(), None, None),
        ("TRT", "Investigational Therapy or Treatment", "HAIC-FOLFOX", None, None),
        ("ADDON", "Added on to Existing Treatments", "N", "C49487", "CDISC CT"),
        ("SSTDTC", "Study Start Date", reg.start_date.isoformat(), None, "ISO 8601"),
        ("SENDTC", "Study End Date", reg.completion_date.isoformat(), None, "ISO 8601"),
        ("SDTIGVER", "SDTM IG Version", "3.4", None, None),
        ("SDTMVER", "SDTM Version", "2.0", None, None),
        ("PROTVERS", "Protocol Version", protocol.version, None, None),
    ]
    for endpoint in protocol.endpoints:
        code = "OBJPRIM" if endpoint.kind == "primary" else "OBJSEC"
        label = "Trial Primary Objective" if endpoint.kind == "primary" else "Trial Secondary Objective"
        parameters.append((code, label, endpoint.title.upper()[:200], None, None))
    rows: list[Row] = []
    seq: dict[str, int] = {}
    for code, label, value, value_code, reference in parameters:
        seq[code] = seq.get(code, 0) + 1
        rows.append(
            {"STUDYID": protocol.protocol_id, "DOMAIN": "TS", "TSSEQ": seq[code], "TSPARMCD": code, "TSPARM": label,
             "TSVAL": str(value), "TSVALCD": value_code, "TSVCDREF": reference, "TSVCDVER": None}
        )  # fmt: skip
    return rows


#: Elements: screening, one HAIC-FOLFOX cycle (regimen.cycle_length_days), liver resection, follow-up.
def te(protocol: Protocol) -> list[Row]:
    days = protocol.regimen.cycle_length_days
    elements = [
        ("SCRN", "Screening", "Informed consent", "Enrolment", None),
        (
            "HAIC",
            "HAIC-FOLFOX cycle",
            "Day 1 of a HAIC-FOLFOX cycle",
            f"{days} days after the cycle start",
            f"P{days}D",
        ),
        ("RESECT", "Liver resection", "Liver resection", "Discharge after the resection", None),
        ("FU", "Follow-up", "End of treatment", "Death, withdrawal or end of follow-up", None),
    ]
    return [
        {"STUDYID": protocol.protocol_id, "DOMAIN": "TE", "ETCD": code, "ELEMENT": element, "TESTRL": start,
         "TEENRL": end, "TEDUR": duration}
        for code, element, start, end, duration in elements
    ]  # fmt: skip


def ta(protocol: Protocol) -> list[Row]:
    code, name = arm(protocol)
    order = [("SCRN", "SCREENING", None), ("HAIC", "TREATMENT", "Repeat every cycle until resection, progression or toxicity"),
             ("RESECT", "TREATMENT", "When the MDT judges the metastases R0-resectable"), ("FU", "FOLLOW-UP", None)]  # fmt: skip
    return [
        {"STUDYID": protocol.protocol_id, "DOMAIN": "TA", "ARMCD": code, "ARM": name, "TAETORD": i, "ETCD": etcd,
         "ELEMENT": {r["ETCD"]: r["ELEMENT"] for r in te(protocol)}[etcd], "TABRANCH": None, "TATRANS": rule,
         "EPOCH": epoch}
        for i, (etcd, epoch, rule) in enumerate(order, 1)
    ]  # fmt: skip


def tv(protocol: Protocol, visit_numbers: dict[float, str]) -> list[Row]:
    """Planned visits: the protocol's visit types, numbered as :class:`Visits` numbers them."""
    code, _name = arm(protocol)
    start = {"SCREENING": "Screening", "BASELINE": "Before the first cycle", "END OF STUDY": "End of study"}
    rows = []
    for number, visit in sorted(visit_numbers.items()):
        rows.append(
            {"STUDYID": protocol.protocol_id, "DOMAIN": "TV", "VISITNUM": number, "VISIT": visit, "ARMCD": code,
             "TVSTRL": start.get(visit, f"{visit.title()} as the protocol schedules it"), "TVENRL": None}
        )  # fmt: skip
    return rows


def planned_visits(protocol: Protocol) -> dict[float, str]:
    """The visit numbers the protocol foresees (cycles up to 12, 4 imaging/MDT, two resection stages, 20 follow-ups)."""
    visits = {Visits.SCREENING[0]: Visits.SCREENING[1], Visits.BASELINE[0]: Visits.BASELINE[1]}
    return visits | {Visits.END_OF_STUDY[0]: Visits.END_OF_STUDY[1]}


def ti(protocol: Protocol) -> list[Row]:
    return [
        {"STUDYID": protocol.protocol_id, "DOMAIN": "TI", "IETESTCD": c.id, "IETEST": c.text[:200],
         "IECAT": "INCLUSION" if c.kind.value == "inclusion" else "EXCLUSION", "TIVERS": protocol.version,
         "_SUPP_ZH": c.text_zh}
        for c in protocol.eligibility.criteria
    ]  # fmt: skip
