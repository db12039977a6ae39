"""The eCRF API, form by form: create (201), read, change with the version read and a reason (200), a
stale version (409), a change without a reason (400), an impossible value (400 naming the field),
roles (a monitor cannot enter data: 403) and site isolation (another site's user: 404, no data)."""

from __future__ import annotations

import json

import pytest

from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.crfs.models import FormRecord

from .conftest import payloads

FORMS = [
    "baseline",
    "haic_cycle",
    "targeted_agent",
    "imaging",
    "adverse_events",
    "concomitant_medications",
    "mdt_review",
    "resection",
    "follow_up",
]
#: One impossible value per form and the field the API names for it.
IMPOSSIBLE = {
    "baseline": (("ecog",), 7, "ecog"),
    "haic_cycle": (("cycle",), 0, "cycle"),
    "targeted_agent": (("drug",), "oxaliplatin", "drug"),
    "imaging": (("modality",), "pet", "modality"),
    "adverse_events": (("grade",), 6, "grade"),
    "concomitant_medications": (("name",), "", "name"),
    "mdt_review": (("flr_percent",), 140, "flr_percent"),
    "resection": (("pathology", "margin_mm"), -1, "pathology.margin_mm"),
    "follow_up": (("vital_status",), "asleep", "vital_status"),
    "end_of_study": (("reason",), "bored", "reason"),
}
END_OF_STUDY = {"date": None, "reason": "completed_follow_up"}


def _payload(course, form):
    if form == "end_of_study":
        return dict(END_OF_STUDY)
    return payloads(course, form)[0]


def _setup(api, subject_id, course, form):
    """Forms the one under test refers to (the baseline for imaging)."""
    if form in ("imaging",):
        response = api["alice"].post(
            f"/api/subjects/{subject_id}/forms/baseline", {"payload": _payload(course, "baseline")}
        )
        assert response.status_code == 201, response.content


@pytest.mark.parametrize("form", [*FORMS, "end_of_study"])
def test_it_creates_reads_and_changes_each_form(api, subject_id, course, form):
    _setup(api, subject_id, course, form)
    payload = _payload(course, form)
    if form == "end_of_study":
        payload["date"] = course["follow_up"][0]["date"]
    base = f"/api/subjects/{subject_id}/forms/{form}"
    created = api["carol"].post(base, {"payload": payload})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["form"] == form and body["version"] == 1 and body["subject_id"] == subject_id
    record_id = body["record_id"]

    read = api["alice"].get(f"{base}/{record_id}")
    assert read.status_code == 200
    assert read.json()["payload"] == body["payload"]

    changed = api["alice"].client.put(
        f"{base}/{record_id}",
        json.dumps({"payload": payload, "version": 1, "reason": "re-entered from the source"}),
        content_type="application/json",
        headers=api["alice"].headers,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 2

    stale = api["carol"].client.put(
        f"{base}/{record_id}",
        json.dumps({"payload": payload, "version": 1, "reason": "late edit"}),
        content_type="application/json",
        headers=api["carol"].headers,
    )
    assert stale.status_code == 409
    assert stale.json()["field"] == "version"

    listed = api["alice"].get(f"/api/subjects/{subject_id}/forms", form=form)
    assert [r["record_id"] for r in listed.json()] == [record_id]
    # The audit trail has the creation and the change with its reason.
    entries = AuditEntry.objects.filter(model="crfs.formrecord", object_id=str(record_id)).order_by("seq")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].reason == "re-entered from the source"


@pytest.mark.parametrize("form", [*FORMS, "end_of_study"])
def test_it_names_the_field_of_an_impossible_value(api, subject_id, course, form):
    payload = _payload(course, form)
    path, value, field = IMPOSSIBLE[form]
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = api["alice"].post(f"/api/subjects/{subject_id}/forms/{form}", {"payload": payload})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not FormRecord.objects.exists()


def test_a_change_needs_a_reason_and_the_version(api, subject_id, course):
    base = f"/api/subjects/{subject_id}/forms/concomitant_medications"
    record_id = api["alice"].post(base, {"payload": _payload(course, "concomitant_medications")}).json()["record_id"]
    put = api["alice"].client.put
    headers = api["alice"].headers
    no_reason = put(
        f"{base}/{record_id}",
        json.dumps({"payload": {"name": "x"}, "version": 1, "reason": " "}),
        content_type="application/json",
        headers=headers,
    )
    assert no_reason.status_code == 400
    assert no_reason.json()["field"] == "reason"
    no_version = put(
        f"{base}/{record_id}",
        json.dumps({"payload": {"name": "x"}, "reason": "typo"}),
        content_type="application/json",
        headers=headers,
    )
    assert no_version.status_code == 422
    assert FormRecord.objects.get(pk=record_id).version == 1


