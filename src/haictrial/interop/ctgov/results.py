"""The ClinicalTrials.gov v2 ``resultsSection`` from the report's results.

Built from the same results as ``haictrial report`` (:func:`haictrial.reports.results.compute_results`)
and the prepared adverse-event data set, so that the registry shows the numbers of the report.
CHALLENGE-A1 is single-arm: each module has one group (``FG000``, ``BG000``, ``OG000``, ``EG000``, the
identifiers ClinicalTrials.gov itself assigns).

Values follow the v2 API: numbers as strings; "NA" where a value cannot be estimated (a median or a
confidence limit not reached) with the reason in ``comment``, as the PRS data element definitions ask.

References
----------
- ClinicalTrials.gov API v2, data structure of ``resultsSection`` (participantFlowModule,
  baselineCharacteristicsModule, outcomeMeasuresModule, adverseEventsModule).
- ClinicalTrials.gov Results Data Element Definitions (PRS): participant flow milestones STARTED and COMPLETED;
  baseline Age and Sex required; "NA" with an explanation when a value is not estimable; adverse events
  "Other (not including serious)" above a frequency threshold of at most 5 %.
- Clopper CJ, Pearson ES, Biometrika 1934;26:404-413 (doi:10.1093/biomet/26.4.404): the exact binomial CI.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from haictrial.interop.ctgov.organ_systems import organ_system
from haictrial.protocol.schema import Protocol

#: Percent of the safety population above which a non-serious adverse event term is reported (PRS: <= 5 %).
FREQUENCY_THRESHOLD_PERCENT = 5
#: Days per month for medians in months: the mean Gregorian month, 365.2425 / 12 (ISO 8601 calendar).
DAYS_PER_MONTH = 365.2425 / 12
SOURCE_VOCABULARY = "CTCAE (5.0)"
PARTICIPANTS = "Participants"

#: End-of-study reasons of the report's CONSORT counts -> ClinicalTrials.gov "reasons not completed" wording.
DROP_WITHDRAW_REASONS = {
    "died": "Death",
    "lost_to_follow_up": "Lost to Follow-up",
    "withdrawal_of_consent": "Withdrawal by Subject",
    "investigator_decision": "Physician Decision",
    "in_follow_up": "Ongoing follow-up at the data cut-off",
    "other": "Other",
}


def number(value: float | int) -> str:
    """A value as ClinicalTrials.gov stores it: a decimal string."""
    return str(int(value)) if isinstance(value, int) or float(value).is_integer() else str(value)


def one_decimal(value: float) -> str:
    """``value`` rounded half up to one decimal, as a string ("37.7")."""
    return str(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent(proportion: float) -> str:
    """A proportion (0-1) as a percentage with one decimal."""
    return one_decimal(100.0 * proportion)


def _arm(protocol: Protocol) -> tuple[str, str]:
    arms = protocol.registry.arms
    if not arms:
        return "All participants", "All enrolled participants."
    if len(arms) == 1:
        return arms[0].label, arms[0].description
    return "All participants", " / ".join(a.label for a in arms)


def _group(prefix: str, protocol: Protocol) -> dict[str, str]:
    title, description = _arm(protocol)
    return {"id": f"{prefix}000", "title": title, "description": description}


def _endpoint(protocol: Protocol, endpoint_id: str) -> Any:
    for endpoint in protocol.endpoints:
        if endpoint.id == endpoint_id:
            return endpoint
    return None


# --- participant flow ---


def participant_flow(data: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    """participantFlowModule from the CONSORT counts (enrolment is the start of the flow)."""
    c = data["consort"]
    gid = "FG000"
    started = int(c["enrolled"])
    completed = int(c["status"].get("completed_follow_up", 0))

    def stats(n: int) -> list[dict[str, str]]:
        return [{"groupId": gid, "numSubjects": str(int(n))}]

    reasons = [
        {"type": label, "reasons": stats(int(c["status"].get(key, 0)))}
        for key, label in DROP_WITHDRAW_REASONS.items()
        if int(c["status"].get(key, 0)) > 0
    ]
    excluded = ", ".join(f"{k} {v}" for k, v in c["excluded_by_criterion"].items())
    return {
        "recruitmentDetails": (
            f"{c['screened']} patients screened against the protocol's 16 eligibility criteria; "
            f"{c['not_eligible']} not eligible; {started} enrolled."
        ),
        "preAssignmentDetails": (
            f"Not eligible by criterion (a patient may fail several): {excluded or 'none'}. "
            f"Eligible but not enrolled: {c['eligible_not_enrolled']}."
        ),
        "groups": [_group("FG", protocol)],
        "periods": [
            {
                "title": "Overall Study",
                "milestones": [
                    {"type": "STARTED", "achievements": stats(started)},
                    {"type": "Received at least one HAIC cycle", "achievements": stats(int(c["treated"]))},
                    {
                        "type": "Liver resection (R0 or R1)",
                        "achievements": stats(int(c["resected_by_margin"]["R0"]) + int(c["resected_by_margin"]["R1"])),
                    },
                    {"type": "COMPLETED", "achievements": stats(completed)},
                    {"type": "NOT COMPLETED", "achievements": stats(started - completed)},
                ],
                "dropWithdraws": reasons,
            }
        ],
    }


# --- baseline characteristics ---


def _measurement(gid: str, value: str, **extra: str) -> dict[str, str]:
    return {"groupId": gid, "value": value, **extra}


def baseline_characteristics(data: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    """baselineCharacteristicsModule from the report's Table 1 (overall column)."""
    gid = "BG000"
    enrolled = int(data["enrolled"])
    measures: list[dict[str, Any]] = []
    skipped: list[str] = []
    categorical: dict[str, list[dict[str, Any]]] = {}
    for row in data["baseline"]:
        overall = row["overall"]
        if row["kind"] == "continuous":
            if not overall["n"]:
                skipped.append(row["characteristic"])
                continue
            title, _, unit = row["characteristic"].partition(", ")
            unit = unit or title.removeprefix("Number of ").lower()
            measure: dict[str, Any] = {
                "title": title,
                "paramType": "MEDIAN",
                "dispersionType": "FULL_RANGE",
                "unitOfMeasure": unit,
                "classes": [
                    {
                        "categories": [
                            {
                                "measurements": [
                                    _measurement(
                                        gid,
                                        number(overall["median"]),
                                        lowerLimit=number(overall["min"]),
                                        upperLimit=number(overall["max"]),
                                    )
                                ]
                            }
                        ]
                    }
                ],
            }
            if overall["n"] != enrolled:
                measure["denoms"] = [{"units": PARTICIPANTS, "counts": [{"groupId": gid, "value": str(overall["n"])}]}]
            measures.append(measure)
        else:
            categorical.setdefault(row["characteristic"], []).append(row)
    for characteristic, rows in categorical.items():
        denominator = int(rows[0]["overall"]["denominator"])
        if denominator == 0:
            skipped.append(characteristic)
            continue
        title, levels = characteristic, {str(r["level"]): str(r["level"]) for r in rows}
        if characteristic == "Sex":  # PRS requires the measure "Sex: Female, Male" with these two categories
            title, levels = "Sex: Female, Male", {"female": "Female", "male": "Male"}
        if any(m["title"] == title for m in measures):  # the same characteristic also summarised as a number
            title = f"{title}, categories"
        measure = {
            "title": title,
            "paramType": "COUNT_OF_PARTICIPANTS",
            "unitOfMeasure": PARTICIPANTS,
            "calculatePct": True,
            "classes": [
                {
                    "categories": [
                        {
                            "title": levels.get(str(r["level"]), str(r["level"])),
                            "measurements": [_measurement(gid, str(int(r["overall"]["n"])))],
                        }
                        for r in sorted(rows, key=lambda r: list(levels).index(str(r["level"])))
                    ]
                }
            ],
        }
        if denominator != enrolled:
            measure["denoms"] = [{"units": PARTICIPANTS, "counts": [{"groupId": gid, "value": str(denominator)}]}]
        measures.append(measure)
    description = "All enrolled participants."
    if skipped:
        description += " Not recorded, so not reported: " + ", ".join(sorted(set(skipped))) + "."
    return {
        "populationDescription": description,
        "groups": [_group("BG", protocol)],
        "denoms": [{"units": PARTICIPANTS, "counts": [{"groupId": gid, "value": str(enrolled)}]}],
        "measures": measures,
    }


