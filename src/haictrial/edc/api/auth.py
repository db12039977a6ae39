"""Bearer-token authentication of the API (tokens are stored hashed)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from haictrial.edc.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token, touch=request.method not in ("GET", "HEAD", "OPTIONS"))
        if user is not None:
            request.user = user
        return user
