"""``haictrial plan`` (docs/contracts/plan.md) and ``haictrial calendar``, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import icalendar
from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.protocol import default_protocol_path

EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
DATA = Path(__file__).parent.parent / "data"
TOXICITY = DATA / "toxicity"
VARIANT = DATA / "protocols" / "variant.yaml"
runner = CliRunner()


def run_main(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point with cli.main()'s error mapping (one line on stderr, exit 2)."""
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args], capture_output=True, text=True, input=stdin, timeout=120
    )


def patient_file(tmp_path: Path, **changes) -> str:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def plan_json(*args: str) -> dict:
    result = runner.invoke(app, ["plan", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_it_prints_the_contract_example_as_json():
    done = run_main("plan", str(EXAMPLE), "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {k: out[k] for k in ("subject_id", "cycle", "cycle_length_days", "bsa_m2", "bsa_formula")} == {
        "subject_id": "CHA-001-0001",
        "cycle": 1,
        "cycle_length_days": 21,
        "bsa_m2": 1.62,
        "bsa_formula": "mosteller",
    }
    assert out["targeted_agent"] == "cetuximab"
    assert out["targeted_agent_reason"] == "left-sided primary (sigmoid colon); KRAS, NRAS, BRAF wild type"
    shown = [(a["drug"], a.get("component"), a["dose_mg"], a["day"]) for a in out["administrations"]]
    assert shown == [
        ("oxaliplatin", None, 210.9, 1),
        ("leucovorin", None, 649.0, 1),
        ("fluorouracil", "bolus", 649.0, 1),
        ("fluorouracil", "infusion", 3894.0, 1),
        ("cetuximab", None, 649.0, 1),
        ("cetuximab", None, 405.6, 8),
        ("cetuximab", None, 405.6, 15),
    ]
    assert out["administrations"][3]["rate_mg_per_h"] == 84.65
    assert '"start_h": 0,' in done.stdout  # hours are plain integers, as in the contract


def test_it_reads_the_patient_from_stdin():
    done = run_main("plan", "-", "--format", "json", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert done.returncode == 0 and json.loads(done.stdout)["bsa_m2"] == 1.62


def test_missing_height_exits_2_naming_height_cm(tmp_path):
    done = run_main("plan", patient_file(tmp_path, height_cm=None))
    assert done.returncode == 2
    assert done.stderr.startswith("error: height_cm:")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_an_implausible_weight_exits_2_naming_weight_kg(tmp_path):
    result = runner.invoke(app, ["plan", patient_file(tmp_path, weight_kg=300)])
    assert result.exit_code != 0
    assert getattr(result.exception, "field", None) == "weight_kg"


def test_cycle_and_formula_options():
    out = plan_json(str(EXAMPLE), "--cycle", "2", "--bsa-formula", "dubois")
    assert out["cycle"] == 2 and out["bsa_formula"] == "dubois"
    assert [a["dose_mg"] for a in out["administrations"] if a["drug"] == "cetuximab"] == [404.8, 404.8, 404.8]


def test_an_unknown_formula_is_a_usage_error():
    done = run_main("plan", str(EXAMPLE), "--bsa-formula", "haycock")
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_protocol_option_uses_the_variant_file():
    out = plan_json(str(EXAMPLE), "--protocol", str(VARIANT))
    assert out["protocol_version"] == "1.0-variant"
    assert [a["day"] for a in out["administrations"] if a["drug"] == "cetuximab"] == [1, 15]


def test_toxicity_option_applies_dose_modification():
    out = plan_json(str(EXAMPLE), "--cycle", "3", "--toxicity", str(TOXICITY / "neuropathy_g2.json"))
    oxaliplatin = out["administrations"][0]
    assert (oxaliplatin["prescribed_dose"], oxaliplatin["dose_mg"], oxaliplatin["dose_level"]) == (100, 162.2, 1)
    assert out["modifications"][0]["action"] == "reduce"
    assert out["delay"] is None


def test_toxicity_delay_appears_in_the_table():
    result = runner.invoke(
        app, ["plan", str(EXAMPLE), "--cycle", "2", "--toxicity", str(TOXICITY / "neutropenia_g3.json")]
    )
    assert result.exit_code == 0, result.output
    assert "CYCLE DELAYED" in result.stdout
    assert "oxaliplatin" in result.stdout and "100 mg/m2" in result.stdout


def test_an_unknown_toxicity_term_exits_2_naming_it():
    done = run_main("plan", str(EXAMPLE), "--cycle", "2", "--toxicity", str(TOXICITY / "unknown_term.json"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: toxicity.cycles[0].toxicities[0].term:")
    assert "'Tummy ache'" in done.stderr


def test_a_grade_outside_1_to_5_exits_2_naming_it(tmp_path):
    path = tmp_path / "tox.json"
    path.write_text(json.dumps({"cycles": [{"cycle": 1, "toxicities": [{"term": "Diarrhea", "grade": 7}]}]}))
    done = run_main("plan", str(EXAMPLE), "--cycle", "2", "--toxicity", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith("error: toxicity.cycles[0].toxicities[0].grade:")


def test_fu_concentration_adds_the_pump_rate_in_ml_per_hour():
    out = plan_json(str(EXAMPLE), "--fu-concentration", "50")
    infusion = out["administrations"][3]
    assert infusion["rate_ml_per_h"] == 1.69  # 3894 mg / 50 mg/mL / 46 h
    assert out["fu_concentration_mg_per_ml"] == 50


def test_pdf_option_writes_the_order_sheet_and_keeps_stdout_json(tmp_path):
    pdf = tmp_path / "order.pdf"
    done = run_main("plan", str(EXAMPLE), "--pdf", str(pdf), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["bsa_m2"] == 1.62
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "1 page" in done.stderr


def test_calendar_json_and_ics(tmp_path):
    ics = tmp_path / "visits.ics"
    result = runner.invoke(
        app,
        [
            "calendar",
            str(EXAMPLE),
            "--start-date",
            "2026-12-01",
            "--cycles",
            "4",
            "--ics",
            str(ics),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["targeted_agent"] == "cetuximab"
    kinds = [e["kind"] for e in out["events"]]
    assert kinds.count("haic_cycle") == 4 and kinds.count("cetuximab_weekly") == 12
    assert kinds.count("imaging") == 2 and kinds.count("mdt_review") == 2
    assert out["events"][0] == {
        "kind": "haic_cycle",
        "label": "HAIC cycle 1",
        "cycle": 1,
        "date": "2026-12-01",
        "window_start": "2026-11-28",
        "window_end": "2026-12-04",
    }
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    assert len(list(cal.walk("VEVENT"))) == len(out["events"])


def test_calendar_table():
    result = runner.invoke(app, ["calendar", str(EXAMPLE), "--start-date", "2026-12-01", "--cycles", "2"])
    assert result.exit_code == 0, result.output
    assert "2026-12-22" in result.stdout and "Imaging" in result.stdout


def test_calendar_bad_date_exits_2_naming_it():
    done = run_main("calendar", str(EXAMPLE), "--start-date", "01/12/2026", "--cycles", "2")
    assert done.returncode == 2
    assert done.stderr.startswith("error: start_date:")
