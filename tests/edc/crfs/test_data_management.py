"""Queries (monitor opens, coordinator answers, monitor closes), source data verification (reset by a
change), the investigator's e-signature (password re-entered, meaning stored: 21 CFR 11.50/11.200),
locking and unlocking with a reason, and per-site counts; every endpoint keeps other sites out."""

from __future__ import annotations

import json

from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.dm.models import Signature

from ..conftest import PASSWORD
from .conftest import payloads


def _put(client, path, body):
    return client.client.put(path, json.dumps(body), content_type="application/json", headers=client.headers)


def _record(api, subject_id, course, form="concomitant_medications"):
    response = api["carol"].post(f"/api/subjects/{subject_id}/forms/{form}", {"payload": payloads(course, form)[0]})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_query_goes_from_the_monitor_to_the_coordinator_and_back(api, subject_id, course):
    record = _record(api, subject_id, course)
    body = {
        "subject_id": subject_id,
        "form": "concomitant_medications",
        "record_id": record["record_id"],
        "field": "dose_text",
        "message": "The source says 4 mg, not 8 mg: please check.",
    }
    assert api["carol"].post("/api/queries", body).status_code == 403  # coordinators do not open queries
    opened = api["monty"].post("/api/queries", body)
    assert opened.status_code == 201, opened.content
    query = opened.json()
    assert (query["status"], query["origin"], query["field"]) == ("open", "monitor", "dose_text")

    assert api["monty"].post(f"/api/queries/{query['query_id']}/answer", {"answer": "x"}).status_code == 403
    answered = api["carol"].post(f"/api/queries/{query['query_id']}/answer", {"answer": "Corrected to 4 mg."})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    assert api["carol"].post(f"/api/queries/{query['query_id']}/close", {"note": ""}).status_code == 403
    closed = api["monty"].post(f"/api/queries/{query['query_id']}/close", {"note": "verified"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api["monty"].post(f"/api/queries/{query['query_id']}/close", {"note": ""})
    assert again.status_code == 409

    summary = {row["site"]: row for row in api["monty"].get("/api/dm/summary").json()}
    assert summary["001"]["closed"] == 1 and summary["001"]["open"] == 0
    listed = api["monty"].get("/api/queries", status="closed").json()
    assert [q["query_id"] for q in listed] == [query["query_id"]]
    actions = list(
        AuditEntry.objects.filter(model="dm.query", object_id=str(query["query_id"])).values_list("action", "reason")
    )
    assert actions == [("create", ""), ("update", "query answered"), ("update", "query closed")]


def test_other_sites_see_no_queries_and_cannot_act_on_them(api, subject_id, course):
    record = _record(api, subject_id, course)
    body = {
        "subject_id": subject_id,
        "form": "concomitant_medications",
        "record_id": record["record_id"],
        "field": "name",
        "message": "?",
    }
    query_id = api["monty"].post("/api/queries", body).json()["query_id"]
    assert api["bob"].get("/api/queries").json() == []
    assert api["bob"].get(f"/api/queries/{query_id}").status_code == 404
    assert api["bob"].post(f"/api/queries/{query_id}/answer", {"answer": "x"}).status_code == 404
    assert api["bob"].post("/api/queries", body).status_code == 404
    bob_summary = api["bob"].get("/api/dm/summary").json()
    assert [row["site"] for row in bob_summary] == ["002"]
    assert bob_summary[0]["open"] == 0 and bob_summary[0]["records"] == 0


def test_a_change_after_source_data_verification_resets_it(api, subject_id, course):
    record = _record(api, subject_id, course)
    base = f"/api/subjects/{subject_id}/forms/concomitant_medications/{record['record_id']}"
    assert api["carol"].post(f"{base}/verify", {"version": 1}).status_code == 403
    assert api["bob"].post(f"{base}/verify", {"version": 1}).status_code == 404
    verified = api["monty"].post(f"{base}/verify", {"version": 1})
    assert verified.status_code == 200, verified.content
    assert verified.json()["verified"] is True and verified.json()["verified_by"] == "monty"

    same = _put(api["carol"], base, {"payload": verified.json()["payload"], "version": 2, "reason": "no change"})
    assert same.json()["verified"] is True  # saving the same data keeps the verification
    payload = dict(verified.json()["payload"], dose_text="4 mg iv bid")
    changed = _put(api["carol"], base, {"payload": payload, "version": 3, "reason": "dose corrected"})
    assert changed.status_code == 200
    assert changed.json()["verified"] is False and changed.json()["verified_by"] is None


def test_the_investigator_signs_and_the_forms_lock(api, subject_id, course, users):
    record = _record(api, subject_id, course)
    base = f"/api/subjects/{subject_id}/forms/concomitant_medications/{record['record_id']}"
    meaning = api["alice"].get(f"/api/subjects/{subject_id}/signature-meaning").json()["meaning"]
    assert meaning.startswith("I approve the data of subject " + subject_id)

    assert api["carol"].post(f"/api/subjects/{subject_id}/sign", {"password": PASSWORD}).status_code == 403
    assert api["bob"].post(f"/api/subjects/{subject_id}/sign", {"password": PASSWORD}).status_code == 404
    wrong = api["alice"].post(f"/api/subjects/{subject_id}/sign", {"password": "not-my-password"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "password"
    assert not Signature.objects.exists()

    signed = api["alice"].post(f"/api/subjects/{subject_id}/sign", {"password": PASSWORD})
    assert signed.status_code == 201, signed.content
    signature = signed.json()
    assert signature["signer"] == "alice" and signature["meaning"] == meaning
    assert [r["record_id"] for r in signature["records"]] == [record["record_id"]]
    assert len(signature["records"][0]["payload_sha256"]) == 64
    assert FormRecord.objects.get(pk=record["record_id"]).locked

    locked = _put(api["carol"], base, {"payload": record["payload"], "version": 2, "reason": "typo"})
    assert locked.status_code == 409 and locked.json()["field"] == "locked"

    assert api["carol"].post(f"{base}/unlock", {"version": 2, "reason": "typo"}).status_code == 403
    no_reason = api["alice"].client.post(
        f"{base}/unlock",
        json.dumps({"version": 2, "reason": ""}),
        content_type="application/json",
        headers=api["alice"].headers,
    )
    assert no_reason.status_code == 422
    unlocked = api["alice"].post(
        f"{base}/unlock", {"version": 2, "reason": "dose text mistyped; correction requested by the monitor"}
    )
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    entry = (
        AuditEntry.objects.filter(model="crfs.formrecord", object_id=str(record["record_id"])).order_by("-seq").first()
    )
    assert entry.reason == "dose text mistyped; correction requested by the monitor"
    assert entry.new_values == {"locked": False, "version": 3}
    assert _put(api["carol"], base, {"payload": record["payload"], "version": 3, "reason": "typo"}).status_code == 200
    assert [s["signature_id"] for s in api["alice"].get(f"/api/subjects/{subject_id}/signatures").json()] == [
        signature["signature_id"]
    ]


def test_signing_and_unlocking_stay_within_the_site(api, subject_id, course):
    record = _record(api, subject_id, course)
    base = f"/api/subjects/{subject_id}/forms/concomitant_medications/{record['record_id']}"
    assert api["alice"].post(f"/api/subjects/{subject_id}/sign", {"password": PASSWORD}).status_code == 201
    for response in (
        api["bob"].get(f"/api/subjects/{subject_id}/signature-meaning"),
        api["bob"].get(f"/api/subjects/{subject_id}/signatures"),
        api["bob"].post(f"{base}/unlock", {"version": 2, "reason": "mine now"}),
    ):
        assert response.status_code == 404, response.content
        assert subject_id not in response.content.decode()
    assert FormRecord.objects.get(pk=record["record_id"]).locked
    body = {
        "subject_id": subject_id,
        "form": "concomitant_medications",
        "record_id": record["record_id"],
        "field": "name",
        "message": "?",
    }
    query_id = api["monty"].post("/api/queries", body).json()["query_id"]
    assert api["bob"].post(f"/api/queries/{query_id}/close", {"note": "x"}).status_code == 404
    assert api["stan"].post(f"/api/queries/{query_id}/close", {"note": "x"}).status_code == 403
    assert api["stan"].get(f"/api/queries/{query_id}").status_code == 200  # the statistician reads every site
