"""The one-page chemotherapy order sheet (ASCO/ONS chemotherapy administration safety standards:
patient identifiers, height, weight, BSA, drug, dose, route, schedule; a second verifier)."""

from __future__ import annotations

import json
import subprocess

import pytest

from haictrial.clinical.dose_modification import ToxicityHistory
from haictrial.clinical.dosing import plan_cycle
from haictrial.clinical.patient import Patient
from haictrial.protocol import default_protocol_path, load_protocol
from haictrial.reports.order_sheet import order_sheet_html, render_order_sheet, write_order_sheet

EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"


def example(**changes) -> Patient:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    return Patient.model_validate(data)


def pdf_text(path) -> str:
    """The text of the PDF as pdftotext (poppler-utils, installed by scripts/system-deps) reads it,
    in reading order with runs of white space (line breaks inside a table cell) as one space."""
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


@pytest.fixture(scope="module")
def contract_plan():
    return plan_cycle(example(), load_protocol(), fu_concentration_mg_per_ml=25)


def test_it_writes_a_one_page_pdf_with_the_doses(contract_plan, tmp_path):
    path = tmp_path / "order.pdf"
    assert write_order_sheet(contract_plan, path) == 1
    assert path.read_bytes().startswith(b"%PDF")
    assert len(render_order_sheet(contract_plan).pages) == 1
    text = pdf_text(path)
    # docs/contracts/plan.md example doses, printed without trailing zeros (ISMP).
    for expected in ("210.9 mg", "649 mg", "3894 mg", "405.6 mg", "84.65 mg/h", "3.39 mL/h"):
        assert expected in text, expected
    for expected in ("CHA-001-0001", "162 cm", "58.5 kg", "1.62 m2 (mosteller)", "CHALLENGE-A1 version 1.0"):
        assert expected in text, expected
    assert "left-sided primary (sigmoid colon); KRAS, NRAS, BRAF wild type" in text
    assert "hepatic" in text and "intravenous" in text
    assert "Prescriber (name)" in text and "Verifier (name)" in text and text.count("Signature") >= 3


def test_it_shows_the_infusion_hours(contract_plan):
    html = order_sheet_html(contract_plan)
    assert "49 h" in html and "0 h" in html and "2 h" in html


def test_modifications_and_delay_fit_on_the_page(tmp_path):
    tox = ToxicityHistory.model_validate(
        {
            "cycles": [
                {"cycle": 1, "toxicities": [{"term": "Peripheral sensory neuropathy", "grade": 2}]},
                {"cycle": 2, "toxicities": [{"term": "Neutrophil count decreased", "grade": 3}]},
            ]
        }
    )
    plan = plan_cycle(example(), load_protocol(), cycle=3, toxicity_history=tox)
    path = tmp_path / "order.pdf"
    assert write_order_sheet(plan, path) == 1
    text = pdf_text(path)
    assert "Cycle delayed" in text
    assert "85 mg/m2 (level 2)" in text  # oxaliplatin reduced twice: 130 -> 100 -> 85
    assert "137.9 mg" in text  # 85 x 1.6225
    assert "Peripheral sensory neuropathy grade 2 in cycle 1" in text
    assert "Neutrophil count decreased grade 3 in cycle 2" in text


def test_it_escapes_what_the_user_typed():
    html = order_sheet_html(plan_cycle(example(subject_id="<b>X</b>"), load_protocol()))
    assert "<b>X</b>" not in html and "&lt;b&gt;X&lt;/b&gt;" in html


def test_it_marks_the_cetuximab_loading_dose_from_the_plans_field():
    # Cetuximab 400 mg/m2 loading dose on day 1 of cycle 1, then 250 mg/m2 (protocol regimen.cetuximab).
    plan = plan_cycle(example(), load_protocol(), cycle=1)
    assert [a.loading_dose for a in plan.administrations if a.drug.value == "cetuximab"] == [True, False, False]
    assert order_sheet_html(plan).count("(loading)") == 1
    later = plan_cycle(example(), load_protocol(), cycle=2)
    assert "(loading)" not in order_sheet_html(later)
