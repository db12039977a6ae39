"""``POST /api/auth/token``: a bearer token for a username and password (throttled by django-axes);
``DELETE /api/auth/token``: revoke the token the request is sent with (audited)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Status

from haictrial.edc.accounts.services import issue_token, revoke_token
from haictrial.edc.api.schemas import ErrorOut, TokenIn, TokenOut

router = Router(tags=["auth"])


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def token(request: HttpRequest, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return Status(429, {"detail": "too many failed logins; try again later", "field": None})
    if user is None or not user.is_active:
        return Status(401, {"detail": "wrong username or password", "field": "password"})
    return Status(200, {"token": issue_token(user, kind="redcap" if payload.format == "redcap" else "api")})


@router.delete("/token", response={204: None, 401: ErrorOut})
def revoke(request: HttpRequest):
    """Revoke the bearer token of this request: 204, and that token is refused (401) from now on."""
    _scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    revoke_token(token.strip())
    return Status(204, None)
