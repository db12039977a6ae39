"""The analysis tables of a synthetic cohort (Arrow), one per concept; columns in docs/synthetic-data.md.

Dates are Arrow ``date32``; missing values are nulls; categorical values are the contract's plain
strings (CTCAE terms, drug names, response and decision codes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from haictrial.protocol.schema import Protocol
from haictrial.synth import text as T
from haictrial.synth.course import CLAVIEN, PROCEDURES, R_STATUS, VITAL, Course
from haictrial.synth.imaging import NT_STATES, PHASES, ROLES
from haictrial.synth.patients import (
    ANALYTES,
    ASCITES,
    ENCEPHALOPATHY,
    MUTATION,
    PRIOR_SYSTEMIC,
    SEGMENTS,
    SEXES,
    SITES,
    Population,
    lab_units,
)
from haictrial.synth.screening import CRITERION_IDS, STATUS_LABELS, age_years
from haictrial.synth.treatment import (
    ACTIONS,
    AGENTS,
    CHEMO_SLOTS,
    END_REASONS,
    LAB_TESTS,
    MDT_DECISIONS,
)
from haictrial.vocabulary.enums import Attribution
from haictrial.vocabulary.units import canonical_unit

MDT_REASONS = [
    "metastases judged R0-resectable",
    "progression",
    "maximum HAIC cycles reached, not resectable",
    "responding or stable: continue HAIC",
]
SERIOUSNESS = ["", "life_threatening", "hospitalisation"]
SITE_TZ_OFFSET_HOURS = 8  # Asia/Shanghai (protocol setting site_time_zone), no daylight saving


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    mask = None if missing is None else np.asarray(missing, dtype=bool)
    return pa.array(values, type=pa.date32(), mask=mask)


def cats(labels: Sequence[str | None], codes: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """A categorical column, dictionary-encoded (``labels[code]``; a None label or ``missing`` is null).
    Repeated labels share one dictionary entry (pandas needs unique categories)."""
    codes = np.asarray(codes, dtype=np.int64)
    unique: dict[str, int] = {}
    remap = np.empty(max(len(labels), 1), dtype=np.int32)
    for i, label in enumerate(labels):
        remap[i] = -1 if label is None else unique.setdefault(label, len(unique))
    mapped = remap[codes] if len(codes) else np.zeros(0, dtype=np.int32)
    mask = mapped < 0
    if missing is not None:
        mask |= np.asarray(missing, dtype=bool)
    indices = pa.array(np.where(mask, 0, mapped).astype(np.int32), pa.int32(), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(unique), pa.string()))


def nums(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    mask = np.isnan(values) if missing is None else (np.asarray(missing, dtype=bool) | np.isnan(values))
    return pa.array(values, type=pa.float64(), mask=mask if mask.any() else None)


def ints(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    mask = None if missing is None or not np.any(missing) else np.asarray(missing, dtype=bool)
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=mask)


def bools(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    mask = None if missing is None or not np.any(missing) else np.asarray(missing, dtype=bool)
    return pa.array(np.asarray(values, dtype=bool), type=pa.bool_(), mask=mask)


def screening_table(pop: Population, statuses: np.ndarray, eligible: np.ndarray) -> pa.Table:
    """One row per screened patient: the document's fields as reported, and the screening verdict."""
    c, miss = pop.cols, pop.is_missing
    owner = pop.lesions.owner
    count = np.bincount(owner, minlength=pop.n)
    largest = np.zeros(pop.n)
    np.maximum.at(largest, owner, pop.lesion_mm)
    cols: dict[str, pa.Array] = {
        "subject_id": pop.subject_ids,
        "screening_date": dates(c["screening_day"], miss("screening_date")),
        "birth_date": dates(c["birth_day"], miss("birth_date")),
        "age_years": ints(age_years(c["birth_day"], c["screening_day"]), miss("birth_date")),
        "sex": cats(SEXES, c["sex"], miss("sex")),
        "height_cm": nums(c["height_cm"], miss("height_cm")),
        "weight_kg": nums(c["weight_kg"], miss("weight_kg")),
        "ecog": ints(c["ecog"], miss("ecog")),
        "lvef_percent": nums(c["lvef_percent"], miss("lvef_percent")),
        "fev1_fvc_percent": nums(c["fev1_fvc_percent"], miss("fev1_fvc_percent")),
        "pathology_confirmed_crlm": bools(c["pathology_confirmed_crlm"], miss("pathology_confirmed_crlm")),
        "other_malignancy_history": bools(c["other_malignancy_history"], miss("other_malignancy_history")),
        "prior_systemic_treatment": cats(
            PRIOR_SYSTEMIC, c["prior_systemic_treatment"], miss("prior_systemic_treatment")
        ),
        "primary_site": cats(SITES, c["site"]),
        "primary_resected": bools(c["primary_resected"]),
        "primary_completely_resectable": bools(c["primary_completely_resectable"]),
        "kras": cats(MUTATION, c["kras"]),
        "nras": cats(MUTATION, c["nras"]),
        "braf": cats(MUTATION, c["braf"]),
        "n_liver_lesions": ints(count, miss("liver_lesions")),
        "largest_lesion_mm": nums(largest, miss("liver_lesions")),
        "extrahepatic_metastasis": bools(c["extrahepatic_metastasis"], miss("extrahepatic_metastasis")),
        "peritoneal_spread": bools(c["peritoneal_spread"], miss("peritoneal_spread")),
        "ascites": cats(ASCITES, c["ascites"], miss("ascites")),
        "hepatic_encephalopathy": cats(ENCEPHALOPATHY, c["hepatic_encephalopathy"], miss("hepatic_encephalopathy")),
    }
    for analyte in ANALYTES:
        gone = miss(f"labs.{analyte}")
        cols[f"{analyte}_value"] = nums(pop.lab_value[analyte], gone)
        cols[f"{analyte}_unit"] = cats([u for u, _, _ in lab_units(analyte)], pop.lab_unit[analyte], gone)
    for name in ("medical_history", "allergies", "unable_to_tolerate", "prior_liver_directed_treatment"):
        lf = pop.lists[name]
        cols[f"n_{name}"] = ints(np.bincount(lf.owner, minlength=pop.n), miss(name))
    cols["data_complete"] = bools(c["data_complete"], miss("data_complete"))
    for i, cid in enumerate(CRITERION_IDS):
        cols[cid] = cats(STATUS_LABELS, statuses[i])
    cols["eligible"] = bools(eligible == 1, eligible < 0)
    cols["screening_outcome"] = cats(["ineligible", "eligible", "undetermined"], np.where(eligible < 0, 2, eligible))
    failed = [T.categories(["", cid + " "], (statuses[i] == 1).astype(np.int8)) for i, cid in enumerate(CRITERION_IDS)]
    joined = pc.utf8_rtrim(pc.replace_substring(pc.binary_join_element_wise(*failed, ""), '"', ""), " ")
    cols["failed_criteria"] = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    cols["enrolled"] = bools(eligible == 1)
    return pa.table(cols)


