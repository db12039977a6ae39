"""Accounts in the sealed trail, token hygiene and the security headers (docs/contracts/server.md "Tokens and
headers").

References: 21 CFR Part 11 sections 11.10(d), 11.10(e), 11.300; RFC 6750 section 3 (WWW-Authenticate:
Bearer); RFC 9111 section 5.2.2.5 (no-store); RFC 6797 (HSTS); W3C CSP Level 3.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from haictrial.edc.accounts.models import ApiToken, User
from haictrial.edc.accounts.services import create_user, issue_token, user_for_token
from haictrial.edc.audit.chain import verify
from haictrial.edc.audit.models import AuditEntry

from .conftest import PASSWORD, ApiClient


def _entries(model: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model=model).order_by("seq"))


# --- accounts in the trail ---------------------------------------------------------------------------


def test_it_audits_user_creation_with_its_sites(users):
    alice = users["alice"]
    created, sites = [e for e in _entries("accounts.user") if e.object_id == str(alice.pk)][:2]
    assert created.action == "create" and created.new_values["role"] == "investigator"
    assert "password" not in created.new_values
    assert (sites.old_values, sites.new_values) == ({"sites": []}, {"sites": ["001"]})
    assert verify().intact


def test_it_audits_role_changes_deactivation_and_site_membership(users, sites):
    carol = users["carol"]
    carol.role = "monitor"
    carol.save()
    carol.sites.add(sites["002"])
    sites["001"].users.remove(carol)
    carol.is_active = False
    carol.save()
    mine = [e for e in _entries("accounts.user") if e.object_id == str(carol.pk)][2:]
    assert [(e.old_values, e.new_values) for e in mine] == [
        ({"role": "coordinator"}, {"role": "monitor"}),
        ({"sites": ["001"]}, {"sites": ["001", "002"]}),
        ({"sites": ["001", "002"]}, {"sites": ["002"]}),
        ({"is_active": True}, {"is_active": False}),
    ]
    assert mine[-1].reason == "user deactivated"
    assert verify().intact


def test_a_password_change_is_audited_without_the_hash(users):
    stan = users["stan"]
    stan.set_password("An0ther-long-passphrase")
    stan.save()
    entry = _entries("accounts.user")[-1]
    assert entry.new_values == {"password": "[changed]"} and "pbkdf2" not in str(entry.old_values)


def test_token_creation_revocation_and_expiry_are_audited(users, settings):
    token = issue_token(users["alice"])
    created = _entries("accounts.apitoken")[-1]
    assert created.action == "create" and created.username == "alice"
    client = ApiClient(token)
    response = client.client.delete("/api/auth/token", headers=client.headers)
    assert response.status_code == 204
    after = client.get("/api/subjects")
    assert after.status_code == 401 and after["WWW-Authenticate"].startswith("Bearer")
    revoked = _entries("accounts.apitoken")[-1]
    assert revoked.new_values["end_reason"] == "revoked" and revoked.reason == "token revoked"
    old = issue_token(users["bob"])
    ApiToken.objects.filter(user=users["bob"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert user_for_token(old) is None
    expired = _entries("accounts.apitoken")[-1]
    assert expired.new_values["end_reason"] == "expired"
    assert user_for_token(old) is None and _entries("accounts.apitoken")[-1].seq == expired.seq  # audited once
    assert verify().intact


def test_tokens_expire_after_haictrial_token_days(users, settings):
    settings.HAICTRIAL_TOKEN_DAYS = 2
    issue_token(users["alice"])
    token = ApiToken.objects.filter(user=users["alice"]).latest("pk")
    assert dt.timedelta(days=2) - (token.expires_at - timezone.now()) < dt.timedelta(minutes=1)


def test_failed_and_locked_logins_are_audited_and_lockout_refuses_tokens(users, settings, api):
    settings.AXES_FAILURE_LIMIT = 3
    assert api["alice"].get("/api/subjects").status_code == 200
    anonymous = Client()
    for _ in range(3):
        response = anonymous.post(
            "/api/auth/token", {"username": "alice", "password": "wrong"}, content_type="application/json"
        )
    assert response.status_code == 429
    failed = _entries("accounts.login")
    assert len(failed) >= 3 and failed[0].new_values["username"] == "alice" and failed[0].reason == "failed login"
    assert _entries("accounts.lockout")[0].username == "alice"
    refused = api["alice"].get("/api/subjects")  # the token issued before the lockout
    assert refused.status_code == 401 and 'error="invalid_token"' in refused["WWW-Authenticate"]
    assert api["bob"].get("/api/subjects").status_code == 200
    assert verify().intact


def test_a_deactivated_accounts_tokens_are_refused(users, api):
    User.objects.filter(pk=users["bob"].pk).update(is_active=False)
    assert api["bob"].get("/api/subjects").status_code == 401


def test_every_401_carries_the_bearer_challenge(users):
    assert Client().get("/api/subjects")["WWW-Authenticate"] == 'Bearer realm="haictrial"'
    wrong = Client().post("/api/auth/token", {"username": "alice", "password": "x"}, content_type="application/json")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Bearer")


# --- headers ----------------------------------------------------------------------------------------


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


PAGES = ["/", "/subjects/", "/screenings/", "/screenings/new/", "/account/", "/data-management/"]


def test_every_page_and_api_answer_is_no_store_with_a_self_only_csp(users, api, enrolled):
    client = _signed_in(users["alice"])
    subject = "/subjects/CHA-001-0001/"
    pages = [*PAGES, subject, subject + "plan/", subject + "casebook/", subject + "forms/adverse_events/new/"]
    for path in pages:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
        html = response.content.decode()
        # No inline script or event-handler attribute that the policy would refuse (CSP3 "inline" checks).
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html.replace('type="application/json"', "src=x")), path
        assert not re.search(r"\son[a-z]+=", html), path
    for path in ("/api/subjects", "/api/subjects/CHA-001-0001", "/api/subjects/CHA-001-0001/audit"):
        assert "no-store" in api["alice"].get(path)["Cache-Control"], path


def test_the_login_page_has_no_inline_script(db):
    response = Client().get("/login/")
    assert response.status_code == 200
    assert not re.search(r"\son[a-z]+=", response.content.decode())


def test_hsts_is_sent_over_https_when_configured(users, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client().get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in Client().get("/login/")


def test_check_deploy_is_clean_with_https_settings(tmp_path):
    env = dict(
        os.environ,
        HAICTRIAL_DATA_DIR=str(tmp_path),
        HAICTRIAL_SECRET_KEY="a-long-random-production-key-" + "x9Q!" * 12,
        HAICTRIAL_HSTS_SECONDS="31536000",
        HAICTRIAL_SSL_REDIRECT="1",
        HAICTRIAL_HSTS_PRELOAD="1",
        HAICTRIAL_SECURE_COOKIES="1",
        HAICTRIAL_ALLOWED_HOSTS="edc.example.org",
        DJANGO_SETTINGS_MODULE="haictrial.edc.settings",
    )
    env.pop("HAICTRIAL_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


# --- GETs never write --------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["alice", "stan"])
def test_a_get_of_the_plan_writes_nothing(api, enrolled, reader):
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor != "sqlite":
        pytest.skip("row-change counter of SQLite")
    before = raw.total_changes
    response = api[reader].get("/api/subjects/CHA-001-0001/plan", cycle=2)
    assert response.status_code == 200
    assert raw.total_changes == before


def test_a_user_added_on_the_command_line_is_audited(db, sites):
    user = create_user("newbie", "monitor", ["002"], PASSWORD)
    assert [e.action for e in _entries("accounts.user") if e.object_id == str(user.pk)] == ["create", "update"]


# --- the role x action x site matrix (docs/contracts/server.md: a user sees and edits only their sites) ---------

#: (user, action, site of the subject) -> the status the API answers. 404 hides another site's subject.
#: users: alice investigator 001, carol coordinator 001, bob investigator 002, monty monitor 001,
#: stan statistician (all sites, de-identified), adam admin 001.
MATRIX = {
    "read": {
        "alice": {"001": 200, "002": 404},
        "carol": {"001": 200, "002": 404},
        "bob": {"001": 404, "002": 200},
        "monty": {"001": 200, "002": 404},
        "stan": {"001": 200, "002": 200},
        "adam": {"001": 200, "002": 404},
    },
    "audit": {
        "alice": {"001": 200, "002": 404},
        "carol": {"001": 200, "002": 404},
        "bob": {"001": 404, "002": 200},
        "monty": {"001": 200, "002": 404},
        "stan": {"001": 200, "002": 200},
        "adam": {"001": 200, "002": 404},
    },
    "save": {
        "alice": {"001": 201, "002": 404},
        "carol": {"001": 201, "002": 404},
        "bob": {"001": 404, "002": 201},
        "monty": {"001": 403, "002": 404},
        "stan": {"001": 403, "002": 403},
        "adam": {"001": 403, "002": 404},
    },
    "screen": {
        "alice": {"001": 201, "002": 403},
        "carol": {"001": 201, "002": 403},
        "bob": {"001": 403, "002": 201},
        "monty": {"001": 403, "002": 403},
        "stan": {"001": 403, "002": 403},
        "adam": {"001": 403, "002": 403},
    },
}
CASES = [
    (a, u, s, code) for a, by_user in MATRIX.items() for u, by_site in by_user.items() for s, code in by_site.items()
]


@pytest.fixture
def two_subjects(api, patient, enrolled):
    """CHA-001-0001 (alice's site) and the first subject of site 002 (bob's)."""
    from .enrolment import consent_body

    other = dict(patient, site="002", identifiers={"full_name": "Li Si", "hospital_number": "H-9"})
    screening = api["bob"].post("/api/screenings", other).json()
    subject = api["bob"].post(f"/api/screenings/{screening['screening_id']}/enroll", consent_body()).json()
    return {"001": enrolled["subject_id"], "002": subject["subject_id"]}


@pytest.mark.parametrize("action, user, site, expected", CASES, ids=[f"{a}-{u}-{s}" for a, u, s, _ in CASES])
def test_the_role_action_site_matrix(api, patient, two_subjects, action, user, site, expected):
    subject_id = two_subjects[site]
    client = api[user]
    if action == "read":
        response = client.get(f"/api/subjects/{subject_id}")
    elif action == "audit":
        response = client.get(f"/api/subjects/{subject_id}/audit")
    elif action == "save":
        payload = {"subject_id": subject_id, "name": "paracetamol", "start_date": "2026-01-05"}
        response = client.post(f"/api/subjects/{subject_id}/forms/concomitant_medications", {"payload": payload})
    else:
        response = client.post("/api/screenings", dict(patient, site=site))
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"detail", "field"}  # never the other site's data
        assert subject_id not in response.content.decode() or action == "screen"


def test_the_admin_and_the_api_docs_pass_the_policy_with_no_inline_script(users):
    client = _signed_in(users["adam"])
    for path in ("/admin/", "/admin/accounts/user/", "/api/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode().replace('type="application/json"', "src=x")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "no-store" in response["Cache-Control"] and "default-src 'self'" in response["Content-Security-Policy"]


def test_the_audit_key_is_required_outside_debug(tmp_path):
    from .cli import cli_env

    env = cli_env(tmp_path)
    env.pop("HAICTRIAL_AUDIT_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "audit", "verify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "HAICTRIAL_AUDIT_KEY" in done.stderr and "Traceback" not in done.stderr
