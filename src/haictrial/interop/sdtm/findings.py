"""Findings domains of one subject: LB (graded by the CTCAE engine), VS, TU, TR and RS (RECIST engine).

References
----------
CDISC SDTMIG 3.4 sections 6.3.5 (LB), 6.3.11 (VS), 6.3.15 (TU, TR, RS: oncology domains).
LBTOXGR: NCI CTCAE v5.0 by :func:`haictrial.clinical.ctcae.grade_labs` (reference ranges and baseline as
the engine uses them). RS: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228) by
:func:`haictrial.clinical.crf_outcome.evaluate_response`; the morphologic response of Chun et al.
(JAMA 2009;302:2338) as its own RSTESTCD.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from haictrial.clinical.crf_outcome import NewLesion, evaluate_response
from haictrial.clinical.ctcae import GRADED_TESTS, CtcaeInput, grade_labs
from haictrial.errors import DomainError
from haictrial.interop.sdtm import terms as T
from haictrial.interop.sdtm.events import Row, Visits, _base, iso, study_day
from haictrial.interop.sdtm.source import SubjectSource
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.units import Analyte


def _panels(source: SubjectSource) -> list[tuple[float, str, dt.date, Any]]:
    out = []
    for cycle in sorted(source.forms.haic_cycles, key=lambda c: c.cycle):
        labs = cycle.pre_cycle_labs
        day = labs.date or cycle.admission_date
        if day is not None and labs.reported():
            out.append((*Visits.cycle(cycle.cycle), day, labs))
    return out


def lb(source: SubjectSource, protocol: Protocol, reference: dt.date | None, problems: list[str]) -> list[Row]:
    base = _base("LB", source, protocol)
    panels = _panels(source)
    graded: dict[tuple[dt.date, str], Any] = {}
    results = [
        {"date": day.isoformat(), "test": name.value, "value": lab.value, "unit": lab.unit}
        for _, _, day, labs in panels
        for name, lab in labs.reported().items()
        if name in GRADED_TESTS
    ]
    if results:
        first = panels[0][3].reported()
        document = {
            "subject_id": source.subject_id,
            "sex": source.sex,
            "baseline": {n.value: {"value": v.value, "unit": v.unit} for n, v in first.items() if n in GRADED_TESTS},
            "results": results,
        }
        try:
            outcome = grade_labs(CtcaeInput.model_validate(document), protocol)
            graded = {(g.date, g.test.value): g for g in outcome.grades}
        except (DomainError, ValueError) as exc:
            problems.append(f"LB {source.subject_id}: not graded: {str(exc).splitlines()[0]}")
    rows: list[Row] = []
    for number, visit, day, labs in panels:
        for name, lab in labs.reported().items():
            code, test, si_unit = T.LAB[name.value]
            grade = graded.get((day, name.value))
            try:
                value_si = labs.si(name)
            except DomainError:
                value_si = None
            rows.append(
                {**base, "LBTESTCD": code, "LBTEST": test, "LBCAT": T.LAB_CATEGORY.get(name.value, "CHEMISTRY"),
                 "LBORRES": f"{lab.value:g}", "LBORRESU": lab.unit if name != Analyte.inr else None,
                 "LBORNRLO": None if grade is None or grade.range.lln is None else f"{grade.range.lln:g}",
                 "LBORNRHI": None if grade is None or grade.range.uln is None else f"{grade.range.uln:g}",
                 "LBSTRESC": None if value_si is None else f"{value_si:g}", "LBSTRESN": value_si,
                 "LBSTRESU": si_unit, "LBSTNRLO": None if grade is None else grade.range.lln,
                 "LBSTNRHI": None if grade is None else grade.range.uln,
                 "LBTOXGR": None if grade is None else str(int(grade.grade)),
                 "VISITNUM": number, "VISIT": visit, "LBDTC": iso(day), "LBDY": study_day(day, reference),
                 "_SUPP": [("LBTOX", "CTCAE Term Graded", None if grade is None else grade.term.value)]}
            )  # fmt: skip
    return rows


def vs(source: SubjectSource, protocol: Protocol, reference: dt.date | None) -> list[Row]:
    base = _base("VS", source, protocol)
    rows: list[Row] = []

    def add(field: str, value: float | None, number: float, visit: str, day: dt.date | None) -> None:
        if value is None:
            return
        code, test, unit = T.VITALS[field]
        rows.append(
            {**base, "VSTESTCD": code, "VSTEST": test, "VSORRES": f"{value:g}", "VSORRESU": unit,
             "VSSTRESC": f"{value:g}", "VSSTRESN": float(value), "VSSTRESU": unit, "VISITNUM": number,
             "VISIT": visit, "VSDTC": iso(day), "VSDY": study_day(day, reference)}
        )  # fmt: skip

    baseline = source.forms.baseline
    if baseline is not None:
        add("height_cm", baseline.demographics.height_cm, *Visits.BASELINE, baseline.visit_date)
        add("weight_kg", baseline.demographics.weight_kg, *Visits.BASELINE, baseline.visit_date)
    for cycle in sorted(source.forms.haic_cycles, key=lambda c: c.cycle):
        add("weight_kg", cycle.weight_kg, *Visits.cycle(cycle.cycle), cycle.admission_date)
    return rows


def oncology(
    source: SubjectSource, protocol: Protocol, reference: dt.date | None, problems: list[str]
) -> tuple[list[Row], list[Row], list[Row]]:
    """TU, TR and RS rows: the lesions, their measurements and the RECIST 1.1 responses."""
    forms = source.forms
    baseline = forms.baseline
    if baseline is None or not baseline.lesions:
        return [], [], []
    tu_base, tr_base, rs_base = (_base(d, source, protocol) for d in ("TU", "TR", "RS"))
    day0 = baseline.baseline_imaging_date or baseline.visit_date
    method = baseline.baseline_imaging_modality.value.upper() if baseline.baseline_imaging_modality else None
    tu: list[Row] = []
    tr: list[Row] = []
    rs: list[Row] = []
    for lesion in baseline.lesions:
        tu.append(
            {**tu_base, "TULNKID": lesion.id, "TUTESTCD": T.TUMIDENT[0], "TUTEST": T.TUMIDENT[1],
             "TUORRES": T.TUMOUR_ROLE[lesion.role.value], "TUSTRESC": T.TUMOUR_ROLE[lesion.role.value],
             "TULOC": lesion.organ.upper(), "TUMETHOD": method, "TUEVAL": "INVESTIGATOR",
             "VISITNUM": Visits.BASELINE[0], "VISIT": Visits.BASELINE[1], "TUDTC": iso(day0), "TUDY": study_day(day0, reference)}
        )  # fmt: skip
        tr.append(
            _measure(
                tr_base,
                lesion.id,
                lesion.role.value,
                lesion.longest_diameter_mm,
                "present",
                *Visits.BASELINE,
                day0,
                reference,
            )
        )
    images = sorted((i for i in forms.imaging if i.date), key=lambda i: i.date or dt.date.min)
    new_count = 0
    for k, image in enumerate(images, 1):
        number, visit = 200 + k, f"IMAGING {k}"
        for lesion_id, size in image.target_mm.items():
            tr.append(_measure(tr_base, lesion_id, "target", size, None, number, visit, image.date, reference))
        for lesion_id, state in image.non_target.items():
            tr.append(
                _measure(tr_base, lesion_id, "non_target", None, state.value, number, visit, image.date, reference)
            )
        details: list[NewLesion | None] = [*image.new_lesion_details] or ([None] if image.new_lesions else [])
        for detail in details:
            new_count += 1
            link = f"NEW{new_count}"
            tu.append(
                {**tu_base, "TULNKID": link, "TUTESTCD": T.TUMIDENT[0], "TUTEST": T.TUMIDENT[1], "TUORRES": "NEW",
                 "TUSTRESC": "NEW", "TULOC": (detail.organ if detail else "LIVER").upper(),
                 "TUMETHOD": image.modality.value.upper() if image.modality else None, "TUEVAL": "INVESTIGATOR",
                 "VISITNUM": number, "VISIT": visit, "TUDTC": iso(image.date), "TUDY": study_day(image.date, reference)}
            )  # fmt: skip
            tr.append(_measure(tr_base, link, "new", None, "present", number, visit, image.date, reference))
    try:
        result = evaluate_response(source.subject_id, baseline, forms.imaging, protocol)
    except DomainError as exc:
        problems.append(f"RS {source.subject_id}: RECIST not evaluable: {exc}")
        return tu, tr, rs
    visit_of = {image.date: (200 + k, f"IMAGING {k}") for k, image in enumerate(images, 1)}
    tr.append(_sum(tr_base, result.baseline_sum_mm, *Visits.BASELINE, result.baseline_date, reference))
    for point in result.timepoints:
        known = visit_of.get(point.date) if point.date else None
        if known is None:
            continue
        number, visit = known
        tr.append(_sum(tr_base, point.sum_mm, number, visit, point.date, reference))
        rs.append(
            _response(
                rs_base,
                T.OVRLRESP,
                T.RESPONSE[point.overall_response.value],
                "RECIST 1.1",
                number,
                visit,
                point.date,
                reference,
            )
        )
        if point.morphologic_response is not None:
            value = T.MORPHOLOGIC[point.morphologic_response.value]
            rs.append(_response(rs_base, T.MORPHRSP, value, "CHUN 2009", number, visit, point.date, reference))
    return tu, tr, rs


def _measure(
    base: Row, link: str, role: str, size: float | None, state: str | None,
    number: float, visit: str, day: dt.date | None, reference: dt.date | None,
) -> Row:  # fmt: skip
    if role == "target":
        test, result, unit = T.LDIAM, (None if size is None else f"{size:g}"), "mm"
        numeric = size
    else:
        test, result, unit = T.TUMSTATE, T.NON_TARGET_STATE.get(state or "", None), None
        numeric = None
    return {**base, "TRLNKID": link, "TRTESTCD": test[0], "TRTEST": test[1], "TRORRES": result,
            "TRORRESU": unit if result is not None else None, "TRSTRESC": result, "TRSTRESN": numeric,
            "TRSTRESU": unit if result is not None else None, "TRSTAT": None if result is not None else "NOT DONE",
            "TREVAL": "INVESTIGATOR", "VISITNUM": number, "VISIT": visit, "TRDTC": iso(day), "TRDY": study_day(day, reference)}  # fmt: skip


def _sum(base: Row, total: float | None, number: float, visit: str, day: dt.date, reference: dt.date | None) -> Row:
    result = None if total is None else f"{total:g}"
    return {**base, "TRLNKID": None, "TRTESTCD": T.SUMDIAM[0], "TRTEST": T.SUMDIAM[1], "TRORRES": result,
            "TRORRESU": "mm" if result else None, "TRSTRESC": result, "TRSTRESN": total,
            "TRSTRESU": "mm" if result else None, "TRSTAT": None if result else "NOT DONE", "TREVAL": "INVESTIGATOR",
            "VISITNUM": number, "VISIT": visit, "TRDTC": iso(day), "TRDY": study_day(day, reference)}  # fmt: skip


def _response(
    base: Row, test: tuple[str, str], value: str, criteria: str,
    number: float, visit: str, day: dt.date, reference: dt.date | None,
) -> Row:  # fmt: skip
    return {**base, "RSTESTCD": test[0], "RSTEST": test[1], "RSCAT": criteria, "RSORRES": value, "RSSTRESC": value,
            "RSEVAL": "INVESTIGATOR", "VISITNUM": number, "VISIT": visit, "RSDTC": iso(day), "RSDY": study_day(day, reference)}  # fmt: skip
