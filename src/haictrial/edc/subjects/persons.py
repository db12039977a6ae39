"""One person, one subject: which screenings are of the same person (docs/contracts/server.md, "Enrolment").

Two screenings are of the same person when they were made at the same site with the same hospital number,
or carry the same full name and birth date (any site). Names and hospital numbers are compared without case
and with runs of white space collapsed (:func:`normalised`), as they are stored. Direct identifiers live in
:class:`~haictrial.edc.subjects.models.Identifiers`; nothing here is shown to a reader who may not see them:
the answer is screening ids and subject ids only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from haictrial.edc.subjects.models import Identifiers, Screening


def normalised(text: str | None) -> str:
    """``"  Zhang   San "`` -> ``"Zhang San"``: the form identifiers are stored and compared in."""
    return " ".join((text or "").split())


def _same_person(identifiers: Identifiers, site_id: int) -> Q | None:
    condition: Q | None = None
    number = normalised(identifiers.hospital_number)
    if number:
        condition = Q(screening__site_id=site_id, hospital_number__iexact=number)
    name = normalised(identifiers.full_name)
    if name and identifiers.birth_date is not None:
        by_name = Q(full_name__iexact=name, birth_date=identifiers.birth_date)
        condition = by_name if condition is None else condition | by_name
    return condition


def duplicate_screenings(screening: Screening) -> QuerySet[Screening]:
    """The other screenings of the same person as ``screening`` (every site), oldest first."""
    identifiers = Identifiers.objects.filter(screening=screening).first()
    condition = _same_person(identifiers, screening.site_id) if identifiers is not None else None
    if condition is None:
        return Screening.objects.none()
    ids = Identifiers.objects.filter(condition).exclude(screening_id=screening.pk).values("screening_id")
    return Screening.objects.filter(pk__in=ids).order_by("id")


def possible_duplicates(screening: Screening) -> list[dict[str, Any]]:
    """``[{"screening_id", "subject_id" or None}]``: the screening output's ``possible_duplicates``."""
    rows = duplicate_screenings(screening).select_related("subject")
    return [{"screening_id": s.pk, "subject_id": s.subject.subject_id if hasattr(s, "subject") else None} for s in rows]


def person_ids(screening_ids: list[int]) -> dict[int, int]:
    """A person key for each screening: the smallest screening id of its group of same-person screenings
    (the groups joined through any chain of matches), so that counts can be of persons, not rows."""
    parent = {pk: pk for pk in screening_ids}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    groups: dict[tuple[Any, ...], int] = {}
    rows = Identifiers.objects.filter(screening_id__in=screening_ids).values_list(
        "screening_id", "screening__site_id", "hospital_number", "full_name", "birth_date"
    )
    for pk, site_id, number, name, birth in rows:
        keys = []
        if normalised(number):
            keys.append(("number", site_id, normalised(number).casefold()))
        if normalised(name) and birth is not None:
            keys.append(("name", normalised(name).casefold(), birth))
        for key in keys:
            if key in groups:
                join(groups[key], pk)
            else:
                groups[key] = pk
    return {pk: root(pk) for pk in screening_ids}
