"""The account page issues and revokes the user's REDCap-format tokens (docs/contracts/interop.md, REDCap API
subset: a 32-hexadecimal token per user, valid only for the read-only /redcap/api/, revocable like any token)."""

from __future__ import annotations

import re

from django.test import Client

from haictrial.edc.accounts.models import ApiToken


def _issue(client: Client) -> str:
    page = client.post("/account/redcap-token/", {"action": "issue"}).content.decode()
    found = re.search(r'<code id="redcap-token">([^<]+)</code>', page)
    assert found, page
    return found.group(1)


def _version(token: str) -> int:
    return Client().post("/redcap/api/", {"token": token, "content": "version"}).status_code


def test_it_issues_a_redcap_token_that_the_redcap_api_accepts(users):
    client = Client()
    client.force_login(users["carol"])
    token = _issue(client)
    assert re.fullmatch(r"[0-9A-F]{32}", token)
    assert _version(token) == 200
    # valid only for the REDCap API: /api/ refuses it
    assert Client().get("/api/subjects", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    page = client.get("/account/").content.decode()
    assert 'id="redcap-tokens"' in page and "Revoke" in page


def test_it_revokes_the_users_own_token_only(users):
    carol, bob = Client(), Client()
    carol.force_login(users["carol"])
    bob.force_login(users["bob"])
    token = _issue(carol)
    token_id = ApiToken.objects.get(user=users["carol"], kind="redcap").pk
    bob.post("/account/redcap-token/", {"action": "revoke", "token_id": token_id})
    assert _version(token) == 200  # another user cannot end it
    carol.post("/account/redcap-token/", {"action": "revoke", "token_id": token_id})
    assert _version(token) in (401, 403)
    assert ApiToken.objects.get(pk=token_id).end_reason == "revoked"
    assert 'id="issue-redcap-token"' in carol.get("/account/").content.decode()


def test_a_token_id_that_is_not_a_number_is_a_message_not_an_error(users):
    client = Client()
    client.force_login(users["carol"])
    response = client.post("/account/redcap-token/", {"action": "revoke", "token_id": "x"}, follow=True)
    assert response.status_code == 200 and "No such live token" in response.content.decode()
