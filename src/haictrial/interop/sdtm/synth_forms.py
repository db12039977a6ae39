"""A synthetic course (``SyntheticCohort.course(id)``) as eCRF payloads, without Django.

The same entries the EDC's demo loader (:mod:`haictrial.edc.crfs.demo`) makes from a course, up to the
cohort's data cut-off, so that ``--from-synth`` and the demo database give the same typed records
(:class:`~haictrial.clinical.crf_models.SubjectForms`); only the values the generator does not model and
the demo draws at random (CEA, CA 19-9, FVC, the FLR, regression grades) are left unrecorded here.
Infusion clock times start at 08:00 in the protocol's site time zone (setting ``site_time_zone``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from haictrial.clinical.follow_up import follow_up_schedule
from haictrial.protocol.schema import Protocol

INFUSION_START = dt.time(8, 0)
_MDT = {"resect": "resect", "continue_haic": "continue_conversion", "discontinue": "not_resectable"}
_DRUGS = (
    ("oxaliplatin", None, "oxaliplatin"),
    ("leucovorin", None, "leucovorin"),
    ("fluorouracil", "bolus", "fluorouracil_bolus"),
    ("fluorouracil", "infusion", "fluorouracil_infusion"),
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else None


def _lesions(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": m["lesion_id"],
            "organ": m["organ"] or "liver",
            "segments": [m["segment"]] if m["segment"] else ["S4"],
            "longest_diameter_mm": m["diameter_mm"],
            "role": "target" if m["role"] == "target" else "non_target",
        }
        for m in course["lesion_measurements"]
        if m["assessment_no"] == 0 and m["role"] in ("target", "non_target")
    ]


def _baseline(course: dict[str, Any]) -> dict[str, Any]:
    screen, subject = course["screening"], course["subjects"][0]
    first = next((a for a in course["assessments"] if a["assessment_no"] == 0), None)
    return {
        "visit_date": screen.get("screening_date"),
        "demographics": {
            "sex": screen.get("sex"),
            "height_cm": subject.get("height_cm") or screen.get("height_cm"),
            "weight_kg": subject.get("weight_kg") or screen.get("weight_kg"),
        },
        "primary_tumour": {
            "site": screen.get("primary_tumor", {}).get("site"),
            "resected": screen.get("primary_tumor", {}).get("resected"),
            "histology": "adenocarcinoma",
        },
        "molecular": {**{g: screen.get("molecular", {}).get(g) for g in ("kras", "nras", "braf")}, "msi": "mss"},
        "baseline_imaging_date": _iso(first["date"]) if first else None,
        "baseline_imaging_modality": "ct",
        "lesions": _lesions(course),
        "comorbidities": [],
        "ecog": screen.get("ecog"),
        "lvef_percent": screen.get("lvef_percent"),
    }


def _labs(rows: list[dict[str, Any]], fallback: dict[str, Any] | None, day: dt.date | None) -> dict[str, Any]:
    if rows:
        out: dict[str, Any] = {"date": _iso(max(r["date"] for r in rows))}
        for row in rows:
            out[row["test"]] = {"value": row["value"], "unit": row["unit"]}
        return out
    if fallback:
        return {"date": _iso(day), **fallback}
    return {}


def _cycle(course: dict[str, Any], row: dict[str, Any], protocol: Protocol, zone: ZoneInfo) -> dict[str, Any]:
    day: dt.date = row["date"]
    number = row["cycle"]
    regimen = {(c.drug.value, c.component): c for c in protocol.regimen.chemotherapy}
    start = dt.datetime.combine(day, INFUSION_START, tzinfo=zone)
    infusions = []
    for drug, component, key in _DRUGS:
        planned, given = row.get(f"planned_{key}_mg"), row.get(f"given_{key}_mg")
        if planned is None and given is None:
            continue
        timing = regimen[(drug, component)]
        infusion: dict[str, Any] = {
            "drug": drug,
            "component": component,
            "planned_dose_mg": planned,
            "planned_dose_level": row.get(f"dose_level_{key}"),
            "given_dose_mg": given,
            "start_at": (start + dt.timedelta(hours=timing.start_h)).isoformat(),
            "stop_at": (start + dt.timedelta(hours=timing.end_h)).isoformat(),
        }
        if planned and given is not None and abs(given - planned) * 10 > planned:
            infusion["deviation_reason"] = (
                "infusion stopped early" if row.get("infusion_stopped_early") else "dose changed by the investigator"
            )
        if row.get("modification") and row.get(f"dose_level_{key}"):
            infusion["planned_dose_modification"] = row["modification"]
        infusions.append(infusion)
    end = max(regimen[(d, c)].end_h for d, c, _ in _DRUGS)
    previous = [r for r in course["labs"] if r["cycle"] == number - 1 and r["date"] <= day]
    screening = course["screening"]
    first = number == 1
    return {
        "cycle": number,
        "admission_date": _iso(day),
        "discharge_date": _iso(day + dt.timedelta(days=3)),
        "procedure": {
            "access_site": "right_femoral",
            "sheath_fr": 5,
            "catheter_fr": 3.5,
            "coeliac_trunk_angiography": True,
            "sma_angiography": True,
            "microcatheter_fr": 2.7,
            "microcatheter_position": "proper_hepatic_artery",
            "collaterals": [],
        },
        "infusions": infusions,
        "catheter_removed_at": (start + dt.timedelta(hours=end + 1)).isoformat(),
        "complications": [],
        "pre_cycle_labs": _labs(
            previous,
            screening.get("labs") if first else None,
            dt.date.fromisoformat(screening["screening_date"]) if first else None,
        ),
        "weight_kg": course["subjects"][0].get("weight_kg"),
    }


def _adverse_event(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    resolved = row["resolution_date"] if row["resolution_date"] and row["resolution_date"] <= today else None
    outcome = row["outcome"] if resolved or row["outcome"] != "recovered" else "recovering"
    form: dict[str, Any] = {
        "term": row["term"],
        "grade": row["grade"],
        "onset_date": _iso(row["onset_date"]),
        "resolution_date": _iso(resolved),
        "action_taken": row["action_taken"],
        "outcome": outcome,
        "attribution": {"haic_procedure": row["attribution_haic"]} if row["attribution_haic"] else {},
    }
    if row["serious"] and row["seriousness"]:
        form.update(
            seriousness=[row["seriousness"]], aware_at=_iso(row["aware_at"]), reported_at=_iso(row["reported_at"])
        )
    return form


def _imaging(course: dict[str, Any], cycle_dates: dict[int, dt.date], today: dt.date) -> list[dict[str, Any]]:
    forms = []
    for assessment in course["assessments"]:
        if assessment["assessment_no"] == 0 or assessment["date"] > today:
            continue
        rows = [m for m in course["lesion_measurements"] if m["assessment_no"] == assessment["assessment_no"]]
        after = [n for n, d in cycle_dates.items() if d < assessment["date"]]
        form: dict[str, Any] = {
            "date": _iso(assessment["date"]),
            "modality": "ct",
            "target_mm": {m["lesion_id"]: m["diameter_mm"] for m in rows if m["role"] == "target"},
            "non_target": {m["lesion_id"]: m["state"] for m in rows if m["role"] == "non_target" and m["state"]},
            "new_lesions": bool(assessment["new_lesions"]),
        }
        if after and assessment["phase"] == "treatment":
            form["after_cycle"] = max(after)
        forms.append(form)
    return forms


def _resection(row: dict[str, Any], lesions: list[dict[str, Any]]) -> dict[str, Any]:
    segments = sorted({s for lesion in lesions for s in lesion["segments"]})
    if row["procedure"] == "major_hepatectomy" and len(segments) < 3:
        segments = sorted(set(segments) | {"S5", "S6", "S7", "S8"})
    residual = row["r_status"] == "R2"
    complications = []
    if row["clavien_dindo"] not in (None, "none"):
        complications.append(
            {
                "description": "postoperative complication",
                "grade": row["clavien_dindo"],
                "onset_date": _iso(row["date"]),
            }
        )
    return {
        "date": _iso(row["date"]),
        "approach": "open",
        "stage": 1 if row["procedure"] == "two_stage_hepatectomy" else None,
        "segments_resected": segments,
        "anatomical": row["procedure"] == "major_hepatectomy",
        "ablation": False,
        "macroscopic_residual": residual,
        "pathology": {"lesions_resected": max(len(lesions), 1), "margin_mm": None if residual else row["margin_mm"]},
        "complications": complications,
    }


def _follow_up(
    course: dict[str, Any], today: dt.date, protocol: Protocol
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    if not course["follow_up"]:
        return [], None
    row = course["follow_up"][0]
    end = row["end_of_treatment_date"]
    if end is None or end > today:
        return [], None
    death = row["death_date"] if row["death_date"] and row["death_date"] <= today else None
    last_alive = min(row["last_known_alive_date"] or today, today)
    pending = [(k, d) for k, d in (("progression", row["progression_date"]), ("recurrence", row["recurrence_date"]))]
    pending = [(k, d) for k, d in pending if d and d <= today]
    visits: list[dict[str, Any]] = []
    for due in follow_up_schedule(end, protocol):
        if due.date > (death or last_alive):
            break
        visit: dict[str, Any] = {"date": _iso(due.date), "vital_status": "alive"}
        for kind, day in list(pending):
            if day <= due.date:
                visit.update(disease_event=kind, event_date=_iso(day), event_sites=["liver"])
                pending.remove((kind, day))
                break
        visits.append(visit)
    if death is not None:
        visits.append(
            {
                "date": _iso(death),
                "vital_status": "dead",
                "death_date": _iso(death),
                "death_cause": "disease_progression",
            }
        )
        return visits, {"date": _iso(death), "reason": "death", "death_date": _iso(death)}
    if row["end_of_treatment_reason"] == "withdrawal":
        return visits, {"date": _iso(end), "reason": "withdrawal_of_consent"}
    return visits, None


def course_document(course: dict[str, Any], today: dt.date, protocol: Protocol) -> dict[str, Any]:
    """The :class:`SubjectForms` document of one synthetic course, with every record up to ``today``."""
    zone = ZoneInfo(protocol.settings.site_time_zone.value)
    subject = course["subjects"][0]
    baseline = _baseline(course)
    done = [r for r in course["cycles"] if r["date"] <= today]
    visits, end_of_study = _follow_up(course, today, protocol)
    document: dict[str, Any] = {
        "subject_id": subject["subject_id"],
        "enrolment_date": _iso(subject["enrolment_date"]),
        "baseline": baseline,
        "haic_cycles": [_cycle(course, r, protocol, zone) for r in done],
        "targeted_agent": [
            {
                "drug": r["drug"],
                "cycle": r["cycle"],
                "day": r["cycle_day"],
                "date": _iso(r["date"]),
                "planned_dose_mg": r["planned_dose_mg"],
                "given_dose_mg": r["given_dose_mg"],
            }
            for r in course["administrations"]
            if r["date"] <= today
        ],
        "adverse_events": [_adverse_event(r, today) for r in course["adverse_events"] if r["onset_date"] <= today],
        "imaging": _imaging(course, {r["cycle"]: r["date"] for r in done}, today),
        "mdt_reviews": [
            {
                "date": _iso(r["date"]),
                "imaging_date": _iso(r["assessment_date"]),
                "decision": _MDT.get(r["decision"], "not_resectable"),
                "reason": r["reason"],
                "r0_achievable": r["decision"] == "resect",
            }
            for r in course["mdt"]
            if r["date"] <= today
        ],
        "resections": [_resection(r, baseline["lesions"]) for r in course["resections"] if r["date"] <= today],
        "follow_up": visits,
        "end_of_study": end_of_study,
    }
    return _clean(document)


def _clean(value: Any) -> Any:
    """Drop nulls (absent = not recorded), as the demo loader does."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
