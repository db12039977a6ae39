"""Schemathesis over every operation of ``/api/openapi.json`` with a valid token: no server error, every
answer documented (status code, content type, body schema), valid requests accepted and invalid ones
refused. Bounded: a few examples per operation, so the whole file runs well inside a CI minute or two.

References: OpenAPI 3.1 (the API's own document); docs/contracts/server.md (never a 500 for anything a
client sends; 400/422 ``{"detail", "field"}`` for bad input).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from haictrial.edc.accounts.services import issue_token
from haictrial.edc.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# The contract refuses NUL in any string (400/422 naming the field; tested in test_api_fuzz.py), which a JSON
# Schema of free-form objects cannot say: generate no NUL, so that "valid" examples are valid.
schema.config.generation.update(allow_x00=False, with_security_parameters=False)
EXAMPLES = settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture
def wsgi_in_test_transaction():
    """Schemathesis calls the WSGI app directly: keep Django from closing the test's database connection at
    the end of each request, as django.test.Client does (requested after any fixture that uses a Client,
    which connects the handlers again)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(users, enrolled) -> dict[str, str]:
    """alice (investigator at 001) with an enrolled subject CHA-001-0001 to read."""
    return {"Authorization": f"Bearer {issue_token(users['alice'])}"}


#: Operations taking a clinical patient document: units per lab, physiological limits in the unit given and dates
#: against today (docs/contracts/screen.md) are more than a JSON Schema can say; a schema-valid document may be refused,
#: but only as a 400/422 naming the field. So is a pre-screening extract (a file of such documents).
CLINICAL_DOCUMENTS = {"POST /api/screenings", "PATCH /api/screenings/{screening_id}", "POST /api/prescreen/upload"}


@schema.exclude(method="DELETE", path="/api/auth/token").parametrize()
@EXAMPLES
def test_every_operation_answers_as_documented(case, bearer, wsgi_in_test_transaction):
    response = case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return
    body = response.json()
    label = case.operation.label
    if label in CLINICAL_DOCUMENTS:
        assert body["field"] and body["detail"], (label, body)
    else:
        # positive_data_acceptance, with one exception the schema cannot know: a well-formed code of a site
        # that does not exist (data, not format) is a 400 naming the site.
        assert body["field"] == "site" and body["detail"].startswith("no site with code"), (label, body)


def test_revoking_the_token_answers_as_documented(users, wsgi_in_test_transaction):
    """Apart from the others: a revoked token would turn every later example into a 401."""
    operation = schema["/api/auth/token"]["DELETE"]
    case = operation.Case()
    case.call_and_validate(headers={"Authorization": f"Bearer {issue_token(users['bob'])}"})


def test_the_document_declares_what_the_api_accepts():
    document = schema.raw_schema
    forms = document["paths"]["/api/subjects/{subject_id}/forms/{form}"]["post"]["parameters"]
    assert any(p["name"] == "form" and p["schema"].get("enum") for p in forms)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "patch", "put") and operation.get("requestBody"):
                assert "422" in operation["responses"], (method, path)


def test_the_deviation_filter_is_the_models_review_states():
    from typing import get_args

    from haictrial.edc.api.routers.operations import DeviationFilter
    from haictrial.edc.operations.models import DeviationStatus

    assert set(get_args(DeviationFilter)) == set(DeviationStatus.values)
    parameters = schema.raw_schema["paths"]["/api/deviations"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")
    assert "enum" in str(status["schema"])
