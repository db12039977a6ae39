"""Who may see and do what: the ONE place where roles and row-level site isolation are enforced.

Every page, API call, export and search reads clinical rows through :meth:`SiteScopedQuerySet.visible_to`
(models declare ``site_lookup``, the path from the row to its :class:`~haictrial.edc.accounts.models.Site`)
and checks actions with :func:`require`. A user sees only the rows of the sites they belong to; the
statistician reads every site, de-identified (no :class:`Capability.identifiers`). A row of another site
is "not found" (404), so that its existence and data never leak.

Role -> capabilities (docs/contracts/server.md roles):

============  ====  ======  ======  ====  ===========  =========
role          read  screen  enroll  edit  identifiers  all sites
============  ====  ======  ======  ====  ===========  =========
investigator  yes   yes     yes     yes   own sites    no
coordinator   yes   yes     yes     yes   own sites    no
monitor       yes   no      no      no    own sites    no
statistician  yes   no      no      no    no           yes
admin         yes   no      no      no    no           no
============  ====  ======  ======  ====  ===========  =========

eCRF data management: ``sign`` (sign a casebook, unlock a signed form: investigator) and
``monitor`` (open and close queries, source data verification: monitor); answering a query is ``edit``.

Analysis report: ``report`` (build and read the trial's de-identified analysis report, all sites:
statistician and admin).

Data exports: ``export`` (build and download de-identified SDTM, ODM, REDCap and ClinicalTrials.gov
packages of the sites the user may read: coordinator, statistician and admin).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from haictrial.edc.accounts.models import Site

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from haictrial.edc.accounts.models import User

ModelT = TypeVar("ModelT", bound=models.Model)


class Capability(StrEnum):
    read = "read"
    screen = "screen"
    enroll = "enroll"
    edit = "edit"
    identifiers = "identifiers"
    all_sites = "all_sites"
    sign = "sign"
    monitor = "monitor"
    report = "report"
    export = "export"


_C = Capability
#: role (``Role`` value) -> what it may do.
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "investigator": frozenset({_C.read, _C.screen, _C.enroll, _C.edit, _C.identifiers, _C.sign}),
    "coordinator": frozenset({_C.read, _C.screen, _C.enroll, _C.edit, _C.identifiers, _C.export}),
    "monitor": frozenset({_C.read, _C.identifiers, _C.monitor}),
    "statistician": frozenset({_C.read, _C.all_sites, _C.report, _C.export}),
    "admin": frozenset({_C.read, _C.report, _C.export}),
}


def capabilities(user: User | AnonymousUser | None) -> frozenset[Capability]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    return ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def can(user: User | AnonymousUser | None, capability: Capability) -> bool:
    return capability in capabilities(user)


def require(user: User | AnonymousUser | None, capability: Capability) -> None:
    """Raise PermissionDenied (403) unless the user's role has ``capability``."""
    if not can(user, capability):
        raise PermissionDenied(_("Your role does not allow this action."))


def member_site_ids(user: User | AnonymousUser | None) -> frozenset[int]:
    """Ids of the sites the user belongs to (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_member_site_ids", None)
    if cached is None:
        cached = frozenset(user.sites.values_list("id", flat=True))  # type: ignore[union-attr]
        user._member_site_ids = cached  # type: ignore[union-attr]
    return cached


def readable_site_ids(user: User | AnonymousUser | None) -> frozenset[int] | None:
    """Sites whose rows the user may read; None means every site (statistician)."""
    if not can(user, Capability.read):
        return frozenset()
    if can(user, Capability.all_sites):
        return None
    return member_site_ids(user)


def visible_sites(user: User | AnonymousUser | None) -> models.QuerySet[Site]:
    ids = readable_site_ids(user)
    return Site.objects.all() if ids is None else Site.objects.filter(id__in=ids)


def can_see_identifiers(user: User | AnonymousUser | None, site_id: int) -> bool:
    """Direct identifiers: only staff of the row's own site whose role may see them."""
    return can(user, Capability.identifiers) and site_id in member_site_ids(user)


def require_site_action(user: User | AnonymousUser | None, site_id: int, capability: Capability) -> None:
    """Raise PermissionDenied unless the user may do ``capability`` at a site they belong to."""
    require(user, capability)
    if site_id not in member_site_ids(user):
        raise PermissionDenied(_("You do not belong to this site."))


class SiteScopedQuerySet(models.QuerySet[ModelT]):
    """A queryset that knows the path from its rows to their site (``Model.site_lookup``)."""

    def visible_to(self, user: User | AnonymousUser | None) -> SiteScopedQuerySet[ModelT]:
        """The rows ``user`` may read: their own sites' rows (all sites for the statistician)."""
        ids = readable_site_ids(user)
        if ids is None:
            return self
        lookup: str = self.model.site_lookup  # type: ignore[attr-defined]
        return self.filter(**{f"{lookup}__in": ids})

    def get_visible(self, user: User | AnonymousUser | None, **lookup: Any) -> ModelT:
        """One row the user may read, or Http404 (also for another site's row: never its data)."""
        try:
            return self.visible_to(user).get(**lookup)
        except self.model.DoesNotExist:
            raise Http404(_("Not found.")) from None


class SiteScopedManager(models.Manager.from_queryset(SiteScopedQuerySet)):  # type: ignore[misc]
    """Default manager of every site-owned clinical model."""
