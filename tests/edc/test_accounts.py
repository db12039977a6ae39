"""Sites, users, roles and the site-isolation layer; ``haictrial site add`` / ``user add``."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from django.test import override_settings
from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.edc import settings as project
from haictrial.edc.accounts import access
from haictrial.edc.accounts.access import Capability
from haictrial.edc.accounts.services import create_site, create_user, issue_token, user_for_token
from haictrial.edc.subjects.models import Screening, Subject
from haictrial.errors import ConflictError, InputError

from .cli import cli_env, run_cli
from .conftest import PASSWORD
from .enrolment import consent_body


@pytest.mark.parametrize("code", ["1", "0001", "ab1", "", "01a"])
def test_a_site_code_is_three_digits(db, code):
    with pytest.raises(InputError) as error:
        create_site(code, "Somewhere")
    assert error.value.field == "code"


def test_a_site_code_is_unique(sites):
    with pytest.raises(ConflictError):
        create_site("001", "Again")


@pytest.mark.parametrize(
    "username, role, codes, password, field",
    [
        ("dave", "nurse", ["001"], PASSWORD, "role"),
        ("dave", "investigator", ["009"], PASSWORD, "site"),
        ("dave", "investigator", [], PASSWORD, "site"),
        ("dave", "investigator", ["001"], "short", "password"),
        ("dave", "investigator", ["001"], "1234567890123", "password"),
        ("da ve", "investigator", ["001"], PASSWORD, "username"),
    ],
)
def test_user_add_names_the_bad_field(sites, username, role, codes, password, field):
    with pytest.raises(InputError) as error:
        create_user(username, role, codes, password)
    assert error.value.field == field


def test_passwords_are_hashed_with_argon2(sites):
    with override_settings(PASSWORD_HASHERS=project.PASSWORD_HASHERS):
        user = create_user("dave", "coordinator", ["001", "002"], PASSWORD)
        assert user.password.startswith("argon2$")
        assert user.check_password(PASSWORD)
    assert sorted(user.sites.values_list("code", flat=True)) == ["001", "002"]


def test_only_the_admin_role_reaches_the_django_admin(users):
    assert users["adam"].is_staff and not users["alice"].is_staff and not users["stan"].is_staff


def test_a_token_is_refused_once_expired_or_the_user_is_inactive(users, settings):
    token = issue_token(users["alice"])
    assert user_for_token(token) == users["alice"]
    users["alice"].is_active = False
    users["alice"].save()
    assert user_for_token(token) is None
    settings.HAICTRIAL_TOKEN_DAYS = -1
    assert user_for_token(issue_token(users["bob"])) is None


@pytest.mark.parametrize(
    "name, capabilities",
    [
        ("alice", {"read", "screen", "enroll", "edit", "identifiers"}),
        ("carol", {"read", "screen", "enroll", "edit", "identifiers"}),
        ("monty", {"read", "identifiers"}),
        ("stan", {"read", "all_sites"}),
        ("adam", {"read"}),
    ],
)
def test_role_capabilities(users, name, capabilities):
    core = {"read", "screen", "enroll", "edit", "identifiers", "all_sites"}  # the eCRF apps add their own
    assert {c.value for c in access.capabilities(users[name])} & core == capabilities


def test_the_scoped_querysets_are_the_one_isolation_layer(users, api, enrolled, patient):
    patient["site"] = "002"
    patient["identifiers"] = {"full_name": "Chen Liu", "hospital_number": "B-0001"}  # another person
    body = api["bob"].post("/api/screenings", patient).json()
    api["bob"].post(f"/api/screenings/{body['screening_id']}/enroll", consent_body())
    assert [s.subject_id for s in Subject.objects.visible_to(users["alice"])] == ["CHA-001-0001"]
    assert [s.subject_id for s in Subject.objects.visible_to(users["bob"])] == ["CHA-002-0001"]
    assert Subject.objects.visible_to(users["stan"]).count() == 2
    assert Screening.objects.visible_to(None).count() == 0
    assert not access.can_see_identifiers(users["stan"], users["alice"].sites.get().id)
    assert not access.can(users["alice"], Capability.all_sites)


def test_site_add_and_user_add_commands_in_process(db):
    runner = CliRunner()
    assert runner.invoke(app, ["site", "add", "001", "--name", "Tongji Hospital"]).exit_code == 0
    done = runner.invoke(
        app, ["user", "add", "alice", "--role", "investigator", "--site", "001"], input=PASSWORD + "\n"
    )
    assert done.exit_code == 0, done.output
    assert "alice (investigator) created: 001" in done.output
    bad = runner.invoke(app, ["user", "add", "bob", "--role", "surgeon", "--site", "001"], input=PASSWORD + "\n")
    assert isinstance(bad.exception, InputError) and bad.exception.field == "role"
    twice = runner.invoke(app, ["site", "add", "001", "--name", "Twice"])
    assert isinstance(twice.exception, ConflictError)


def test_site_add_command_uses_sqlite_in_wal_mode(tmp_path):
    assert run_cli(["site", "add", "001", "--name", "Tongji Hospital"], tmp_path).returncode == 0
    database = sqlite3.connect(tmp_path / "haictrial.sqlite3")
    assert database.execute("pragma journal_mode").fetchone()[0] == "wal"
    database.close()


def test_the_secret_key_is_required_outside_debug(tmp_path):
    env = cli_env(tmp_path)
    del env["HAICTRIAL_SECRET_KEY"]
    done = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "site", "add", "001", "--name", "X"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "HAICTRIAL_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr
