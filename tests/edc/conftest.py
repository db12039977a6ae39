"""Shared EDC fixtures: two sites and users of every role (alice and carol at 001, bob at 002,
monty the 001 monitor, stan the statistician, adam the admin), API clients with tokens, and the
contract's example patient."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from haictrial.edc.accounts.services import create_site, create_user, issue_token

from .enrolment import consent_body

EXAMPLE = Path(__file__).parents[2] / "src" / "haictrial" / "protocols" / "examples" / "patient.example.json"
PASSWORD = "Corr3ct-horse-battery-staple"
USERS = {
    "alice": ("investigator", ["001"]),
    "carol": ("coordinator", ["001"]),
    "bob": ("investigator", ["002"]),
    "monty": ("monitor", ["001"]),
    "stan": ("statistician", []),
    "adam": ("admin", ["001"]),
}


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Argon2 is the production hasher (tested in test_accounts); MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sites(db):
    return {"001": create_site("001", "Tongji Hospital"), "002": create_site("002", "Second Site")}


@pytest.fixture
def users(sites):
    return {name: create_user(name, role, codes, PASSWORD) for name, (role, codes) in USERS.items()}


@pytest.fixture
def patient() -> dict[str, Any]:
    """The contract's example patient (eligible, left-sided, RAS/BRAF wild type) screened at site 001."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["site"] = "001"
    document["identifiers"] = {"full_name": "Zhang San", "hospital_number": "H-0042"}
    return copy.deepcopy(document)


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer`` and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any = None, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(path, data, content_type="application/json", headers=self.headers)

    def patch(self, path: str, body: Any):
        return self.client.patch(path, json.dumps(body), content_type="application/json", headers=self.headers)


@pytest.fixture
def api(users) -> dict[str, ApiClient]:
    clients = {name: ApiClient(issue_token(user)) for name, user in users.items()}
    clients["anonymous"] = ApiClient(None)
    return clients


@pytest.fixture
def enrolled(api, patient) -> dict[str, Any]:
    """alice screens and enrols the example patient at site 001; returns the enrolment response body."""
    screening = api["alice"].post("/api/screenings", patient)
    assert screening.status_code == 201, screening.content
    response = api["alice"].post(f"/api/screenings/{screening.json()['screening_id']}/enroll", consent_body())
    assert response.status_code == 201, response.content
    return response.json()
