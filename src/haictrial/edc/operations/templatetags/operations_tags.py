"""The SAE tile per site on the dashboard and the digest switch on the account page."""

from __future__ import annotations

from typing import Any

from django import template

from haictrial.edc.operations import desk, notify

register = template.Library()


@register.inclusion_tag("operations/_sae_tiles.html", takes_context=True)
def sae_desk_tiles(context: dict[str, Any]) -> dict[str, Any]:
    return {"tiles": desk.sae_tiles(context["request"].user)}


@register.inclusion_tag("operations/_digest_preference.html", takes_context=True)
def digest_preference(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    return {"daily_digest": notify.wants_digest(user), "csrf_token": context.get("csrf_token")}
