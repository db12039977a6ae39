"""The API's error mapping, in one place: every client mistake is a 4xx ``{"detail", "field"}``."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import ValidationError as PydanticValidationError

from haictrial.documents import clean_message, error_path, first_error
from haictrial.errors import ConflictError, DomainError, UnprocessableError

logger = logging.getLogger("haictrial.api")

#: Leading parts of ninja's error locations that are not part of the client's document.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field(location: tuple[Any, ...]) -> str | None:
    """ninja's error location without its source and body-parameter name: the client's field path."""
    parts = list(location)
    if parts and parts[0] == "body":
        parts = parts[2:]  # ("body", <parameter name>, ...fields)
    elif parts and parts[0] in _SOURCES:
        parts = parts[1:]
    parts = [p for p in parts if not (isinstance(p, str) and p.endswith("]") and "[" in p)]
    return error_path(tuple(parts)) or None


def install(api: NinjaAPI) -> None:
    def reply(request: HttpRequest, status: int, detail: str, field: str | None = None) -> HttpResponse:
        return api.create_response(request, {"detail": detail, "field": field}, status=status)

    @api.exception_handler(ValidationError)
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        err = exc.errors[0] if exc.errors else {"loc": (), "msg": "invalid input", "type": ""}
        message = clean_message(str(err.get("type", "")), str(err.get("msg", "invalid input")))
        return reply(request, 422, message, _field(tuple(err.get("loc", ()))))

    @api.exception_handler(PydanticValidationError)
    def pydantic_validation(request: HttpRequest, exc: PydanticValidationError) -> HttpResponse:
        error = first_error(exc)
        return reply(request, 422, error.message, error.field)

    @api.exception_handler(DomainError)
    def domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        status = 409 if isinstance(exc, ConflictError) else 422 if isinstance(exc, UnprocessableError) else 400
        return reply(request, status, exc.message, exc.field)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return reply(request, 401, "a valid token is required: Authorization: Bearer TOKEN (POST /api/auth/token)")

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return reply(request, 403, str(exc) or "forbidden")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return reply(request, 404, "not found")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = "the request body is not valid JSON"
        return reply(request, exc.status_code, detail)

    @api.exception_handler(DataError)
    def unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The last line of defence for values the database refuses (checked earlier where known).
        return reply(request, 400, "a value in the request cannot be stored (out of range or not valid text)")

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unexpected error in %s %s", request.method, request.path)
        return reply(request, 500, "internal error")