def test_single_forms_and_cycles_are_recorded_once(api, subject_id, course):
    base = f"/api/subjects/{subject_id}/forms"
    assert api["alice"].post(f"{base}/baseline", {"payload": _payload(course, "baseline")}).status_code == 201
    again = api["alice"].post(f"{base}/baseline", {"payload": _payload(course, "baseline")})
    assert again.status_code == 409 and again.json()["field"] == "form"
    cycle = payloads(course, "haic_cycle")[0]
    assert api["alice"].post(f"{base}/haic_cycle", {"payload": cycle}).status_code == 201
    duplicate = api["alice"].post(f"{base}/haic_cycle", {"payload": cycle})
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "cycle"


def test_an_unknown_form_is_a_bad_request(api, subject_id):
    response = api["alice"].post(f"/api/subjects/{subject_id}/forms/lunch", {"payload": {}})
    assert response.status_code == 400
    assert response.json()["field"] == "form"


def test_a_monitor_reads_but_does_not_enter_data(api, subject_id, course):
    response = api["monty"].post(
        f"/api/subjects/{subject_id}/forms/baseline", {"payload": _payload(course, "baseline")}
    )
    assert response.status_code == 403
    assert api["monty"].get(f"/api/subjects/{subject_id}/forms").status_code == 200


def test_another_sites_user_gets_404_and_no_data(api, subject_id, course):
    base = f"/api/subjects/{subject_id}/forms"
    record_id = api["alice"].post(f"{base}/baseline", {"payload": _payload(course, "baseline")}).json()["record_id"]
    calls = [
        api["bob"].get(base),
        api["bob"].get(f"{base}/baseline/{record_id}"),
        api["bob"].post(f"{base}/adverse_events", {"payload": _payload(course, "adverse_events")}),
        api["bob"].client.put(
            f"{base}/baseline/{record_id}",
            json.dumps({"payload": _payload(course, "baseline"), "version": 1, "reason": "x"}),
            content_type="application/json",
            headers=api["bob"].headers,
        ),
        api["bob"].get(f"/api/subjects/{subject_id}/visits"),
        api["bob"].get(f"/api/subjects/{subject_id}/response"),
        api["bob"].get(f"/api/subjects/{subject_id}/timeline"),
        api["bob"].get(f"/api/subjects/{subject_id}/edit-checks"),
        api["bob"].get(f"/api/subjects/{subject_id}/haic-prefill", cycle=1),
    ]
    for response in calls:
        assert response.status_code == 404, response.content
        assert subject_id not in response.content.decode()
        assert "T1" not in response.content.decode()
    assert api["anonymous"].get(base).status_code == 401


def test_the_statistician_reads_every_site_without_the_birth_date(api, subject_id, course):
    base = f"/api/subjects/{subject_id}/forms"
    api["alice"].post(f"{base}/baseline", {"payload": _payload(course, "baseline")})
    mine = api["alice"].get(base).json()[0]["payload"]["demographics"]["birth_date"]
    theirs = api["stan"].get(base).json()[0]["payload"]["demographics"]["birth_date"]
    assert mine == course["baseline"]["demographics"]["birth_date"]
    assert theirs == "[redacted]"
    trail = api["stan"].get(f"/api/subjects/{subject_id}/audit").json()
    baseline = [e for e in trail if e["model"] == "crfs.formrecord"]
    assert baseline and all(v == "[redacted]" for e in baseline for v in (e["new_values"] or {}).values())
    assert course["baseline"]["demographics"]["birth_date"] not in json.dumps(trail)


def test_the_haic_prefill_has_the_planned_doses_of_contracts_plan_md(api, subject_id, course):
    """162 cm, 58.5 kg -> BSA 1.62 m2; oxaliplatin 85 mg/m2 x 1.6225 = 137.9 mg ... as in docs/contracts/plan.md
    (here: the protocol's HAIC doses), cetuximab 400 mg/m2 loading in cycle 1."""
    api["alice"].post(f"/api/subjects/{subject_id}/forms/baseline", {"payload": _payload(course, "baseline")})
    body = api["alice"].get(f"/api/subjects/{subject_id}/haic-prefill", cycle=1).json()
    planned = {(i["drug"], i.get("component")): i["planned_dose_mg"] for i in body["haic_cycle"]["infusions"]}
    expected = {(i["drug"], i.get("component")): i["planned_dose_mg"] for i in course["haic_cycles"][0]["infusions"]}
    assert planned == expected
    assert body["targeted_agent"][0] == {"drug": "cetuximab", "cycle": 1, "day": 1, "planned_dose_mg": 649.0}
    assert body["plan"]["bsa_m2"] == 1.62
    assert api["alice"].get(f"/api/subjects/{subject_id}/haic-prefill", cycle=0).status_code == 422
