"""Request bodies checked before any view, and JSON errors for every API path (docs/contracts/server.md, API).

- A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (by its Content-Length, or Django's RequestDataTooBig while
  reading it): 413 ``{"detail", "field": null}``.
- A multipart body that cannot be parsed (no boundary, truncated): 400.
- A JSON body that is not UTF-8: 400; one with a NUL character or a lone UTF-16 surrogate in any string
  or key: 422 naming the field path (PostgreSQL text and JSON cannot hold a NUL; a lone surrogate cannot
  be encoded at all). Syntax errors are left to the API, which answers 400.
- Under ``/api/``: a 404 or 405 that is not JSON (an unknown path, Django's method refusal) becomes
  ``{"detail", "field": null}``, keeping the ``Allow`` header.

Outside ``/api/`` the same refusals are short plain-text pages with the same status codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from haictrial.documents import error_path

API_PREFIX = "/api/"
_MESSAGES = {404: "not found", 405: "method not allowed"}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def _refuse(request: HttpRequest, status: int, detail: str, field: str | None = None) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": detail, "field": field}, status=status)
    else:
        response = HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def bad_text(value: Any, location: tuple[int | str, ...] = ()) -> tuple[str, str | None] | None:
    """The first string (or key) of a parsed JSON value holding a NUL or a lone surrogate, as
    ``(problem, field path)``, or None when every string can be stored."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character", error_path(location) or None
        if _has_surrogate(value):
            return "contains a lone UTF-16 surrogate (not a character)", error_path(location) or None
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            here = (*location, "?" if _has_surrogate(key) else key)
            found = bad_text(key, here) or bad_text(item, here)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = bad_text(item, (*location, index))
            if found:
                return found
    return None


class RequestBodyMiddleware:
    """See the module docstring; installed inside the security-header middlewares (so its answers carry them)
    and before the session, CSRF and authentication middlewares (which would read the body)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._check(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if _is_api(request) and response.status_code in _MESSAGES and not _is_json(response):
            replacement = _refuse(request, response.status_code, _MESSAGES[response.status_code])
            for name, value in response.items():
                if name.lower() not in ("content-type", "content-length"):
                    replacement[name] = value
            return replacement
        return response

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = (request.content_type or "").lower()
        multipart = content_type.startswith("multipart/")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refuse(request, 400, "the Content-Length header is not a number")
        if limit is not None and length > limit and not multipart:
            return _too_big(request, limit)
        api = _is_api(request)
        try:
            # The API takes no file uploads: its whole body is read (and held) first, so that the API can
            # read it again after a multipart parse. A page's multipart body (an uploaded file) is streamed.
            body = request.body if api or not multipart else b""
            if multipart or content_type == "application/x-www-form-urlencoded":
                request.POST  # noqa: B018 - parse now, so that a malformed body is refused here
        except RequestDataTooBig:
            return _too_big(request, limit)
        except MultiPartParserError:
            return _refuse(request, 400, "the multipart body cannot be parsed (a boundary is required)")
        if not body or not api or multipart:
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _refuse(request, 400, f"the request body is not valid UTF-8 (byte {exc.start})")
        try:
            document = json.loads(text)
        except ValueError:
            return None  # not JSON: the API answers 400 for a body it cannot parse
        problem = bad_text(document)
        if problem is not None:
            return _refuse(request, 422, problem[0], problem[1])
        return None


def _too_big(request: HttpRequest, limit: int | None) -> HttpResponse:
    return _refuse(request, 413, f"the request body is larger than the limit of {limit} bytes")


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")
