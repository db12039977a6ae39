"""Safety stops in the HAIC cycle and targeted-agent eCRFs, through the API, and the end of entry after a
withdrawal of consent.

Sources: protocol ``settings.dose_modification`` (Neutrophil count decreased grade 3: delay until grade <= 1,
reduce oxaliplatin and fluorouracil; CTCAE v5.0 grade 3 = <1.0-0.5 x10^9/L), ``settings.dose_entry_error_percent``
(125 %, site setting) and ``settings.dose_deviation_reason_percent`` (10 %; HOPA, J Oncol Pract 2018,
doi:10.1200/JOP.2017.025411); ICH E6(R2) 4.8.10(m) (the subject may withdraw consent at any time).
"""

from __future__ import annotations

import json

import pytest

from haictrial.edc.crfs.models import FormRecord

from .conftest import payloads


def _post(api, who, subject_id, form, payload):
    return api[who].post(f"/api/subjects/{subject_id}/forms/{form}", {"payload": payload})


@pytest.fixture
def delayed_cycle(api, subject_id, course):
    """Baseline and cycle 1 saved; cycle 2 with grade 3 neutropenia in its pre-cycle labs, doses given."""
    assert _post(api, "alice", subject_id, "baseline", payloads(course, "baseline")[0]).status_code == 201
    first, second = payloads(course, "haic_cycle")
    assert _post(api, "alice", subject_id, "haic_cycle", first).status_code == 201
    second["pre_cycle_labs"]["neutrophils"] = {"value": 0.8, "unit": "10^9/L"}
    return second


def test_a_cycle_given_while_the_plan_delays_it_is_refused(api, subject_id, delayed_cycle):
    response = _post(api, "carol", subject_id, "haic_cycle", delayed_cycle)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "infusions[0].given_dose_mg"
    assert "delays cycle 2" in response.json()["detail"] and "safety_override" in response.json()["detail"]
    assert FormRecord.objects.filter(form="haic_cycle").count() == 1


def test_an_investigators_override_with_a_reason_lets_it_in_and_stays_visible(api, subject_id, delayed_cycle):
    delayed_cycle["safety_override"] = {"reason": "ANC 1.6 on the morning of admission", "investigator": "someone"}
    refused = _post(api, "carol", subject_id, "haic_cycle", delayed_cycle)
    assert refused.status_code == 403  # a coordinator does not override a safety stop
    response = _post(api, "alice", subject_id, "haic_cycle", delayed_cycle)
    assert response.status_code == 201, response.content
    override = response.json()["payload"]["safety_override"]
    assert override["reason"] == "ANC 1.6 on the morning of admission"
    assert override["investigator"] == "alice" and override["recorded_at"]  # set by the EDC, not the client
    stored = FormRecord.objects.get(form="haic_cycle", cycle=2)
    assert stored.payload["safety_override"]["investigator"] == "alice"
    # a coordinator may still correct another field of the record, keeping the investigator's override
    change = dict(response.json()["payload"], weight_kg=57.0)
    path = f"/api/subjects/{subject_id}/forms/haic_cycle/{stored.pk}"
    body = json.dumps({"payload": change, "version": 1, "reason": "weight from the ward"})
    edited = api["carol"].client.put(path, body, content_type="application/json", headers=api["carol"].headers)
    assert edited.status_code == 200, edited.content
    assert edited.json()["payload"]["safety_override"]["investigator"] == "alice"


def test_an_override_without_a_reason_is_refused(api, subject_id, delayed_cycle):
    delayed_cycle["safety_override"] = {"reason": "  "}
    response = _post(api, "alice", subject_id, "haic_cycle", delayed_cycle)
    assert response.status_code in (400, 422)
    assert response.json()["field"] == "safety_override.reason"


def test_a_delayed_cycle_not_given_is_stored(api, subject_id, delayed_cycle):
    for infusion in delayed_cycle["infusions"]:
        for name in ("given_dose_mg", "start_at", "stop_at", "interruptions", "deviation_reason"):
            infusion.pop(name, None)
    delayed_cycle.pop("catheter_removed_at", None)
    assert _post(api, "carol", subject_id, "haic_cycle", delayed_cycle).status_code == 201