# --- outcome measures ---


def _rate_measure(kind: str, endpoint: Any, rate: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    gid = "OG000"
    n = int(rate["n"])
    measurement: dict[str, str] = {"groupId": gid}
    if n == 0:
        measurement.update(value="NA", comment="No participant in the analysis population: not estimable.")
    else:
        measurement.update(
            value=percent(rate["estimate"]), lowerLimit=percent(rate["lower"]), upperLimit=percent(rate["upper"])
        )
    return {
        "type": kind,
        "title": endpoint.title,
        "description": (
            f"{endpoint.definition} Percentage of participants ({rate['x']} of {n}) with its exact "
            "(Clopper-Pearson) two-sided 95% confidence interval."
        ),
        "populationDescription": "All enrolled participants.",
        "reportingStatus": "POSTED",
        "paramType": "NUMBER",
        "dispersionType": "CONFIDENCE_95",
        "unitOfMeasure": "percentage of participants",
        "timeFrame": endpoint.time_frame,
        "groups": [_group("OG", protocol)],
        "denoms": [{"units": PARTICIPANTS, "counts": [{"groupId": gid, "value": str(n)}]}],
        "classes": [{"categories": [{"measurements": [measurement]}]}],
    }


def _months(days: float) -> str:
    return one_decimal(days / DAYS_PER_MONTH)


def _median_measure(endpoint: Any, result: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    gid = "OG000"
    n, events = int(result["n"]), int(result["events"])
    median = result.get("median_days")
    lower, upper = (result.get("median_ci_days") or [None, None])[:2]
    measurement: dict[str, str] = {"groupId": gid}
    comments = []
    if median is None:
        measurement["value"] = "NA"
        comments.append(f"Median not reached ({events} events in {n} participants).")
    else:
        measurement["value"] = _months(median)
    measurement["lowerLimit"] = "NA" if lower is None else _months(lower)
    measurement["upperLimit"] = "NA" if upper is None else _months(upper)
    if lower is None:
        comments.append("Lower limit of the 95% confidence interval not estimable.")
    if upper is None:
        comments.append("Upper limit of the 95% confidence interval not reached (too few events).")
    if comments:
        measurement["comment"] = " ".join(comments)
    return {
        "type": "SECONDARY",
        "title": endpoint.title,
        "description": (
            f"{endpoint.definition} Kaplan-Meier median with its 95% confidence interval, in months "
            f"(days / {DAYS_PER_MONTH:.4f}); participants without an event are censored at their last follow-up."
        ),
        "populationDescription": "All enrolled participants.",
        "reportingStatus": "POSTED",
        "paramType": "MEDIAN",
        "dispersionType": "CONFIDENCE_95",
        "unitOfMeasure": "months",
        "timeFrame": endpoint.time_frame,
        "groups": [_group("OG", protocol)],
        "denoms": [{"units": PARTICIPANTS, "counts": [{"groupId": gid, "value": str(n)}]}],
        "classes": [{"categories": [{"measurements": [measurement]}]}],
    }


def outcome_measures(data: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    """outcomeMeasuresModule: CTRR (primary), objective response, OS and PFS medians."""
    measures = []
    ctrr = _endpoint(protocol, "ctrr")
    if ctrr is not None:
        measures.append(_rate_measure("PRIMARY", ctrr, data["ctrr"], protocol))
    orr = _endpoint(protocol, "orr")
    if orr is not None:
        measures.append(_rate_measure("SECONDARY", orr, data["response"]["orr"], protocol))
    for endpoint_id, key in (("os", "OS"), ("pfs", "PFS")):
        endpoint = _endpoint(protocol, endpoint_id)
        if endpoint is not None:
            measures.append(_median_measure(endpoint, data["survival"][key], protocol))
    return {"outcomeMeasures": measures}


# --- adverse events ---


def _events_by_term(events: pd.DataFrame, at_risk: int) -> list[dict[str, Any]]:
    rows = []
    for term, group in events.groupby("term", sort=True):
        rows.append(
            {
                "term": str(term),
                "organSystem": organ_system(str(term)) or "Unknown system organ class",
                "sourceVocabulary": SOURCE_VOCABULARY,
                "assessmentType": "SYSTEMATIC_ASSESSMENT",
                "stats": [
                    {
                        "groupId": "EG000",
                        "numEvents": int(len(group)),
                        "numAffected": int(group["subject_id"].nunique()),
                        "numAtRisk": at_risk,
                    }
                ],
            }
        )
    return sorted(rows, key=lambda r: (r["organSystem"], r["term"]))


def adverse_events(data: dict[str, Any], adsl: pd.DataFrame, adae: pd.DataFrame, protocol: Protocol) -> dict[str, Any]:
    """adverseEventsModule: serious and other (non-serious, >= threshold) events by organ system and term."""
    treated = adsl[adsl["cycles_received"] > 0]
    population = set(treated["subject_id"])
    at_risk = len(population)
    events = adae[adae["subject_id"].isin(population)]
    serious = events[events["serious"].astype(bool)]
    other = events[~events["serious"].astype(bool)]
    affected = other.groupby("term")["subject_id"].nunique()
    frequent = {
        str(t) for t, n in affected.items() if at_risk and 100.0 * int(n) / at_risk >= FREQUENCY_THRESHOLD_PERCENT
    }
    other = other[other["term"].astype(str).isin(frequent)]
    deaths = int(treated["death_date"].notna().sum()) if "death_date" in treated else 0
    endpoint = _endpoint(protocol, "safety")
    title, description = _arm(protocol)
    return {
        "frequencyThreshold": str(FREQUENCY_THRESHOLD_PERCENT),
        "timeFrame": endpoint.time_frame if endpoint is not None else "During the study",
        "description": (
            "Adverse events graded by CTCAE v5.0 in participants who received at least one HAIC cycle; "
            "serious as defined by ICH E2A. Each participant counts once per term."
        ),
        "allCauseMortalityComment": "Deaths from any cause by the data cut-off in the safety population.",
        "eventGroups": [
            {
                "id": "EG000",
                "title": title,
                "description": description,
                "deathsNumAffected": deaths,
                "deathsNumAtRisk": at_risk,
                "seriousNumAffected": int(serious["subject_id"].nunique()),
                "seriousNumAtRisk": at_risk,
                "otherNumAffected": int(other["subject_id"].nunique()),
                "otherNumAtRisk": at_risk,
            }
        ],
        "seriousEvents": _events_by_term(serious, at_risk),
        "otherEvents": _events_by_term(other, at_risk),
    }


def results_section(data: dict[str, Any], adsl: pd.DataFrame, adae: pd.DataFrame, protocol: Protocol) -> dict[str, Any]:
    """The whole ``resultsSection`` document (JSON-ready) from the report's results and data sets."""
    return {
        "participantFlowModule": participant_flow(data, protocol),
        "baselineCharacteristicsModule": baseline_characteristics(data, protocol),
        "outcomeMeasuresModule": outcome_measures(data, protocol),
        "adverseEventsModule": adverse_events(data, adsl, adae, protocol),
    }
