"""Response headers for patient data: ``Cache-Control: no-store`` and the bearer challenge on 401.

Placed after WhiteNoise in ``MIDDLEWARE``: static files (no patient data) keep their long cache
lifetimes; every page and API answer the application itself makes is never stored by a browser or
a proxy. The Content-Security-Policy comes from django-csp, HSTS from Django's SecurityMiddleware
(settings ``CONTENT_SECURITY_POLICY``, ``SECURE_HSTS_SECONDS``).

References: RFC 9111 section 5.2.2.5 (no-store); RFC 6750 section 3 (``WWW-Authenticate: Bearer``
on a 401 of a bearer-token API); HIPAA 45 CFR 164.312(a) / 21 CFR Part 11 section 11.10(d) (access
control: patient data must not linger in shared caches).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

BEARER_CHALLENGE = 'Bearer realm="haictrial"'


class PatientDataHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        if response.status_code == 401 and request.path.startswith("/api/") and "WWW-Authenticate" not in response:
            has_token = request.headers.get("Authorization", "").lower().startswith("bearer ")
            response["WWW-Authenticate"] = BEARER_CHALLENGE + (', error="invalid_token"' if has_token else "")
        return response
