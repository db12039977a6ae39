"""Password change on the account page: django.contrib.auth's PasswordChangeForm with the project's
AUTH_PASSWORD_VALIDATORS (at least 10 characters, not common, not all digits, not like the username),
field errors in the user's language, the session kept, and the change sealed in the audit trail as
"password changed" without the hash.

References: 21 CFR Part 11 sections 11.10(e) (audit trails) and 11.300(b) (passwords revised);
Django documentation, "Password management in Django" (password validation).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.audit.verify import verify_all

from .conftest import PASSWORD

NEW = "Blue-lantern-harbour-7"


def _client(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_account_page_offers_a_password_change(users, language):
    html = _client(users["alice"], language).get("/account/").content.decode()
    assert 'id="password-form"' in html and 'action="/account/password/"' in html
    for name in ("old_password", "new_password1", "new_password2"):
        assert f'<label for="id_{name}">' in html
    assert ("修改密码" if language == "zh-hans" else "Change password") in html


@pytest.mark.django_db
def test_it_changes_the_password_keeps_the_session_and_audits_the_change(users):
    alice = users["alice"]
    client = _client(alice)
    before = AuditEntry.objects.count()
    data = {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    response = client.post("/account/password/", data)
    assert response.status_code == 302 and response["Location"] == "/account/"
    alice.refresh_from_db()
    assert alice.check_password(NEW) and not alice.check_password(PASSWORD)
    assert client.get("/account/").status_code == 200  # still signed in (update_session_auth_hash)
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    changed = [e for e in entries if e.model == "accounts.user" and e.object_id == str(alice.pk)]
    assert len(changed) == 1
    assert changed[0].reason == "password changed"
    assert changed[0].new_values == {"password": "[changed]"} and changed[0].username == "alice"
    assert alice.password not in str(changed[0].old_values) + str(changed[0].new_values)
    assert verify_all().intact, verify_all().problems


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("en", {"old_password": "wrong-one-123", "new_password1": NEW, "new_password2": NEW}, "old_password",
         "Your old password was entered incorrectly"),
        ("en", {"old_password": PASSWORD, "new_password1": "short-1", "new_password2": "short-1"}, "new_password2",
         "at least 10 characters"),
        ("en", {"old_password": PASSWORD, "new_password1": "1234567890123", "new_password2": "1234567890123"},
         "new_password2", "entirely numeric"),
        ("en", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}, "new_password2",
         "didn’t match"),
        ("zh-hans", {"old_password": "wrong-one-123", "new_password1": NEW, "new_password2": NEW}, "old_password",
         "旧密码不正确"),
        ("zh-hans", {"old_password": PASSWORD, "new_password1": "short-1", "new_password2": "short-1"},
         "new_password2", "密码必须包含至少 10 个字符"),
    ],
)  # fmt: skip
def test_a_rejected_change_shows_the_field_error_and_changes_nothing(users, language, data, field, message):
    alice = users["alice"]
    client = _client(alice, language)
    before = AuditEntry.objects.filter(model="accounts.user").count()
    response = client.post("/account/password/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'href="#id_{field}"' in html
    assert message in html, html[html.index('id="password-form"') :][:2000]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert AuditEntry.objects.filter(model="accounts.user").count() == before


@pytest.mark.django_db
def test_a_signed_out_user_cannot_change_a_password(users):
    response = Client().post("/account/password/", {"old_password": PASSWORD, "new_password1": NEW})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert get_user_model().objects.get(username="alice").check_password(PASSWORD)
