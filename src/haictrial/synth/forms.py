"""One synthetic course (``SyntheticCohort.course(id)``) as the eCRF payloads a site would enter, without Django.

The one mapping from a course of :func:`haictrial.synth.cohort.generate_cohort` to eCRF payloads, form by
form, up to ``today``: Baseline, HAIC cycles (doses as planned and given, pre-cycle labs, the protocol's
technique), targeted-agent administrations, adverse events, imaging (target sizes, non-target states),
MDT reviews, resection, follow-up and end of study. The EDC's demo loader
(:mod:`haictrial.edc.crfs.demo`) saves these payloads; the exports' ``--from-synth`` parse the same
payloads as :class:`~haictrial.clinical.crf_models.SubjectForms` (:func:`course_document`), so that the
demo database and a synthetic cohort give the same records.

Everything is synthetic (docs/architecture.md: nothing of real patients). Values the generator does not model are
filled as a clean synthetic record would have them (the protocol's catheter sizes, no comorbidity, no
procedure complication), or drawn from ``rng`` (:func:`course_rng`, seeded by the subject) where a number
is needed (CEA and CA 19-9, FVC with FEV1 from the screening FEV1/FVC, the FLR at each MDT review,
regression grades). An infusion still running at ``now`` has no stop time yet.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_models import FORM_ATTRIBUTES
from haictrial.clinical.follow_up import follow_up_schedule
from haictrial.clinical.haic_procedure import dose_deviation_reason_percent, needs_deviation_reason
from haictrial.clinical.surgery import is_major_hepatectomy
from haictrial.protocol.schema import Protocol

#: the infusion's clock start on the day of the admission (site time)
INFUSION_START = dt.time(8, 0)
_MDT = {"resect": "resect", "continue_haic": "continue_conversion", "discontinue": "not_resectable"}
_DRUGS = (
    ("oxaliplatin", None, "oxaliplatin"),
    ("leucovorin", None, "leucovorin"),
    ("fluorouracil", "bolus", "fluorouracil_bolus"),
    ("fluorouracil", "infusion", "fluorouracil_infusion"),
)

Entry = tuple[FormName, dict[str, Any]]


def course_rng(seed: int, subject_id: str) -> random.Random:
    """The random source of one subject's unmodelled values (the same for the demo and the exports)."""
    return random.Random(f"{seed}:{subject_id}")


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else None


