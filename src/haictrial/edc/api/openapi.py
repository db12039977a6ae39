"""The OpenAPI document says what the API really accepts and answers, so that clients and fuzzers
(schemathesis) do not mistake valid requests for invalid ones, nor documented answers for surprises:

- every operation documents 400 and 422 ``{"detail", "field"}`` (django-ninja leaves its own 422 out);
- every authenticated operation documents 401 with its ``WWW-Authenticate: Bearer`` header (RFC 6750);
- ``{form}`` and ``form`` parameters list the eCRF names (an enum); a ``site`` in a body is three digits.

References: OpenAPI 3.1 section 4.8.16 (Responses Object); RFC 6750 section 3; docs/contracts/server.md.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from haictrial.clinical.crf_base import FormName
from haictrial.edc.accounts.models import SITE_CODE_PATTERN

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
    if headers:
        response["headers"] = headers
    return response


CHALLENGE_HEADER = {
    "WWW-Authenticate": {
        "description": 'Bearer realm="haictrial" (RFC 6750 section 3)',
        "schema": {"type": "string", "pattern": "^Bearer "},
    }
}


def _site_pattern(node: Any) -> None:
    """Every ``site`` string property in the request schemas: three digits."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get("site"), dict):
            site = properties["site"]
            if site.get("type") == "string" and "pattern" not in site:
                site["pattern"] = SITE_CODE_PATTERN
        for value in node.values():
            _site_pattern(value)
    elif isinstance(node, list):
        for value in node:
            _site_pattern(value)


def refine(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the declarations above added (idempotent)."""
    forms = [f.value for f in FormName]
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            takes_input = bool(operation.get("requestBody") or operation.get("parameters"))
            if takes_input:
                responses.setdefault(400, _error("Bad input, naming the field"))
                responses.setdefault(422, _error("Invalid value, naming the field"))
            if operation.get("security") or 401 in responses:
                responses.setdefault(401, _error("No valid token"))
                responses[401].setdefault("headers", CHALLENGE_HEADER)
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("name") == "form" and schema.get("type") == "string":
                    schema["enum"] = forms
    _site_pattern(document.get("components", {}).get("schemas", {}))
    return document


def install(api: NinjaAPI) -> None:
    """Refine every OpenAPI document ``api`` produces."""
    produce = api.get_openapi_schema

    def refined(*args: Any, **kwargs: Any) -> Any:
        return refine(produce(*args, **kwargs))

    api.get_openapi_schema = refined  # type: ignore[method-assign]
