"""FHIR upload on the New screening page, ``import fhir --post``, and "G/L" through the form and the API.

"G/L" is giga per litre (10^9/L) for cell counts as Chinese reports write it (BIPM SI Brochure 9th ed.,
Table 7; WS/T 404); "g/L" stays grams per litre.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.edc.accounts.services import create_site, create_user, issue_token
from haictrial.edc.subjects.models import Identifiers, Screening

BUNDLE = Path(__file__).parent.parent.parent / "data" / "fhir" / "patient_example_bundle.json"
EXAMPLE = Path(__file__).parents[3] / "src" / "haictrial" / "protocols" / "examples" / "patient.example.json"
PASSWORD = "Corr3ct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(db):
    create_site("001", "Tongji Hospital")
    return create_user("alice", "investigator", ["001"], PASSWORD)


def upload(client: Client, content: bytes, date: str = "2026-11-20"):
    return client.post(
        "/screenings/new/fhir/",
        {"bundle": SimpleUploadedFile("bundle.json", content, "application/fhir+json"), "screening_date": date},
    )


def test_the_new_screening_page_offers_the_upload(client, alice):
    client.force_login(alice)
    page = client.get("/screenings/new/").content.decode()
    assert 'action="/screenings/new/fhir/"' in page and 'enctype="multipart/form-data"' in page


def test_an_upload_prefills_the_form_and_stores_nothing(client, alice):
    client.force_login(alice)
    response = upload(client, BUNDLE.read_bytes())
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["labs__neutrophils__value"] == 3.4 and form.initial["labs__neutrophils__unit"] == "G/L"
    assert form.initial["full_name"] == "王秀英" and form.initial["hospital_number"] == "ZN-00042"
    assert form.initial["birth_date"] == "1961-04-03" and form.initial["sex"] == "female"
    assert "medical_history_assessed" not in form.initial  # FHIR does not say the history is complete
    page = response.content.decode()
    assert '<option value="G/L" selected>' in page
    assert Screening.objects.count() == 0


def test_a_bundle_with_an_unknown_unit_is_a_422_naming_the_observation(client, alice):
    client.force_login(alice)
    bundle = json.loads(BUNDLE.read_text(encoding="utf-8"))
    obs = next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "wbc")
    obs["valueQuantity"] = {"value": 5.6, "unit": "g/L"}
    response = upload(client, json.dumps(bundle).encode())
    assert response.status_code == 422
    assert "Observation/wbc" in response.content.decode()
    assert upload(client, b"not json").status_code == 422


def test_the_upload_needs_a_login(client, alice):
    assert upload(client, BUNDLE.read_bytes()).status_code == 302


def test_the_form_accepts_g_per_litre_for_cell_counts(client, alice):
    client.force_login(alice)
    form = {
        "site": "001",
        "screening_date": "2026-11-20",
        "birth_date": "1961-04-03",
        "labs__wbc__value": "5.6",
        "labs__wbc__unit": "G/L",
        "labs__platelets__value": "182",
        "labs__platelets__unit": "G/L",
    }
    response = client.post("/screenings/new/", form)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    stored = Screening.objects.get()
    assert stored.patient["labs"]["wbc"] == {"value": 5.6, "unit": "G/L"}
    i8 = next(c for c in stored.result["criteria"] if c["id"] == "I8")
    assert i8["status"] != "fail"  # 5.6 G/L = 5.6 10^9/L >= 3.0; 182 G/L >= 75


def test_the_api_accepts_g_per_litre_and_refuses_grams_for_a_cell_count(alice):
    client = Client()
    headers = {"Authorization": f"Bearer {issue_token(alice)}"}
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    body["site"] = "001"
    body["labs"]["wbc"] = {"value": 5.6, "unit": "Ｇ／Ｌ"}  # full-width, as printed by Chinese systems
    response = client.post("/api/screenings", json.dumps(body), content_type="application/json", headers=headers)
    assert response.status_code in (200, 201), response.content
    body["labs"]["wbc"] = {"value": 5.6, "unit": "g/l"}
    response = client.post("/api/screenings", json.dumps(body), content_type="application/json", headers=headers)
    assert response.status_code in (400, 422)
    assert response.json()["field"] == "labs.wbc.unit"


def test_import_fhir_post_stores_a_screening_with_identifiers_apart(alice, monkeypatch):
    monkeypatch.setenv("HAICTRIAL_USER", "alice")
    result = CliRunner().invoke(
        app,
        [
            "import",
            "fhir",
            str(BUNDLE),
            "--screening-date",
            "2026-11-20",
            "--site",
            "001",
            "--post",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    screening = Screening.objects.get(pk=out["screening_id"])
    assert "王秀英" not in json.dumps(screening.patient, ensure_ascii=False)
    assert Identifiers.objects.get(screening=screening).hospital_number == "ZN-00042"
    assert screening.patient["labs"]["neutrophils"]["unit"] == "G/L"