def course_tables(pop: Population, course: Course, protocol: Protocol) -> dict[str, pa.Table]:
    """subjects, cycles, administrations, labs, adverse_events, assessments, lesion_measurements, mdt,
    resections, follow_up."""
    subj, tr, img = course.subjects, course.treatment, course.imaging
    ids = pa.array(subj.ids, pa.string())

    def sid(index: np.ndarray) -> pa.Array:
        """Subject ids of the rows: dictionary-encoded (the large per-cycle and per-lesion tables)."""
        return pa.DictionaryArray.from_arrays(pa.array(np.asarray(index, dtype=np.int32)), ids)

    def plain_sid(index: np.ndarray) -> pa.Array:
        """Subject ids as plain strings (the tables with a few rows per subject)."""
        return ids.take(pa.array(np.asarray(index, dtype=np.int64)))

    c = pop.cols
    idx = subj.idx
    fu = course.follow_up
    res = course.resections
    resected = np.zeros(subj.n, dtype=bool)
    resected[res["subject"]] = True
    r_status = np.full(subj.n, -1)
    r_status[res["subject"]] = res["r_status"]
    right = np.array([protocol.is_right_sided(_site(s)) for s in range(len(SITES))])[c["site"][idx]]
    count = np.bincount(pop.lesions.owner, minlength=pop.n)[idx]
    largest = np.zeros(pop.n)
    np.maximum.at(largest, pop.lesions.owner, pop.lesion_mm)
    out: dict[str, pa.Table] = {}
    out["subjects"] = pa.table(
        {
            "subject_id": ids,
            "screening_date": dates(subj.screening_day),
            "enrolment_date": dates(subj.enrol_day),
            "cycle_1_date": dates(subj.cycle1_day),
            "sex": cats(SEXES, c["sex"][idx]),
            "age_years": ints(age_years(c["birth_day"][idx], c["screening_day"][idx])),
            "primary_site": cats(SITES, c["site"][idx]),
            "right_sided": bools(right),
            "kras": cats(MUTATION, c["kras"][idx]),
            "nras": cats(MUTATION, c["nras"][idx]),
            "braf": cats(MUTATION, c["braf"][idx]),
            "targeted_agent": cats(AGENTS, subj.agent),
            "targeted_agent_reason": pa.array(subj.agent_reason, pa.string()),
            "height_cm": nums(subj.height_cm),
            "weight_kg": nums(subj.weight_kg),
            "bsa_m2": nums(np.floor(subj.bsa_m2 * 100 + 0.5) / 100),
            "n_liver_lesions": ints(count),
            "largest_lesion_mm": nums(largest[idx]),
            "cycles_given": ints(tr.cycles_given),
            "end_of_treatment_date": dates(fu["end_of_treatment_day"]),
            "end_of_treatment_reason": cats(END_REASONS, fu["end_of_treatment_reason"]),
            "resected": bools(resected),
            "r_status": cats([*R_STATUS, None], np.where(r_status < 0, len(R_STATUS), r_status)),
        }
    )
    cy = tr.cycles
    cycle_cols: dict[str, pa.Array] = {
        "subject_id": sid(cy["subject"]),
        "cycle": ints(cy["cycle"]),
        "date": dates(cy["day"]),
        "delay_days": ints(cy["delay_days"]),
        "modification": cats(tr.modification_texts, cy["modification"]),
        "dose_modified": bools(cy["dose_modified"]),
        "bsa_m2": nums(cy["bsa_m2"]),
        "targeted_agent": cats(AGENTS, subj.agent[cy["subject"]]),
    }
    for s in CHEMO_SLOTS:
        cycle_cols[f"planned_{s.value}_mg"] = nums(cy[f"planned_{s.value}_mg"])
        cycle_cols[f"given_{s.value}_mg"] = nums(cy[f"given_{s.value}_mg"])
        cycle_cols[f"dose_level_{s.value}"] = ints(cy[f"dose_level_{s.value}"], cy[f"dose_level_{s.value}"] < 0)
    cycle_cols["fluorouracil_infusion_rate_mg_per_h"] = nums(
        cy["fluorouracil_infusion_rate_mg_per_h"], np.isnan(cy["planned_fluorouracil_infusion_mg"])
    )
    cycle_cols["infusion_stopped_early"] = bools(cy["infusion_stopped_early"])
    out["cycles"] = pa.table(cycle_cols)

    ad = tr.administrations
    if ad:
        order = np.lexsort((ad["day"], ad["subject"]))
        ad = {k: v[order] for k, v in ad.items()}
        out["administrations"] = pa.table(
            {
                "subject_id": sid(ad["subject"]),
                "cycle": ints(ad["cycle"]),
                "cycle_day": ints(ad["cycle_day"]),
                "date": dates(ad["day"]),
                "drug": cats(AGENTS, ad["drug"]),
                "route": cats(["intravenous"], np.zeros(len(ad["day"]), dtype=np.int8)),
                "prescribed_dose": nums(ad["prescribed_dose"]),
                "dose_unit": cats(["", "mg/kg", "mg/m2"], ad["drug"]),
                "dose_level": ints(ad["dose_level"]),
                "planned_dose_mg": nums(ad["planned_dose_mg"]),
                "given_dose_mg": nums(ad["given_dose_mg"]),
            }
        )
    else:
        out["administrations"] = _empty(["subject_id", "cycle", "cycle_day", "date", "drug"])

    lb = tr.labs
    units = [canonical_unit(t) for t in LAB_TESTS]
    out["labs"] = pa.table(
        {
            "subject_id": sid(lb["subject"]),
            "cycle": ints(lb["cycle"]),
            "date": dates(lb["day"]),
            "test": cats(LAB_TESTS, lb["test"]),
            "value": nums(lb["value"]),
            "unit": cats(units, lb["test"]),
        }
    )

    ae = tr.adverse_events
    out["adverse_events"] = _ae_table(ae, sid, tr.terms, course)
    out["assessments"] = _assessments(img.assessments, sid)
    out["lesion_measurements"] = _lesions(img.lesions, sid)
    md = tr.mdt
    order = np.lexsort((md["day"], md["subject"]))
    md = {k: v[order] for k, v in md.items()}
    out["mdt"] = pa.table(
        {
            "subject_id": plain_sid(md["subject"]),
            "date": dates(md["day"]),
            "assessment_date": dates(md["assessment_day"]),
            "after_cycle": ints(md["after_cycle"]),
            "decision": cats(MDT_DECISIONS, md["decision"]),
            "reason": cats(MDT_REASONS, md["reason"]),
        }
    )
    out["resections"] = pa.table(
        {
            "subject_id": plain_sid(res["subject"]),
            "mdt_date": dates(res["mdt_day"]),
            "date": dates(res["day"]),
            "procedure": cats(PROCEDURES, res["procedure"]),
            "r_status": cats(R_STATUS, res["r_status"]),
            "margin_mm": nums(res["margin_mm"]),
            "clavien_dindo": cats(CLAVIEN, res["clavien_dindo"]),
            "length_of_stay_days": ints(res["length_of_stay_days"]),
        }
    )
    out["follow_up"] = pa.table(
        {
            "subject_id": ids,
            "enrolment_date": dates(fu["enrolment_day"]),
            "end_of_treatment_date": dates(fu["end_of_treatment_day"]),
            "end_of_treatment_reason": cats(END_REASONS, fu["end_of_treatment_reason"]),
            "progression_date": dates(fu["progression_day"], fu["progression_day"] < 0),
            "recurrence_date": dates(fu["recurrence_day"], fu["recurrence_day"] < 0),
            "death_date": dates(fu["death_day"], fu["death_day"] < 0),
            "last_known_alive_date": dates(fu["last_known_alive_day"]),
            "vital_status": cats(VITAL, fu["vital_status"]),
            "os_months": nums(np.round(fu["os_months"], 2)),
            "os_event": bools(fu["os_event"]),
            "pfs_months": nums(np.round(fu["pfs_months"], 2)),
            "pfs_event": bools(fu["pfs_event"]),
        }
    )
    return out