def clean(value: Any) -> Any:
    """Drop nulls (absent = not recorded) from a payload."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


class _Clock:
    """Site clock times of a course: infusion moments, and whether they have happened by ``now``."""

    def __init__(self, zone: dt.tzinfo, now: dt.datetime) -> None:
        self.zone, self.now = zone, now

    def at(self, day: dt.date, hours: float) -> dt.datetime:
        return dt.datetime.combine(day, INFUSION_START, tzinfo=self.zone) + dt.timedelta(hours=hours)

    def past(self, moment: dt.datetime) -> str | None:
        """A clock time that has happened; None (not yet recorded) while an infusion is still running."""
        return moment.isoformat() if moment <= self.now else None


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


def baseline_form(course: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    screen, subject = course["screening"], course["subjects"][0]
    first = next((a for a in course["assessments"] if a["assessment_no"] == 0), None)
    fvc = round(rng.uniform(2.4, 4.6), 2)
    ratio = screen.get("fev1_fvc_percent")
    return {
        "visit_date": screen.get("screening_date"),
        "demographics": {
            "birth_date": screen.get("birth_date"),
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
        "tumour_markers": {
            "date": screen.get("screening_date"),
            "cea_ng_per_ml": round(rng.lognormvariate(3.0, 1.2), 1),
            "ca19_9_u_per_ml": round(rng.lognormvariate(4.0, 1.3), 1),
        },
        "baseline_imaging_date": _iso(first["date"]) if first else None,
        "baseline_imaging_modality": "ct",
        "lesions": _lesions(course),
        "comorbidities": [],
        "ecog": screen.get("ecog"),
        "lvef_percent": screen.get("lvef_percent"),
        "spirometry": {
            "date": screen.get("screening_date"),
            "fvc_l": fvc,
            "fev1_l": round(fvc * ratio / 100, 2) if isinstance(ratio, int | float) else None,
        },
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


def cycle_form(
    course: dict[str, Any], row: dict[str, Any], today: dt.date, protocol: Protocol, clock: _Clock
) -> dict[str, Any]:
    day: dt.date = row["date"]
    number = row["cycle"]
    regimen = {(c.drug.value, c.component): c for c in protocol.regimen.chemotherapy}
    deviation_percent = dose_deviation_reason_percent(protocol)
    infusions = []
    for drug, component, key in _DRUGS:
        planned, given = row.get(f"planned_{key}_mg"), row.get(f"given_{key}_mg")
        if planned is None and given is None:
            continue
        timing = regimen[(drug, component)]
        infusion: dict[str, Any] = {
            "drug": drug,
            "planned_dose_mg": planned,
            "planned_dose_level": row.get(f"dose_level_{key}"),
            "given_dose_mg": given,
            "start_at": clock.at(day, timing.start_h).isoformat(),
            "stop_at": clock.past(clock.at(day, timing.end_h)),
        }
        if component:
            infusion["component"] = component
        if planned and given is not None and needs_deviation_reason(planned, given, deviation_percent):
            infusion["deviation_reason"] = (
                "infusion stopped early" if row.get("infusion_stopped_early") else "dose changed by the investigator"
            )
        infusions.append({k: v for k, v in infusion.items() if v is not None})
    end = max(regimen[(d, c)].end_h for d, c, _ in _DRUGS)
    previous = [r for r in course["labs"] if r["cycle"] == number - 1 and r["date"] <= day]
    screening_labs = course["screening"].get("labs") if number == 1 else None
    screening_day = dt.date.fromisoformat(course["screening"]["screening_date"]) if number == 1 else None
    form: dict[str, Any] = {
        "cycle": number,
        "admission_date": _iso(day),
        "discharge_date": _iso(min(day + dt.timedelta(days=3), today)),
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
        "catheter_removed_at": clock.past(clock.at(day, end + 1)),
        "complications": [],
        "pre_cycle_labs": _labs(previous, screening_labs, screening_day),
        "weight_kg": course["subjects"][0].get("weight_kg"),
    }
    if row.get("modification"):
        for infusion in infusions:
            if infusion.get("planned_dose_level"):
                infusion["planned_dose_modification"] = row["modification"]
    return form


def targeted_form(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "drug": row["drug"],
        "cycle": row["cycle"],
        "day": row["cycle_day"],
        "date": _iso(row["date"]),
        "planned_dose_mg": row["planned_dose_mg"],
        "given_dose_mg": row["given_dose_mg"],
    }


def adverse_event_form(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
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
        form["seriousness"] = [row["seriousness"]]
        form["aware_at"] = _iso(row["aware_at"])
        form["reported_at"] = _iso(row["reported_at"])
    return {k: v for k, v in form.items() if v is not None}


def imaging_forms(course: dict[str, Any], cycle_dates: dict[int, dt.date], today: dt.date) -> list[dict[str, Any]]:
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


def mdt_form(row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    decision = _MDT.get(row["decision"], "not_resectable")
    form: dict[str, Any] = {
        "date": _iso(row["date"]),
        "imaging_date": _iso(row["assessment_date"]),
        "decision": decision,
        "reason": row["reason"],
        "r0_achievable": decision == "resect",
        "flr_percent": round(rng.uniform(32, 60), 1),
    }
    if decision == "resect":
        form.update(
            cirrhosis=False,
            extensive_chemotherapy=False,
            remnant_contiguous_segments=rng.randint(3, 5),
            remnant_inflow_preserved=True,
            remnant_outflow_preserved=True,
            remnant_biliary_drainage_preserved=True,
        )
    return form


def resection_form(row: dict[str, Any], lesions: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    segments = sorted({s for lesion in lesions for s in lesion["segments"]})
    if row["procedure"] == "major_hepatectomy" and not is_major_hepatectomy(segments):
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
        "pathology": {
            "lesions_resected": max(len(lesions), 1),
            "margin_mm": None if residual else row["margin_mm"],
            "lesion_trgs": [rng.randint(1, 4) for _ in range(max(len(lesions), 1))],
        },
        "complications": complications,
    }


def follow_up_forms(
    course: dict[str, Any], today: dt.date, protocol: Protocol
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Follow-up visits every ``follow_up_every_months`` from the end of treatment up to today (or death),
    and the end of study when the subject died or withdrew."""
    if not course["follow_up"]:
        return [], None
    row = course["follow_up"][0]
    end = row["end_of_treatment_date"]
    if end is None or end > today:
        return [], None
    death = row["death_date"] if row["death_date"] and row["death_date"] <= today else None
    last_alive = min(row["last_known_alive_date"] or today, today)
    events = [("progression", row["progression_date"]), ("recurrence", row["recurrence_date"])]
    pending = [(kind, day) for kind, day in events if day and day <= today]
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


