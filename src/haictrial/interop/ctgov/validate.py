"""Checks of a ``resultsSection`` document: the v2 API models, then what those models let through.

altissimo-clinicaltrials' models (generated from the ClinicalTrials.gov v2 OpenAPI description) check
types and enumerations, but ignore unknown keys and accept a ``groupId`` that names no group. The checks
here add: no key the v2 data structure does not define; every ``groupId`` (and ``groupIds``) defined in
its module (for outcome measures: in its measure); a count for every group in each denominator; the flow
adds up (NOT COMPLETED = STARTED - COMPLETED = the reasons not completed); affected <= at risk; a
confidence interval that contains its estimate.

References
----------
- ClinicalTrials.gov API v2 data structure (``resultsSection``); PRS Results Data Element Definitions.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from clinicaltrials.models.results_section import ResultsSection
from pydantic import BaseModel, ValidationError


def _inner_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The pydantic model inside ``Optional[List[M]]`` / ``Optional[M]``, and whether it is a list."""
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin in (list, typing.List):  # noqa: UP006 - the generated models use typing.List
            is_list = True
            annotation = typing.get_args(annotation)[0]
        else:
            break
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, is_list
    return None, is_list


def unknown_keys(obj: Any, model: type[BaseModel], path: str) -> Iterator[str]:
    """Every key of ``obj`` (recursively) that ``model`` does not define, as ``path.key``."""
    if not isinstance(obj, dict):
        return
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    for key, value in obj.items():
        info = fields.get(key)
        if info is None:
            yield f"{path}.{key}: not a field of the v2 {model.__name__}"
            continue
        inner, is_list = _inner_model(info.annotation)
        if inner is None:
            continue
        if is_list and isinstance(value, list):
            for i, item in enumerate(value):
                yield from unknown_keys(item, inner, f"{path}.{key}[{i}]")
        elif not is_list:
            yield from unknown_keys(value, inner, f"{path}.{key}")


