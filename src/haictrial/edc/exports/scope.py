"""Which subjects an export covers, and the guarantee that it holds no direct identifier.

Scope: the sites the site-isolation layer lets the builder read (:func:`access.readable_site_ids`): the
statistician every site, a coordinator or an admin their own sites (server contract: a user sees only the
subjects of the sites they belong to; ``statistician`` reads de-identified data of all sites).

De-identification, twice:

1. The builders read the EDC as a reader without :attr:`Capability.identifiers` (None, every site, or a
   :class:`DeidentifiedReader`), so the ODM and REDCap builders drop the Baseline birth date and the SDTM and
   ClinicalTrials.gov builders never read the :class:`~haictrial.edc.subjects.models.Identifiers` rows.
2. :func:`identifier_hits` then searches every file written for every name, hospital number and birth date
   held in the EDC (all sites), as written and JSON-escaped; a package holding one is never offered.

References: HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i) (A) names, (C) dates of birth, (H) medical record
numbers; ICH E6(R3) 2.5 (confidentiality of records that could identify subjects).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability


class DeidentifiedReader:
    """The reader the builders are given for a site-scoped export: the rows of ``site_ids`` exactly as the
    site-isolation layer gives them, and never a direct identifier.

    Its role is ``admin``: read-only, its own sites, no :attr:`Capability.identifiers`
    (:data:`access.ROLE_CAPABILITIES`); checked when it is made, so that a change of that table cannot
    turn an export into one with identifiers.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False
    role = "admin"
    pk = None

    def __init__(self, username: str, site_ids: Iterable[int]) -> None:
        self.username = username
        self._member_site_ids = frozenset(site_ids)  # what access.member_site_ids caches on a user
        if access.can(self, Capability.identifiers) or access.can(self, Capability.all_sites):
            raise ImproperlyConfigured("the export reader's role may see identifiers or every site")

    def get_username(self) -> str:
        return self.username


def reader_for(user: Any) -> tuple[DeidentifiedReader | None, frozenset[int] | None]:
    """The builders' reader for ``user`` and the ids of the sites covered (None: every site)."""
    site_ids = access.readable_site_ids(user)
    if site_ids is None:
        return None, None
    return DeidentifiedReader(user.get_username(), site_ids), site_ids


def site_codes(user: Any) -> list[str]:
    """The codes of the sites an export by ``user`` covers; empty when it covers every site."""
    if access.readable_site_ids(user) is None:
        return []
    return sorted(access.visible_sites(user).values_list("code", flat=True))


def identifier_needles() -> list[bytes]:
    """Every direct identifier the EDC holds (all sites), UTF-8, as written and as JSON escapes it."""
    from haictrial.clinical.crf_base import FormName
    from haictrial.edc.crfs.models import FormRecord
    from haictrial.edc.subjects.models import Identifiers

    raw: list[Any] = []
    for name, number, birth in Identifiers.objects.values_list("full_name", "hospital_number", "birth_date"):
        raw += [name, number, birth.isoformat() if birth else ""]
    for payload in FormRecord.objects.filter(form=FormName.baseline.value).values_list("payload", flat=True):
        demographics = payload.get("demographics") if isinstance(payload, dict) else None
        raw.append(demographics.get("birth_date") if isinstance(demographics, dict) else "")
    values: set[str] = set()
    for value in raw:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) >= 3:  # shorter strings are not identifying and would match anywhere
            values.add(text)
    needles: set[bytes] = set()
    for text in values:
        needles.add(text.encode("utf-8"))
        needles.add(json.dumps(text)[1:-1].encode("ascii"))  # \uXXXX in JSON written with ensure_ascii
    return sorted(needles, key=len, reverse=True)


def trie_pattern(needles: Iterable[bytes]) -> bytes:
    """One regular expression matching any of ``needles``, factored by common prefix (a trie), so that the
    engine tries one branch per byte instead of every needle at every position of a file."""
    trie: dict[int, Any] = {}
    for needle in needles:
        node = trie
        for byte in needle:
            node = node.setdefault(byte, {})
        node[-1] = {}  # end of a needle

    def render(node: dict[int, Any]) -> bytes:
        branches = [re.escape(bytes([byte])) + render(child) for byte, child in sorted(node.items()) if byte >= 0]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        return b"(?:" + body + b")?" if -1 in node else body

    return render(trie)


def identifier_hits(root: Path, needles: list[bytes] | None = None) -> list[str]:
    """The files under ``root`` (relative paths) that hold a direct identifier; never the identifier itself."""
    needles = identifier_needles() if needles is None else needles
    if not needles:
        return []
    pattern = re.compile(trie_pattern(needles))
    return [
        path.relative_to(root).as_posix()
        for path in sorted(root.rglob("*"))
        if path.is_file() and pattern.search(path.read_bytes())
    ]