def _site(code: int):  # type: ignore[no-untyped-def]
    from haictrial.vocabulary.enums import PrimarySite

    return PrimarySite(SITES[code])


def _empty(names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.string()) for n in names})


def _ae_table(ae: dict[str, np.ndarray], sid, terms: list[str], course: Course) -> pa.Table:  # type: ignore[no-untyped-def]
    order = np.lexsort((ae["term"], ae["onset_day"], ae["subject"]))
    ae = {k: v[order] for k, v in ae.items()}
    limit = np.where(
        course.follow_up["death_day"] >= 0, course.follow_up["death_day"], course.follow_up["last_known_alive_day"] + 1
    )
    resolution = ae["onset_day"] + ae["duration_days"]
    unresolved = resolution >= limit[ae["subject"]]
    serious = ae["seriousness"] > 0
    hours = ae["aware_hours"]
    aware_ts = ae["onset_day"].astype(np.int64) * 86400 + (hours * 3600).astype(np.int64)
    report = np.where(ae["late"], hours + 24 + ae["report_hours"] * 3, ae["report_hours"])
    reported_ts = aware_ts + (report * 3600).astype(np.int64)
    outcome = np.where(unresolved, np.where(course.follow_up["death_day"][ae["subject"]] >= 0, 2, 1), 0)
    return pa.table(
        {
            "subject_id": sid(ae["subject"]),
            "cycle": ints(ae["cycle"]),
            "term": cats(terms, ae["term"]),
            "grade": ints(ae["grade"]),
            "onset_date": dates(ae["onset_day"]),
            "resolution_date": dates(resolution, unresolved),
            "serious": bools(serious),
            "seriousness": cats(SERIOUSNESS, ae["seriousness"], ~serious),
            "attribution_haic": cats(
                [Attribution.possible.value, Attribution.probable.value], (ae["grade"] >= 3).astype(np.int8)
            ),
            "action_taken": cats(ACTIONS, ae["action"]),
            "outcome": cats(["recovered", "recovering", "not_recovered"], outcome),
            "aware_at": _timestamps(aware_ts, ~serious),
            "reported_at": _timestamps(reported_ts, ~serious),
        }
    )


