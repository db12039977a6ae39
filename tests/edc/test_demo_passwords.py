"""The demo's random passwords always pass the site's password validators (Django's
UserAttributeSimilarityValidator rejects about 1 in 1 000 of them for a short username such as demo-admin)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password

from haictrial.edc.accounts.models import User
from haictrial.edc.demo import USERS, _password


@pytest.mark.parametrize("username", [username for username, _, _ in USERS])
def test_every_demo_password_is_accepted_for_its_user(username: str) -> None:
    for _ in range(3000):
        validate_password(_password(username), User(username=username))