def course_entries(
    course: dict[str, Any],
    today: dt.date,
    protocol: Protocol,
    *,
    rng: random.Random,
    zone: dt.tzinfo,
    now: dt.datetime,
) -> list[Entry]:
    """Every eCRF of ``course`` up to ``today`` as (form, payload without nulls), in entry order."""
    clock = _Clock(zone, now)
    entries: list[Entry] = [(FormName.baseline, baseline_form(course, rng))]
    cycle_dates: dict[int, dt.date] = {}
    for row in course["cycles"]:
        if row["date"] <= today:
            cycle_dates[row["cycle"]] = row["date"]
            entries.append((FormName.haic_cycle, cycle_form(course, row, today, protocol, clock)))
    entries += [(FormName.targeted_agent, targeted_form(r)) for r in course["administrations"] if r["date"] <= today]
    entries += [
        (FormName.adverse_events, adverse_event_form(r, today))
        for r in course["adverse_events"]
        if r["onset_date"] <= today
    ]
    entries += [(FormName.imaging, form) for form in imaging_forms(course, cycle_dates, today)]
    entries += [(FormName.mdt_review, mdt_form(r, rng)) for r in course["mdt"] if r["date"] <= today]
    lesions = entries[0][1]["lesions"]
    entries += [
        (FormName.resection, resection_form(r, lesions, rng)) for r in course["resections"] if r["date"] <= today
    ]
    visits, end_of_study = follow_up_forms(course, today, protocol)
    entries += [(FormName.follow_up, v) for v in visits]
    if end_of_study is not None:
        entries.append((FormName.end_of_study, end_of_study))
    return [(form, clean(payload)) for form, payload in entries]


def end_of_day(today: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The last moment of ``today`` at the site: what has happened by the data cut-off."""
    return dt.datetime.combine(today, dt.time.max, tzinfo=zone)


def export_entries(course: dict[str, Any], today: dt.date, protocol: Protocol, seed: int = 1) -> list[Entry]:
    """The entries of ``course`` as the demo loader makes them on ``today``, seen from the end of that day in
    the protocol's site time zone (setting ``site_time_zone``), without the birth date (a direct identifier
    the exports never carry, docs/contracts/interop.md)."""
    zone = ZoneInfo(protocol.settings.site_time_zone.value)
    subject_id = course["subjects"][0]["subject_id"]
    entries = course_entries(
        course, today, protocol, rng=course_rng(seed, subject_id), zone=zone, now=end_of_day(today, zone)
    )
    entries[0][1].get("demographics", {}).pop("birth_date", None)
    return entries


def entries_document(subject_id: str, enrolment_date: dt.date, entries: list[Entry]) -> dict[str, Any]:
    """The :class:`~haictrial.clinical.crf_models.SubjectForms` document of ``entries`` (repeating forms as
    lists in entry order, single forms as one payload), as the EDC builds it from stored records."""
    document: dict[str, Any] = {"subject_id": subject_id, "enrolment_date": enrolment_date.isoformat()}
    for form, payload in entries:
        attribute = FORM_ATTRIBUTES[form]
        if form in (FormName.baseline, FormName.end_of_study):
            document[attribute] = payload
        else:
            document.setdefault(attribute, []).append(payload)
    return document


def course_document(course: dict[str, Any], today: dt.date, protocol: Protocol, seed: int = 1) -> dict[str, Any]:
    """The :class:`SubjectForms` document of one synthetic course, with every record up to ``today``."""
    subject = course["subjects"][0]
    return entries_document(
        subject["subject_id"], subject["enrolment_date"], export_entries(course, today, protocol, seed)
    )
