"""The sealed chain over the audit trail: append one entry, verify the whole chain.

Each entry's seal (column ``hash``) is ``HMAC-SHA256(key, prev_hash + canonical_json(entry))`` under
``HAICTRIAL_AUDIT_KEY``, a key kept outside the database (:func:`audit_key`). The canonical JSON has
sorted keys, no spaces, UTF-8, and times as UTC ISO 8601 with microseconds. Changing, inserting,
reordering or deleting any entry breaks the chain at that entry, and without the key nobody can
compute a valid seal for a forged or recomputed chain. Truncating the tail and moving the chain head
back is found by the anchors kept outside the database (:mod:`haictrial.edc.audit.anchors`).

References
----------
- 21 CFR Part 11 section 11.10(e): secure, computer-generated, time-stamped audit trails recording
  the date and time of entries and actions that create, modify or delete electronic records.
- ICH E6(R3) Good Clinical Practice, data governance: audit trails of changes with the reason.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from haictrial.edc.audit.models import GENESIS_HASH, AuditEntry, ChainHead

HASHED_FIELDS = (
    "seq",
    "recorded_at",
    "user_id",
    "username",
    "action",
    "model",
    "object_id",
    "subject_id",
    "screening_id",
    "site_code",
    "identifiers",
    "old_values",
    "new_values",
    "reason",
    "prev_hash",
)


def json_value(value: Any) -> Any:
    """A JSON-safe form of a field value (dates ISO 8601, decimals and UUIDs as strings)."""
    if isinstance(value, dt.datetime):
        return utc_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def utc_iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_document(entry: AuditEntry) -> dict[str, Any]:
    return {name: json_value(getattr(entry, name)) for name in HASHED_FIELDS}


def audit_key() -> bytes:
    """The sealing key (``settings.HAICTRIAL_AUDIT_KEY``, from the environment, never the database)."""
    return str(settings.HAICTRIAL_AUDIT_KEY).encode("utf-8")


def seal(text: str) -> str:
    """HMAC-SHA256 of ``text`` under the audit key, hex (RFC 2104; FIPS 198-1)."""
    return hmac.new(audit_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """The entry's seal: HMAC-SHA256(key, prev_hash + canonical JSON of the sealed fields)."""
    return seal(entry.prev_hash + canonical_json(entry_document(entry)))


def append(entry: AuditEntry) -> AuditEntry:
    """Give ``entry`` the next sequence number and chain hash, and store it (under the head's lock)."""
    with transaction.atomic():
        last_seq, last_hash = _locked_head()
        entry.seq = last_seq + 1
        entry.prev_hash = last_hash
        entry.recorded_at = entry.recorded_at.astimezone(dt.UTC)
        # The stored JSON must read back exactly as hashed: normalise it through JSON once.
        entry.old_values = json.loads(canonical_json(entry.old_values)) if entry.old_values is not None else None
        entry.new_values = json.loads(canonical_json(entry.new_values)) if entry.new_values is not None else None
        entry.hash = entry_hash(entry)
        entry.save()
        _move_head(entry.seq, entry.hash)
        if entry.seq % settings.HAICTRIAL_AUDIT_ANCHOR_EVERY == 0:
            from haictrial.edc.audit import anchors

            seq, sealed = entry.seq, entry.hash
            transaction.on_commit(lambda: anchors.write_anchor(seq, sealed, anchors.AnchorEvent.every_n))
    return entry


# The head is read and moved by two plain statements: every audited write passes here, inside the writer's
# transaction, and the ORM's query building cost more than the statements themselves.
_HEAD_TABLE = ChainHead._meta.db_table


def _locked_head() -> tuple[int, str]:
    """The chain head's last sequence number and hash, the row locked until commit (``SELECT ... FOR UPDATE``
    on PostgreSQL; on SQLite the writer's transaction holds the database's write lock already)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT last_seq, last_hash FROM {connection.ops.quote_name(_HEAD_TABLE)} WHERE id = 1{lock}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    if row is None:  # a database emptied since its migration (a flushed test database): start the chain
        head, _created = ChainHead.objects.get_or_create(pk=1)
        return head.last_seq, head.last_hash
    return int(row[0]), str(row[1])


def _move_head(seq: int, sealed: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(_HEAD_TABLE)} SET last_seq = %s, last_hash = %s WHERE id = 1",
            [seq, sealed],
        )


@dataclass(frozen=True)
class ChainReport:
    """The result of :func:`verify`: ``broken_seq`` is the first broken entry (None when intact)."""

    entries: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify() -> ChainReport:
    """Recompute the whole chain from the first entry; report the first entry that does not match."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainReport(
                count, expected_seq, f"entry {expected_seq} is missing (next stored entry is {entry.seq})"
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(count, entry.seq, f"entry {entry.seq} does not link to entry {entry.seq - 1}")
        if not hmac.compare_digest(entry_hash(entry), entry.hash):
            return ChainReport(
                count,
                entry.seq,
                f"entry {entry.seq} was altered or forged (its seal does not match its contents under the audit key)",
            )
        prev_hash = entry.hash
        expected_seq += 1
        count += 1
    head = ChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if last_seq != count or last_hash != prev_hash:
        if last_seq > count:
            return ChainReport(
                count, count + 1, f"entry {count + 1} is missing (the chain head records {last_seq} entries)"
            )
        return ChainReport(count, max(count, 1), f"entry {count} does not match the chain head")
    return ChainReport(count)
