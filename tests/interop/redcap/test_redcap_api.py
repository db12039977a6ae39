"""The read-only REDCap API subset at /redcap/api/ (docs/contracts/interop.md), read by PyCap itself (`redcap.Project`,
which requires the URL to end in /api/ and a 32-character token) against a live server; tokens issued by
POST /api/auth/token with "format": "redcap"; per-role site isolation and identifiers."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from redcap import Project, RedcapError

from haictrial.edc.accounts.services import issue_token, revoke_token

PASSWORD = "Corr3ct-horse-battery-staple"


def _post(token: str, **data):
    return Client().post("/redcap/api/", {"token": token, "format": "json", **data})


@pytest.fixture
def tokens(users) -> dict[str, str]:
    return {name: issue_token(user, kind="redcap") for name, user in users.items()}


def test_pycap_reads_metadata_events_mapping_and_records_in_json_and_csv(transactional_db, trial, tokens, live_server):
    project = Project(f"{live_server.url}/redcap/api/", tokens["alice"])
    metadata = project.export_metadata()
    assert metadata[0]["field_name"] == "record_id" and project.def_field == "record_id"
    assert len(metadata[0]) == 18
    frame = project.export_metadata(format_type="df")
    assert "bl_demographics_height_cm" in frame.index
    assert project.is_longitudinal
    events = project.export_instrument_event_mappings()
    assert {"arm_num": 1, "unique_event_name": "haic_cycle_arm_1", "form": "haic_cycle_infusions"} in events
    assert [e["unique_event_name"] for e in project.export_events()][:2] == ["screening_arm_1", "baseline_arm_1"]
    assert project.export_instruments()[0] == {"instrument_name": "baseline", "instrument_label": "Baseline"}
    info = project.export_project_info()
    assert info["is_longitudinal"] == 1
    assert str(project.export_version()) == "14.0.0"
    records = project.export_records()
    assert {r["record_id"] for r in records} == {trial["first"]}  # alice: site 001 only
    cycles = [r for r in records if r["redcap_repeat_instrument"] == "haic_cycle"]
    assert [r["hc_cycle"] for r in cycles] == ["1", "2"]
    frame = project.export_records(format_type="df")
    assert set(frame.index.get_level_values(0)) == {trial["first"]}
    text = project.export_records(format_type="csv", fields=["bl_demographics_weight_kg"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "record_id",
        "redcap_event_name",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "bl_demographics_weight_kg",
    ]
    assert [r["bl_demographics_weight_kg"] for r in rows] == ["59.0"]
    only = project.export_records(forms=["end_of_study"], records=[trial["first"]])
    assert only == [] or all("eos_date" in r for r in only)
    # The birth date: alice is staff of the subject's site (docs/contracts/server.md roles).
    birth = trial["document"]["baseline"]["demographics"]["birth_date"]
    assert [r["bl_demographics_birth_date"] for r in project.export_records(fields=["bl_demographics_birth_date"])] == [
        birth
    ]


def test_each_role_sees_only_what_it_may_see(trial, tokens):
    birth = trial["document"]["baseline"]["demographics"]["birth_date"]

    def seen(name):
        response = _post(tokens[name], content="record")
        assert response.status_code == 200, response.content
        return response.json()

    bob = seen("bob")
    assert {r["record_id"] for r in bob} == {trial["second"]}
    assert trial["first"] not in _post(tokens["bob"], content="record", format="csv").content.decode()
    assert [r["bl_demographics_birth_date"] for r in bob if r["bl_demographics_birth_date"]] == [birth]
    monty = seen("monty")  # the site 001 monitor: site 001, identifiers of that site
    assert {r["record_id"] for r in monty} == {trial["first"]}
    stan = seen("stan")  # the statistician: every site, de-identified
    assert {r["record_id"] for r in stan} == {trial["first"], trial["second"]}
    assert all(r["bl_demographics_birth_date"] == "" for r in stan)
    assert birth not in _post(tokens["stan"], content="record", format="csv").content.decode()
    adam = seen("adam")  # the admin: their site's rows, without identifiers (no identifiers capability)
    assert {r["record_id"] for r in adam} == {trial["first"]}
    assert all(r["bl_demographics_birth_date"] == "" for r in adam)
    asked = _post(tokens["bob"], content="record", **{"records[0]": trial["first"]})
    assert asked.status_code == 200 and asked.json() == []


def test_a_redcap_token_is_issued_by_the_token_endpoint_and_valid_only_here(trial, users):
    response = Client().post(
        "/api/auth/token",
        {"username": "alice", "password": PASSWORD, "format": "redcap"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert re.fullmatch(r"[0-9A-F]{32}", token)
    assert _post(token, content="version").content == b"14.0.0"
    assert Client().get("/api/subjects", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    bearer = issue_token(users["alice"])
    assert _post(bearer, content="metadata").status_code == 403
    assert revoke_token(token)
    refused = _post(token, content="metadata")
    assert refused.status_code == 403 and "error" in refused.json()


def test_it_is_read_only_and_names_what_is_wrong(trial, tokens):
    write = _post(tokens["alice"], content="record", data='[{"record_id": "x"}]')
    assert write.status_code == 400 and write.json()["field"] == "action"
    unknown = _post(tokens["alice"], content="user")
    assert unknown.status_code == 400 and unknown.json()["field"] == "content"
    xml = _post(tokens["alice"], content="metadata", format="xml")
    assert xml.status_code == 400 and xml.json()["field"] == "format"
    field = _post(tokens["alice"], content="record", **{"fields[0]": "no_such_field"})
    assert field.status_code == 400 and "no_such_field" in field.json()["error"]
    assert Client().get("/redcap/api/").status_code == 405
    assert _post("0" * 32, content="metadata").status_code == 403


def test_pycap_raises_on_a_refused_token(transactional_db, trial, live_server):
    project = Project(f"{live_server.url}/redcap/api/", "F" * 32)
    with pytest.raises(RedcapError):
        project.export_metadata()
