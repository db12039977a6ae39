"""Every current audited row (eCRF records, subjects, screenings, identifiers, queries, signatures) and
every history row checked against what the sealed trail says it holds.

The trail is replayed per object: the ``create`` entry holds every tracked value, each ``update`` the
values it changed, ``delete`` ends the object. The replayed state must equal the row in the database
(so an edit in place, a row inserted or deleted outside the application is found), and the state after
each entry must equal the matching django-simple-history row (so an edited history row is found too).
Fields the trail does not track (derived values, recomputed on every save) are not compared.

References: 21 CFR Part 11 section 11.10(e) (record changes shall not obscure previously recorded
information); ICH E6(R3) 4.2 data integrity, ALCOA+ (attributable, original, accurate).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models

from haictrial.edc.audit.chain import canonical_json, json_value
from haictrial.edc.audit.models import Action, AuditedRecord, AuditEntry


@dataclass
class _Replay:
    """The states of one object after each of its entries; ``alive`` after the last one."""

    states: list[dict[str, Any]] = field(default_factory=list)
    alive: bool = False
    last_seq: int = 0


def audited_models() -> list[type[models.Model]]:
    """The concrete audited models with a django-simple-history table, in a stable order."""
    found = [
        m for m in apps.get_models() if issubclass(m, AuditedRecord) and not m._meta.abstract and hasattr(m, "history")
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def tracked_names(model: type[models.Model]) -> list[str]:
    """The columns both the row and its history row hold (what the trail records)."""
    historical = {f.attname for f in model.history.model._meta.concrete_fields}  # type: ignore[attr-defined]
    return [f.attname for f in model._meta.concrete_fields if f.attname in historical]


def _normal(values: dict[str, Any]) -> dict[str, Any]:
    document = {k: json_value(v) for k, v in values.items()}
    return json.loads(canonical_json(document))  # type: ignore[no-any-return]


def _replay(labels: list[str]) -> dict[tuple[str, str], _Replay]:
    replays: dict[tuple[str, str], _Replay] = defaultdict(_Replay)
    entries = (
        AuditEntry.objects.filter(model__in=labels)
        .order_by("seq")
        .values_list("seq", "model", "object_id", "action", "new_values")
    )
    for seq, label, object_id, action, new in entries.iterator(chunk_size=5000):
        replay = replays[(label, object_id)]
        current = replay.states[-1] if replay.states else {}
        if action == Action.create:
            replay.states.append(dict(new or {}))
            replay.alive = True
        elif action == Action.update:
            replay.states.append({**current, **(new or {})})
        else:
            replay.states.append(dict(current))
            replay.alive = False
        replay.last_seq = seq
    return replays


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    return sorted(name for name in actual if expected.get(name) != actual[name])


def check_rows() -> Iterator[str]:
    """One line per row that does not match the trail, naming the model, row and fields."""
    models_ = audited_models()
    replays = _replay([m._meta.label_lower for m in models_])
    for model in models_:
        label = model._meta.label_lower
        names = tracked_names(model)
        seen: set[str] = set()
        for row in model._base_manager.order_by("pk").values(*names).iterator(chunk_size=2000):
            object_id = str(row["id"])
            seen.add(object_id)
            replay = replays.get((label, object_id))
            if replay is None or not replay.states:
                yield f"{label} {object_id} has no audit entry (inserted outside the application, or its entries were deleted)"
                continue
            if not replay.alive:
                yield f"{label} {object_id} exists although the trail records its deletion (entry {replay.last_seq})"
                continue
            changed = _differences(replay.states[-1], _normal(row))
            if changed:
                yield (
                    f"{label} {object_id} was changed outside the application: {', '.join(changed)} "
                    f"differ from its last audit entry {replay.last_seq}"
                )
        for (entry_label, object_id), replay in replays.items():
            if entry_label == label and replay.alive and object_id not in seen:
                yield (
                    f"{label} {object_id} is missing (deleted outside the application; "
                    f"last audit entry {replay.last_seq})"
                )
        yield from _check_history(model, label, names, replays)


def _check_history(
    model: type[models.Model], label: str, names: list[str], replays: dict[tuple[str, str], _Replay]
) -> Iterator[str]:
    history = model.history.model  # type: ignore[attr-defined]
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in history._base_manager.order_by("history_id").values(*names).iterator(chunk_size=2000):
        rows[str(row["id"])].append(_normal(row))
    for entry_label, object_id in replays:
        if entry_label == label and object_id not in rows:
            yield f"history of {label} {object_id} is missing (its history rows were deleted outside the application)"
    for object_id, states in rows.items():
        replay = replays.get((label, object_id))
        expected = replay.states if replay is not None else []
        if len(states) != len(expected):
            yield (
                f"history of {label} {object_id} has {len(states)} rows but the trail {len(expected)} entries "
                "(history rows added or removed outside the application)"
            )
            continue
        for index, (want, have) in enumerate(zip(expected, states, strict=True), start=1):
            changed = _differences(want, have)
            if changed:
                yield f"history row {index} of {label} {object_id} was edited: {', '.join(changed)}"
                break
