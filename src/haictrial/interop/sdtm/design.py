"""Trial design domains TS, TA, TE, TV and TI from the protocol file (SDTMIG 3.4 section 7).

TS parameter codes and values are SDTM CT (TSPARMCD C66738; trial phase C66737 PHASE II TRIAL C15601;
trial type C66739 EFFICACY C49666, SAFETY C49667; intervention model C99076 SINGLE GROUP C82639;
intervention type C99078 DRUG C1909; NY C66742). TI holds the protocol's 16 eligibility criteria.
"""

from __future__ import annotations

import math
import re
from typing import Any

from haictrial.errors import InputError
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


#: Months of the treatment phase TV plans cycles for: the primary endpoint's time frame (protocol
#: ``endpoints`` ctrr, "Up to 12 months after enrolment"); the protocol sets no maximum number of cycles.
_MONTHS = re.compile(r"(\d+)\s*months?", re.IGNORECASE)
#: Resection stages a subject can have (a two-stage hepatectomy: stage 1 and 2; the resection form's ``stage``).
RESECTION_STAGES = (1, 2)


def treatment_cycles(protocol: Protocol) -> int:
    """HAIC cycles planned within the primary endpoint's time frame (months x 30.4375 days / cycle length)."""
    primary = next(e for e in protocol.endpoints if e.kind == "primary")
    found = _MONTHS.search(primary.time_frame or "")
    if found is None:
        raise InputError(
            f"the primary endpoint's time frame {primary.time_frame!r} names no months: TV cannot plan the cycles",
            field="endpoints.time_frame",
        )
    days = int(found.group(1)) * 30.4375  # mean Gregorian month (365.25 / 12 days)
    return math.ceil(days / protocol.regimen.cycle_length_days)


def tv(protocol: Protocol) -> list[Row]:
    """The planned visits of the protocol's schedule (``schedule.visits``), numbered as :class:`Visits` numbers
    them: screening, baseline; each HAIC cycle of :func:`treatment_cycles` and the weekly cetuximab days of it
    (``settings.cetuximab_days``; only a cetuximab subject has them); imaging and the MDT review after every
    ``settings.imaging_every_cycles`` cycles; the resection stages; a follow-up every
    ``schedule.follow_up_every_months`` for ``schedule.follow_up_years``; end of study. Independent of the
    visits the subjects had (SV): a visit SV has and TV does not is unplanned (SDTMIG 3.4 section 5.4)."""
    code, _name = arm(protocol)
    labels = {v.id: v.label for v in protocol.schedule.visits}
    length = protocol.regimen.cycle_length_days
    every = protocol.settings.imaging_every_cycles.value
    cycles = treatment_cycles(protocol)
    planned: list[tuple[float, str, str]] = [
        (*Visits.SCREENING, "Before enrolment"),
        (*Visits.BASELINE, "Before the first HAIC cycle"),
    ]
    for n in range(1, cycles + 1):
        planned.append(
            (*Visits.cycle(n), f"{labels['haic_cycle']} {n}: day {(n - 1) * length + 1} (every {length} days)")
        )
        for day in protocol.settings.cetuximab_days.value:
            if day != 1:
                planned.append((*Visits.cycle(n, day), f"{labels['cetuximab_weekly']}: day {day} of cycle {n}"))
    for k in range(1, cycles // every + 1):
        planned.append((200 + k, f"IMAGING {k}", f"{labels['imaging']} after cycle {k * every}"))
        planned.append((300 + k, f"MDT REVIEW {k}", f"{labels['mdt_review']} of imaging {k}"))
    for stage in RESECTION_STAGES:
        planned.append((400 + stage, f"LIVER RESECTION {stage}", f"{labels['resection']}, stage {stage}"))
    months = protocol.schedule.follow_up_every_months
    for k in range(1, protocol.schedule.follow_up_years * 12 // months + 1):
        planned.append(
            (500 + k, f"FOLLOW-UP {k}", f"{labels['follow_up']} {k * months} months after the last treatment")
        )
    planned.append((*Visits.END_OF_STUDY, labels["end_of_study"]))
    return [
        {"STUDYID": protocol.protocol_id, "DOMAIN": "TV", "VISITNUM": number, "VISIT": visit, "ARMCD": code,
         "TVSTRL": rule, "TVENRL": None}
        for number, visit, rule in sorted(planned)
    ]  # fmt: skip


def ti(protocol: Protocol) -> list[Row]:
    return [
        {"STUDYID": protocol.protocol_id, "DOMAIN": "TI", "IETESTCD": c.id, "IETEST": c.text[:200],
         "IECAT": "INCLUSION" if c.kind.value == "inclusion" else "EXCLUSION", "TIVERS": protocol.version,
         "_SUPP_ZH": c.text_zh}
        for c in protocol.eligibility.criteria
    ]  # fmt: skip
