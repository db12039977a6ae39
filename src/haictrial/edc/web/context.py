"""Template context shared by every page: what the user may do, versions, the demo banner."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from haictrial import __version__
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.accounts.models import Site
from haictrial.edc.demo_label import DEMO_SITE_PREFIX


def edc(request: HttpRequest) -> dict[str, Any]:
    from haictrial.edc.trial import protocol

    user = getattr(request, "user", None)
    return {
        "can": {c.value: access.can(user, c) for c in Capability},
        "engine_version": __version__,
        "protocol": protocol(),
        "demo": Site.objects.filter(name__startswith=DEMO_SITE_PREFIX).exists(),
    }
