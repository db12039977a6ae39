"""Special-purpose, interventions and events domains of one subject: DM, DS, SV, EX, AE, MH, CM, PR.

Pure functions of the typed eCRFs (:class:`~haictrial.interop.sdtm.source.SubjectSource`) and the
protocol. Rows are plain dicts keyed by SDTM variable; :mod:`haictrial.interop.sdtm.build` adds
``--SEQ``, orders the columns by :mod:`haictrial.interop.sdtm.metadata` and splits SUPP-- rows.

References
----------
CDISC SDTMIG 3.4 (2021), sections 5 (DM, SV), 6.1 (EX, CM, PR), 6.2 (AE, DS, MH), 8.4 (SUPP--).
AEDECOD/AEBODSYS: NCI CTCAE v5.0 term and its MedDRA system organ class
(:data:`haictrial.clinical.adverse_events.KNOWN_TERMS`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from haictrial.clinical.adverse_events import known_term, strongest_attribution
from haictrial.interop.sdtm import terms as T
from haictrial.interop.sdtm.source import SubjectSource
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Attribution

Row = dict[str, Any]


def usubjid(subject_id: str) -> str:
    """``NCT06988852-<subject_id>`` (docs/contracts/interop.md)."""
    return f"{T.USUBJID_PREFIX}-{subject_id}"


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 (SDTMIG 3.4 section 4.4.2); date-times to the minute in their own offset."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def study_day(day: dt.date | dt.datetime | None, reference: dt.date | None) -> int | None:
    """--DY: day 1 is the reference start date, the day before is -1 (SDTMIG 3.4 section 4.4.4)."""
    if day is None or reference is None:
        return None
    if isinstance(day, dt.datetime):
        day = day.date()
    delta = (day - reference).days
    return delta + 1 if delta >= 0 else delta


class Visits:
    """VISITNUM and VISIT of each encounter, numbered by the protocol's visit types.

    Screening 1, baseline 2, HAIC cycle n 100+n (a targeted-agent dose on day d of cycle n: 100+n+d/100),
    imaging k 200+k, MDT review k 300+k, liver resection 400+stage, follow-up k 500+k, end of study 900.
    """

    @staticmethod
    def cycle(n: int, day: int = 1) -> tuple[float, str]:
        if day == 1:
            return 100 + n, f"HAIC CYCLE {n}"
        return round(100 + n + day / 100, 2), f"HAIC CYCLE {n} DAY {day}"

    SCREENING = (1, "SCREENING")
    BASELINE = (2, "BASELINE")
    END_OF_STUDY = (900, "END OF STUDY")


def _base(domain: str, source: SubjectSource, protocol: Protocol) -> Row:
    return {"STUDYID": protocol.protocol_id, "DOMAIN": domain, "USUBJID": usubjid(source.subject_id)}


def exposure_dates(source: SubjectSource) -> list[dt.date]:
    """Every date a dose was given (HAIC day 1 and targeted-agent dates)."""
    forms = source.forms
    days = [
        c.admission_date
        for c in forms.haic_cycles
        if c.admission_date and any((i.given_dose_mg or 0) > 0 for i in c.infusions)
    ]
    days += [t.date for t in forms.targeted_agent if t.date and (t.given_dose_mg or 0) > 0]
    return sorted(days)


def dm(source: SubjectSource, protocol: Protocol, arm: tuple[str, str]) -> Row:
    forms = source.forms
    given = exposure_dates(source)
    death = forms.death_date
    end = forms.end_of_study
    last_dates = [given[-1]] if given else []
    last_dates += [d for d in (f.date for f in forms.follow_up) if d]
    last_dates += [end.date] if end and end.date else []
    sex = source.sex or (
        forms.baseline.demographics.sex.value if forms.baseline and forms.baseline.demographics.sex else None
    )
    treated = bool(given)
    return {
        **_base("DM", source, protocol),
        "SUBJID": source.subject_id,
        "RFSTDTC": iso(given[0]) if given else None,
        "RFENDTC": iso(given[-1]) if given else None,
        "RFXSTDTC": iso(given[0]) if given else None,
        "RFXENDTC": iso(given[-1]) if given else None,
        "RFICDTC": iso(source.screening_date),
        "RFPENDTC": iso(max(last_dates)) if last_dates else iso(source.enrolment_date),
        "DTHDTC": iso(death),
        "DTHFL": T.YES if death else None,
        "SITEID": source.site,
        "AGE": source.age_years,
        "AGEU": "YEARS" if source.age_years is not None else None,
        "SEX": T.SEX.get(sex or "", "U"),
        "RACE": "ASIAN",
        "COUNTRY": "CHN",
        "ARMCD": arm[0],
        "ARM": arm[1],
        "ACTARMCD": arm[0] if treated else None,
        "ACTARM": arm[1] if treated else None,
        "ARMNRS": None if treated else "ASSIGNED, NOT TREATED",
        "DMDTC": iso(source.enrolment_date),
        "DMDY": study_day(source.enrolment_date, given[0] if given else None),
        # SUPPDM: the targeted agent chosen by the planning engine (no DM variable holds it)
        "_SUPP": [("TRGAGENT", "Targeted Agent", T.DRUG.get(source.targeted_agent or "", None))],
    }


def ds(source: SubjectSource, protocol: Protocol, reference: dt.date | None) -> list[Row]:
    base = _base("DS", source, protocol)
    rows = [
        {**base, "DSTERM": "INFORMED CONSENT OBTAINED", "DSDECOD": "INFORMED CONSENT OBTAINED", "DSCAT": "PROTOCOL MILESTONE",
         "EPOCH": T.EPOCH_SCREENING, "DSSTDTC": iso(source.screening_date), "DSSTDY": study_day(source.screening_date, reference)},
        {**base, "DSTERM": "ENROLLED", "DSDECOD": "ENROLLED", "DSCAT": "PROTOCOL MILESTONE",
         "EPOCH": T.EPOCH_SCREENING, "DSSTDTC": iso(source.enrolment_date), "DSSTDY": study_day(source.enrolment_date, reference)},
    ]  # fmt: skip
    end = source.forms.end_of_study
    if end is not None and end.reason is not None:
        term = end.reason_text if end.reason.value == "other" and end.reason_text else T.DISPOSITION[end.reason.value]
        rows.append(
            {**base, "DSTERM": term.upper()[:200], "DSDECOD": T.DISPOSITION[end.reason.value], "DSCAT": "DISPOSITION EVENT",
             "EPOCH": T.EPOCH_FOLLOW_UP, "DSSTDTC": iso(end.date), "DSSTDY": study_day(end.date, reference)}
        )  # fmt: skip
    return rows


def _epoch(day: dt.date | None, reference: dt.date | None, last_dose: dt.date | None) -> str:
    if day is None or reference is None or day < reference:
        return T.EPOCH_SCREENING
    if last_dose is not None and day > last_dose:
        return T.EPOCH_FOLLOW_UP
    return T.EPOCH_TREATMENT


def sv(source: SubjectSource, protocol: Protocol, reference: dt.date | None) -> list[Row]:
    forms = source.forms
    base = _base("SV", source, protocol)
    found: dict[float, tuple[str, dt.date | None, dt.date | None]] = {}
    if source.screening_date:
        found[Visits.SCREENING[0]] = (Visits.SCREENING[1], source.screening_date, source.screening_date)
    if forms.baseline and forms.baseline.visit_date:
        found[Visits.BASELINE[0]] = (Visits.BASELINE[1], forms.baseline.visit_date, forms.baseline.visit_date)
    for c in forms.haic_cycles:
        if c.admission_date:
            num, name = Visits.cycle(c.cycle)
            found[num] = (name, c.admission_date, c.discharge_date or c.admission_date)
    for t in forms.targeted_agent:
        if t.date and t.day != 1:
            num, name = Visits.cycle(t.cycle, t.day)
            found[num] = (name, t.date, t.date)
    for k, image in enumerate(sorted((i for i in forms.imaging if i.date), key=lambda i: i.date or dt.date.min), 1):
        found[200 + k] = (f"IMAGING {k}", image.date, image.date)
    for k, review in enumerate(
        sorted((r for r in forms.mdt_reviews if r.date), key=lambda r: r.date or dt.date.min), 1
    ):
        found[300 + k] = (f"MDT REVIEW {k}", review.date, review.date)
    for resection in forms.resections:
        if resection.date:
            found[400 + (resection.stage or 1)] = (
                f"LIVER RESECTION {resection.stage or 1}",
                resection.date,
                resection.date,
            )
    for k, visit in enumerate(sorted((v for v in forms.follow_up if v.date), key=lambda v: v.date or dt.date.min), 1):
        found[500 + k] = (f"FOLLOW-UP {k}", visit.date, visit.date)
    if forms.end_of_study and forms.end_of_study.date:
        found[Visits.END_OF_STUDY[0]] = (Visits.END_OF_STUDY[1], forms.end_of_study.date, forms.end_of_study.date)
    return [
        {**base, "VISITNUM": num, "VISIT": name, "SVSTDTC": iso(start), "SVENDTC": iso(end),
         "SVSTDY": study_day(start, reference), "SVENDY": study_day(end, reference)}
        for num, (name, start, end) in sorted(found.items())
    ]  # fmt: skip


def ex(source: SubjectSource, protocol: Protocol, reference: dt.date | None) -> list[Row]:
    """One row per administration given (HAIC infusions INTRA-ARTERIAL, targeted agents INTRAVENOUS)."""
    base = _base("EX", source, protocol)
    rows: list[Row] = []
    for cycle in sorted(source.forms.haic_cycles, key=lambda c: c.cycle):
        num, name = Visits.cycle(cycle.cycle)
        for infusion in cycle.infusions:
            if (infusion.given_dose_mg or 0) <= 0:
                continue
            start = infusion.start_at or (
                dt.datetime.combine(cycle.admission_date, dt.time()) if cycle.admission_date else None
            )
            treatment = T.DRUG[infusion.drug.value]
            component = infusion.component.value.upper() if infusion.component else None
            rows.append(
                {**base, "EXTRT": treatment, "EXCAT": "HAIC-FOLFOX", "EXSCAT": component, "EXDOSE": round(infusion.given_dose_mg or 0, 1),
                 "EXDOSU": "mg", "EXDOSFRM": "INJECTION", "EXROUTE": T.ROUTE_HAIC, "EXLOC": "HEPATIC ARTERY",
                 "VISITNUM": num, "VISIT": name, "EPOCH": T.EPOCH_TREATMENT,
                 "EXSTDTC": iso(infusion.start_at) or iso(cycle.admission_date), "EXENDTC": iso(infusion.stop_at),
                 "EXSTDY": study_day(start, reference), "EXENDY": study_day(infusion.stop_at, reference),
                 "_SUPP": [("EXPLDOSE", "Planned Dose (mg)", _number(infusion.planned_dose_mg)),
                           ("EXDEVRSN", "Reason Dose Differs From Plan", infusion.deviation_reason)]}
            )  # fmt: skip
    for dose in sorted(source.forms.targeted_agent, key=lambda t: (t.cycle, t.day)):
        if (dose.given_dose_mg or 0) <= 0:
            continue
        num, name = Visits.cycle(dose.cycle, dose.day)
        rows.append(
            {**base, "EXTRT": T.DRUG[dose.drug.value], "EXCAT": "TARGETED AGENT", "EXSCAT": None,
             "EXDOSE": round(dose.given_dose_mg or 0, 1), "EXDOSU": "mg", "EXDOSFRM": "INJECTION", "EXROUTE": T.ROUTE_IV,
             "EXLOC": None, "VISITNUM": num, "VISIT": name, "EPOCH": T.EPOCH_TREATMENT,
             "EXSTDTC": iso(dose.start_at) or iso(dose.date), "EXENDTC": iso(dose.stop_at) or iso(dose.date),
             "EXSTDY": study_day(dose.date, reference), "EXENDY": study_day(dose.date, reference),
             "_SUPP": [("EXPLDOSE", "Planned Dose (mg)", _number(dose.planned_dose_mg)),
                       ("EXDEVRSN", "Reason Dose Differs From Plan", dose.deviation_reason)]}
        )  # fmt: skip
    return rows


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def _strongest(event: Any) -> str:
    return T.RELATION[strongest_attribution(event.attribution) or Attribution.unrelated]


def ae(source: SubjectSource, protocol: Protocol, reference: dt.date | None, last_dose: dt.date | None) -> list[Row]:
    base = _base("AE", source, protocol)
    rows: list[Row] = []
    for event in sorted(source.forms.adverse_events, key=lambda e: e.onset_date):
        known = known_term(event.term)
        serious = set(c.value for c in event.seriousness)
        supp = [
            (qnam, label, T.RELATION[value.value])
            for drug, (qnam, label) in T.RELATION_QNAM.items()
            if (value := getattr(event.attribution, drug)) is not None
        ]
        if event.action_taken.value == "dose_delayed":
            supp.append(("AEACNOTH", "Other Action Taken", "CYCLE DELAYED"))
        rows.append(
            {**base, "AETERM": (event.verbatim or event.term), "AEDECOD": known.term if known else event.term,
             "AEBODSYS": known.soc if known else None, "AESOC": known.soc if known else None,
             "AESER": T.YES if serious else T.NO, "AEACN": T.ACN[event.action_taken.value],
             "AEREL": _strongest(event), "AEOUT": T.OUT[event.outcome.value],
             "AESCONG": _flag("congenital_anomaly", serious), "AESDISAB": _flag("disability", serious),
             "AESDTH": _flag("death", serious), "AESHOSP": _flag("hospitalisation", serious),
             "AESLIFE": _flag("life_threatening", serious), "AESMIE": _flag("important_medical_event", serious),
             "AETOXGR": str(event.grade), "EPOCH": _epoch(event.onset_date, reference, last_dose),
             "AESTDTC": iso(event.onset_date), "AEENDTC": iso(event.resolution_date),
             "AESTDY": study_day(event.onset_date, reference), "AEENDY": study_day(event.resolution_date, reference),
             "_SUPP": supp}
        )  # fmt: skip
    return rows


def _flag(criterion: str, serious: set[str]) -> str | None:
    return (T.YES if criterion in serious else T.NO) if serious else None


def mh(source: SubjectSource, protocol: Protocol, reference: dt.date | None) -> list[Row]:
    base = _base("MH", source, protocol)
    rows: list[Row] = []
    baseline = source.forms.baseline
    if baseline is None:
        return rows
    for item in baseline.comorbidities or []:
        term = item.verbatim or item.category.value.replace("_", " ")
        rows.append(
            {**base, "MHTERM": term.upper(), "MHDECOD": item.category.value.replace("_", " ").upper(),
             "MHCAT": "COMORBIDITY", "MHENRF": "ONGOING" if item.ongoing else None,
             "MHDTC": iso(baseline.visit_date), "MHDY": study_day(baseline.visit_date, reference)}
        )  # fmt: skip
    site = baseline.primary_tumour.site
    if site:
        rows.append(
            {**base, "MHTERM": f"COLORECTAL ADENOCARCINOMA ({site.value.replace('_', ' ').upper()})",
             "MHDECOD": "COLORECTAL CANCER", "MHCAT": "PRIMARY DIAGNOSIS", "MHENRF": None,
             "MHDTC": iso(baseline.visit_date), "MHDY": study_day(baseline.visit_date, reference)}
        )  # fmt: skip
    return rows


def cm(source: SubjectSource, protocol: Protocol, reference: dt.date | None) -> list[Row]:
    base = _base("CM", source, protocol)
    return [
        {**base, "CMTRT": med.name.upper(), "CMINDC": med.indication, "CMDOSTXT": med.dose_text,
         "CMSTDTC": iso(med.start_date), "CMENDTC": iso(med.stop_date), "CMENRF": "ONGOING" if med.ongoing else None,
         "CMSTDY": study_day(med.start_date, reference), "CMENDY": study_day(med.stop_date, reference)}
        for med in source.forms.concomitant_medications
    ]  # fmt: skip


def pr(source: SubjectSource, protocol: Protocol, reference: dt.date | None) -> list[Row]:
    """Each HAIC procedure (catheter position, embolised collaterals) and each liver resection (margin)."""
    base = _base("PR", source, protocol)
    rows: list[Row] = []
    for cycle in sorted(source.forms.haic_cycles, key=lambda c: c.cycle):
        if cycle.admission_date is None:
            continue
        num, name = Visits.cycle(cycle.cycle)
        procedure = cycle.procedure
        position = procedure.microcatheter_position
        rows.append(
            {**base, "PRTRT": "HEPATIC ARTERIAL INFUSION CATHETERIZATION", "PRCAT": "HAIC PROCEDURE",
             "PRLOC": T.LOCATION[position.value] if position else None, "VISITNUM": num, "VISIT": name,
             "EPOCH": T.EPOCH_TREATMENT, "PRSTDTC": iso(cycle.admission_date), "PRSTDY": study_day(cycle.admission_date, reference),
             "_SUPP": [("PRACCESS", "Vascular Access Site", procedure.access_site.value.upper().replace("_", " ") if procedure.access_site else None),
                       ("PRMCFR", "Microcatheter Size (Fr)", _number(procedure.microcatheter_fr))]}
        )  # fmt: skip
        for collateral in procedure.collaterals or []:
            if collateral.embolised:
                rows.append(
                    {**base, "PRTRT": "EMBOLIZATION", "PRCAT": "HAIC PROCEDURE", "PRLOC": T.LOCATION[collateral.vessel.value],
                     "VISITNUM": num, "VISIT": name, "EPOCH": T.EPOCH_TREATMENT, "PRSTDTC": iso(cycle.admission_date),
                     "PRSTDY": study_day(cycle.admission_date, reference),
                     "_SUPP": [("PREMBAG", "Embolic Agent", ", ".join(a.value.upper().replace("_", " ") for a in collateral.embolic_agents) or None)]}
                )  # fmt: skip
    for resection in source.forms.resections:
        if resection.date is None:
            continue
        try:
            margin = resection.margin
        except Exception:  # noqa: BLE001 - an unclassifiable margin is exported without it
            margin = None
        stage = resection.stage or 1
        rows.append(
            {**base, "PRTRT": "HEPATECTOMY", "PRCAT": "LIVER RESECTION", "PRLOC": "LIVER", "VISITNUM": 400 + stage,
             "VISIT": f"LIVER RESECTION {stage}", "EPOCH": T.EPOCH_TREATMENT, "PRSTDTC": iso(resection.date),
             "PRSTDY": study_day(resection.date, reference),
             "_SUPP": [("PRMARGIN", "Resection Margin Status", margin.value if margin else None),
                       ("PRMARGMM", "Closest Margin (mm)", _number(resection.pathology.margin_mm)),
                       ("PRSEGS", "Couinaud Segments Resected", " ".join(s.value for s in resection.segments_resected) or None)]}
        )  # fmt: skip
    return rows