@pytest.mark.parametrize(
    "factor, status",
    [(1.26, 422), (2.0, 422), (1.25, 201), (1.2, 201), (1.0, 201)],
)
def test_a_given_dose_above_125_percent_of_the_plan_is_an_entry_error(api, subject_id, course, factor, status):
    first = payloads(course, "haic_cycle")[0]
    infusion = first["infusions"][0]
    infusion["given_dose_mg"] = round(infusion["planned_dose_mg"] * factor, 1)
    if factor > 1.1:
        infusion["deviation_reason"] = "pharmacy prepared the wrong bag"
    response = _post(api, "alice", subject_id, "haic_cycle", first)
    assert response.status_code == status, response.content
    if status == 422:
        assert response.json()["field"] == "infusions[0].given_dose_mg"
        assert "125 %" in response.json()["detail"]


def test_an_entry_error_is_refused_even_with_an_override(api, subject_id, course):
    first = payloads(course, "haic_cycle")[0]
    first["infusions"][0]["given_dose_mg"] = first["infusions"][0]["planned_dose_mg"] * 1.5
    first["safety_override"] = {"reason": "intended"}
    response = _post(api, "alice", subject_id, "haic_cycle", first)
    assert response.status_code == 422 and response.json()["field"] == "infusions[0].given_dose_mg"


def test_a_targeted_agent_dose_above_the_limit_is_an_entry_error(api, subject_id, course):
    dose = payloads(course, "targeted_agent")[0]
    dose["given_dose_mg"] = dose["planned_dose_mg"] * 1.3
    response = _post(api, "alice", subject_id, "targeted_agent", dose)
    assert response.status_code == 422 and response.json()["field"] == "given_dose_mg"


def test_between_110_and_125_percent_the_dose_is_stored_and_a_reason_is_queried(api, subject_id, course):
    first = payloads(course, "haic_cycle")[0]
    infusion = first["infusions"][0]
    infusion["given_dose_mg"] = round(infusion["planned_dose_mg"] * 1.2, 1)
    infusion.pop("deviation_reason", None)
    assert _post(api, "alice", subject_id, "haic_cycle", first).status_code == 201
    queries = api["alice"].get(f"/api/subjects/{subject_id}/edit-checks").json()
    assert any(q["field"].endswith("deviation_reason") for q in queries), queries


def test_withdrawal_of_consent_stops_entry_except_follow_up(api, subject_id, course):
    end = {"date": payloads(course, "follow_up")[0]["date"], "reason": "withdrawal_of_consent"}
    assert _post(api, "alice", subject_id, "end_of_study", end).status_code == 201
    refused = _post(api, "alice", subject_id, "concomitant_medications", payloads(course, "concomitant_medications")[0])
    assert refused.status_code == 409 and refused.json()["field"] == "form"
    assert "withdrawn" in refused.json()["detail"]
    assert _post(api, "alice", subject_id, "follow_up", payloads(course, "follow_up")[0]).status_code == 201


def test_a_nul_in_ecrf_text_or_a_reason_is_refused_by_the_service_too(users, subject_id, course):
    """The web forms call the same service as the API: PostgreSQL text cannot hold U+0000."""
    from haictrial.edc.crfs import services
    from haictrial.errors import InputError

    medication = payloads(course, "concomitant_medications")[0]
    with pytest.raises(InputError) as caught:
        services.save_form(users["alice"], subject_id, "concomitant_medications", dict(medication, name="a\x00b"))
    assert caught.value.field == "name"
    record = services.save_form(users["alice"], subject_id, "concomitant_medications", medication)
    with pytest.raises(InputError) as caught:
        services.save_form(
            users["alice"],
            subject_id,
            "concomitant_medications",
            medication,
            record_id=record.pk,
            version=1,
            reason="x\x00",
        )
    assert caught.value.field == "reason"


def test_the_refusal_is_kept_as_template_and_shown_in_chinese(api, subject_id, delayed_cycle):
    """The stop's sentence and the override sentence render in zh-Hans; the engine's reason stays as data."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from haictrial.clinical.messages import english
    from haictrial.edc.crfs import services
    from haictrial.errors import UnprocessableError
    from haictrial.i18n import render_error

    carol = get_user_model().objects.get(username="carol")
    with pytest.raises(UnprocessableError) as refused:
        services.save_form(carol, subject_id, "haic_cycle", delayed_cycle)
    exc = refused.value
    assert english(exc.template, exc.params) == exc.message
    assert exc.message.startswith("the plan delays cycle 2 (") and exc.message.endswith("(safety_override)")
    with translation.override("zh-hans"):
        shown = render_error(exc)
    # the stop's sentence and the override's in Chinese; the dose-modification reason between is the engine's data
    assert shown.startswith("计划推迟第 2 周期（"), shown
    assert shown.endswith("）：没有研究者附理由的越过（safety_override）不得给药"), shown