def _group_refs(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every ``groupId`` / ``groupIds`` under ``obj`` with its path."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "groupId" and isinstance(value, str):
                yield f"{path}.groupId", value
            elif key == "groupIds" and isinstance(value, list):
                for i, gid in enumerate(value):
                    yield f"{path}.groupIds[{i}]", str(gid)
            else:
                yield from _group_refs(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _group_refs(item, f"{path}[{i}]")


def _ids(groups: Any) -> set[str]:
    return {str(g.get("id")) for g in groups or [] if isinstance(g, dict)}


def _dangling(scope: Any, defined: set[str], path: str) -> Iterator[str]:
    if not defined:
        yield f"{path}: no groups defined"
    for where, gid in _group_refs(scope, path):
        if gid not in defined:
            yield f"{where}: {gid!r} is not a group defined in {path}"


def _denoms(denoms: Any, defined: set[str], path: str) -> Iterator[str]:
    for i, denom in enumerate(denoms or []):
        counted = {c.get("groupId") for c in denom.get("counts") or []}
        for gid in sorted(defined - counted):
            yield f"{path}.denoms[{i}]: no count for group {gid!r}"


def _int(text: Any) -> int | None:
    try:
        return int(str(text))
    except ValueError:
        return None


def _float(text: Any) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def _flow_checks(flow: dict[str, Any]) -> Iterator[str]:
    for p, period in enumerate(flow.get("periods") or []):
        path = f"participantFlowModule.periods[{p}]"
        by_type = {
            m.get("type"): {a.get("groupId"): _int(a.get("numSubjects")) for a in m.get("achievements") or []}
            for m in period.get("milestones") or []
        }
        for required in ("STARTED", "COMPLETED"):
            if required not in by_type:
                yield f"{path}.milestones: no {required} milestone"
        started, completed = by_type.get("STARTED", {}), by_type.get("COMPLETED", {})
        not_completed = by_type.get("NOT COMPLETED", {})
        for gid, n in started.items():
            gap = (n or 0) - (completed.get(gid) or 0)
            reasons = sum(
                _int(r.get("numSubjects")) or 0
                for d in period.get("dropWithdraws") or []
                for r in d.get("reasons") or []
                if r.get("groupId") == gid
            )
            if gap < 0:
                yield f"{path}: COMPLETED exceeds STARTED for {gid}"
            if gid in not_completed and not_completed[gid] != gap:
                yield f"{path}: NOT COMPLETED {not_completed[gid]} != STARTED - COMPLETED {gap} for {gid}"
            if reasons != gap:
                yield f"{path}.dropWithdraws: reasons add up to {reasons}, not STARTED - COMPLETED = {gap} for {gid}"


def _measurements(measure: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for cls in measure.get("classes") or []:
        for cat in cls.get("categories") or []:
            yield from cat.get("measurements") or []


def _interval_checks(measure: dict[str, Any], path: str) -> Iterator[str]:
    if not str(measure.get("dispersionType", "")).startswith("CONFIDENCE") and measure.get("dispersionType") not in (
        "FULL_RANGE",
        "INTER_QUARTILE_RANGE",
    ):
        return
    for m in _measurements(measure):
        value, lower, upper = (_float(m.get(k)) for k in ("value", "lowerLimit", "upperLimit"))
        if "NA" in (m.get("value"), m.get("lowerLimit"), m.get("upperLimit")) and not m.get("comment"):
            yield f"{path}: 'NA' without a comment explaining it (group {m.get('groupId')})"
        if value is not None and lower is not None and lower > value:
            yield f"{path}: lowerLimit {lower} above value {value} (group {m.get('groupId')})"
        if value is not None and upper is not None and upper < value:
            yield f"{path}: upperLimit {upper} below value {value} (group {m.get('groupId')})"


def cross_checks(doc: dict[str, Any]) -> list[str]:
    """What the v2 models do not check: dangling group ids, missing counts, sums, intervals."""
    problems: list[str] = []
    flow = doc.get("participantFlowModule") or {}
    if flow:
        problems += _dangling(flow, _ids(flow.get("groups")), "participantFlowModule")
        problems += _flow_checks(flow)
    base = doc.get("baselineCharacteristicsModule") or {}
    if base:
        defined = _ids(base.get("groups"))
        problems += _dangling(base, defined, "baselineCharacteristicsModule")
        problems += _denoms(base.get("denoms"), defined, "baselineCharacteristicsModule")
        for i, measure in enumerate(base.get("measures") or []):
            path = f"baselineCharacteristicsModule.measures[{i}]"
            problems += _denoms(measure.get("denoms"), defined, path)
            problems += _interval_checks(measure, path)
    outcomes = (doc.get("outcomeMeasuresModule") or {}).get("outcomeMeasures") or []
    for i, measure in enumerate(outcomes):
        path = f"outcomeMeasuresModule.outcomeMeasures[{i}]"
        defined = _ids(measure.get("groups"))
        problems += _dangling(measure, defined, path)
        problems += _denoms(measure.get("denoms"), defined, path)
        problems += _interval_checks(measure, path)
    if outcomes and not any(m.get("type") == "PRIMARY" for m in outcomes):
        problems.append("outcomeMeasuresModule: no PRIMARY outcome measure")
    events = doc.get("adverseEventsModule") or {}
    if events:
        defined = _ids(events.get("eventGroups"))
        problems += _dangling(events, defined, "adverseEventsModule")
        for kind in ("seriousEvents", "otherEvents"):
            for i, event in enumerate(events.get(kind) or []):
                if not event.get("organSystem"):
                    problems.append(f"adverseEventsModule.{kind}[{i}]: no organSystem for {event.get('term')!r}")
                for s in event.get("stats") or []:
                    if (s.get("numAffected") or 0) > (s.get("numAtRisk") or 0):
                        problems.append(f"adverseEventsModule.{kind}[{i}]: numAffected above numAtRisk")
                    if (s.get("numAffected") or 0) > (s.get("numEvents") or 0):
                        problems.append(f"adverseEventsModule.{kind}[{i}]: numAffected above numEvents")
    return problems


def validate_results_section(doc: dict[str, Any]) -> list[str]:
    """All problems of ``doc``: the altissimo v2 models first, then unknown keys and the cross-checks."""
    problems: list[str] = []
    try:
        ResultsSection.from_dict(doc)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            problems.append(f"resultsSection.{where}: {error['msg']}")
    problems += unknown_keys(doc, ResultsSection, "resultsSection")
    problems += cross_checks(doc)
    return problems
