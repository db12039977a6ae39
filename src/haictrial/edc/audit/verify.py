"""``haictrial audit verify``: the seals of the chain, the anchors outside the database, and every
audited row against its last audit entry. Each problem found is one line naming what it found.

What this cannot detect is written down in docs/audit-trail.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from haictrial.edc.audit import anchors, chain, rows
from haictrial.edc.audit.models import AuditEntry


@dataclass(frozen=True)
class VerifyReport:
    """``entries`` in the chain, ``anchors`` checked, ``rows`` checked, and the problems found."""

    entries: int
    anchors: int
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def check_anchors(chain_entries: int) -> tuple[int, list[str]]:
    """Every anchor in effect must name an entry that still exists with the anchored seal."""
    found, problems = anchors.read_anchors()
    path = anchors.anchor_path()
    every = settings.HAICTRIAL_AUDIT_ANCHOR_EVERY
    if not found and chain_entries >= every and not problems:
        problems.append(
            f"no anchor of the chain in {path} although the trail has {chain_entries} entries "
            f"(one is written every {every}): the anchor file was removed or replaced"
        )
    wanted = {a.seq: a for a in found if a.seq > 0}
    stored = dict(AuditEntry.objects.filter(seq__in=list(wanted)).values_list("seq", "hash"))
    for seq, anchor in sorted(wanted.items()):
        where = f"anchored {anchor.at} ({anchor.event.value}, {path.name} line {anchor.line})"
        if seq not in stored:
            problems.append(f"entry {seq} is missing: the trail was truncated or replaced ({where})")
        elif stored[seq] != anchor.hash:
            problems.append(f"entry {seq} does not carry its anchored seal: the chain was rewritten ({where})")
    return len(found), problems


def verify_all() -> VerifyReport:
    """Seals, anchors and rows; all problems, the first broken entry of the chain first."""
    problems: list[str] = []
    report = chain.verify()
    if not report.intact:
        problems.append(f"entry {report.broken_seq}: {report.problem}")
    entries = AuditEntry.objects.count()
    checked, anchor_problems = check_anchors(entries)
    problems += anchor_problems
    problems += list(rows.check_rows())
    return VerifyReport(entries=entries, anchors=checked, problems=problems)
