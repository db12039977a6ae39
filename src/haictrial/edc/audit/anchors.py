"""Anchors of the audit chain kept outside the database: an append-only file of sealed chain heads.

Every ``HAICTRIAL_AUDIT_ANCHOR_EVERY`` entries (default 100), at every backup and every restore, the
sequence number and seal of the chain head are appended as one JSON line to
``HAICTRIAL_AUDIT_ANCHOR_FILE`` (default ``HAICTRIAL_DATA_DIR/audit-anchors.jsonl``), each line sealed
with HMAC-SHA256 under the audit key. Someone who can write the database but not this file (nor read
the key) cannot delete the tail of the trail and move the chain head back, nor replace the chain by
another one: the anchored entries are gone or carry other seals, and ``haictrial audit verify`` says so.

A ``restore`` line starts a new epoch: anchors after the restored head, written before the restore,
describe a history the restore deliberately replaced, and are not checked against the database.

References
----------
- 21 CFR Part 11 section 11.10(e): audit trails that cannot obscure previously recorded information.
- RFC 2104 / FIPS 198-1: HMAC.
"""

from __future__ import annotations

import datetime as dt
import enum
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from haictrial.edc.audit.chain import canonical_json, seal, utc_iso


class AnchorEvent(enum.StrEnum):
    every_n = "every_n"
    backup = "backup"
    restore = "restore"
    manual = "manual"


@dataclass(frozen=True)
class Anchor:
    """One line of the anchor file: the chain had ``seq`` entries, the last sealed ``hash``."""

    seq: int
    hash: str
    event: AnchorEvent
    at: str
    line: int


def anchor_path() -> Path:
    return Path(settings.HAICTRIAL_AUDIT_ANCHOR_FILE)


def _document(seq: int, sealed: str, event: AnchorEvent, at: str) -> dict[str, object]:
    return {"seq": seq, "hash": sealed, "event": event.value, "at": at}


def write_anchor(seq: int, sealed: str, event: AnchorEvent) -> Anchor:
    """Append one sealed anchor line (one ``write`` on an ``O_APPEND`` descriptor: lines never interleave)."""
    at = utc_iso(dt.datetime.now(dt.UTC))
    document = _document(seq, sealed, event, at)
    document["seal"] = seal(canonical_json(document))
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (canonical_json(document) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return Anchor(seq, sealed, event, at, 0)


def anchor_head(event: AnchorEvent) -> Anchor | None:
    """Anchor the current chain head (backup, restore, on demand); None while the trail is empty."""
    from haictrial.edc.audit.models import ChainHead

    head = ChainHead.objects.filter(pk=1).first()
    if head is None or head.last_seq == 0:
        if event == AnchorEvent.restore:
            return write_anchor(0, "", event)
        return None
    return write_anchor(head.last_seq, head.last_hash, event)


def digest_line() -> str:
    """The chain head as one line for the daily digest e-mail (a copy of the anchor in the inboxes)."""
    from haictrial.edc.audit.models import ChainHead

    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        return "audit trail: empty"
    return f"audit trail head: entry {head.last_seq}, seal {head.last_hash}"


def read_anchors() -> tuple[list[Anchor], list[str]]:
    """The anchors in effect (a restore line drops the later anchors written before it) and the
    problems of the file itself (a line that does not parse or whose seal does not match)."""
    path = anchor_path()
    if not path.exists():
        return [], []
    anchors: list[Anchor] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            try:
                document = json.loads(text)
                seq, sealed, event, at = document["seq"], document["hash"], document["event"], document["at"]
                given = document["seal"]
                expected = seal(canonical_json(_document(int(seq), str(sealed), AnchorEvent(event), str(at))))
            except (ValueError, KeyError, TypeError):
                problems.append(f"anchor file {path} line {number} is not an anchor")
                continue
            if not isinstance(given, str) or not hmac.compare_digest(given, expected):
                problems.append(f"anchor file {path} line {number} was altered (its seal does not match)")
                continue
            anchor = Anchor(int(seq), str(sealed), AnchorEvent(event), str(at), number)
            if anchor.event == AnchorEvent.restore:
                anchors = [a for a in anchors if a.seq <= anchor.seq]
            anchors.append(anchor)
    return anchors, problems