def _timestamps(seconds: np.ndarray, missing: np.ndarray) -> pa.Array:
    values = (np.asarray(seconds, dtype=np.int64) * 1000).astype("datetime64[ms]")
    return pa.array(values, type=pa.timestamp("ms", tz="UTC"), mask=np.asarray(missing, dtype=bool))


def _assessments(a: dict[str, np.ndarray], sid) -> pa.Table:  # type: ignore[no-untyped-def]
    return pa.table(
        {
            "subject_id": sid(a["subject"]),
            "assessment_no": ints(a["assessment_no"]),
            "date": dates(a["day"]),
            "phase": cats(PHASES, a["phase"]),
            "target_sum_mm": nums(a["target_sum_mm"]),
            "new_lesions": bools(a["new_lesions"]),
        }
    )


def _lesions(m: dict[str, np.ndarray], sid) -> pa.Table:  # type: ignore[no-untyped-def]
    lesion = pc.if_else(
        pa.array(m["role"] == 1), pa.scalar("NT1"), pc.binary_join_element_wise("L", T.integers(m["lesion_no"]), "")
    )
    return pa.table(
        {
            "subject_id": sid(m["subject"]),
            "assessment_no": ints(m["assessment_no"]),
            "date": dates(m["day"]),
            "lesion_id": lesion,
            "role": cats(ROLES, m["role"]),
            "organ": cats(["liver"], np.zeros(len(m["day"]), dtype=np.int8)),
            "segment": cats([*SEGMENTS, None], np.where(m["segment"] < 0, len(SEGMENTS), m["segment"])),
            "diameter_mm": nums(m["diameter_mm"]),
            "state": cats([*NT_STATES, None], np.where(m["state"] < 0, len(NT_STATES), m["state"])),
        }
    )
