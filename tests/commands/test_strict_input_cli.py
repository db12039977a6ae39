"""The CLI boundary of strict input (contracts README: one line naming the field on standard error, exit 2).

- Every field of the patient document, through ``haictrial screen`` and ``haictrial plan``: a value of the
  wrong JSON type, outside its plausibility limit (haictrial.clinical.limits) or a date after today in the
  site's time zone (protocol ``settings.site_time_zone``) is exit 2 naming the field.
- Option errors (``--cycle 0``, ``--bsa-formula haycock``, a negative count) are one line naming the
  option, exit 2, without click's usage box, on every command.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.clinical.test_strict_input import PATIENT_LEAVES, WRONG_TYPES, full_patient, with_value

from haictrial import cli
from haictrial.clinical.limits import LAB_LIMITS_SI, LIMITS
from haictrial.vocabulary.units import Analyte

PATIENT = Path(__file__).parent.parent / "data" / "patients" / "ineligible.json"


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``cli.main()`` in this process (the real error mapping), returning exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["haictrial", *args])
    code: object = 0
    try:
        cli.main()
    except SystemExit as exited:
        code = exited.code
    out = capsys.readouterr()
    return (code if isinstance(code, int) else 0), out.out, out.err


def run_document(monkeypatch, capsys, tmp_path: Path, command: str, document: dict) -> tuple[int, str]:
    import json

    path = tmp_path / "patient.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    code, _out, err = run_main(monkeypatch, capsys, command, str(path), "--format", "json")
    return code, err


def _one_line_naming(err: str, field: str) -> bool:
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith(f"error: {field}: ")


@pytest.mark.parametrize("command", ["screen", "plan"])
@pytest.mark.parametrize("leaf", PATIENT_LEAVES, ids=lambda leaf: leaf.path)
def test_every_patient_field_of_the_wrong_json_type_exits_2_naming_it(monkeypatch, capsys, tmp_path, command, leaf):
    for wrong in WRONG_TYPES[leaf.kind]:
        code, err = run_document(monkeypatch, capsys, tmp_path, command, with_value(full_patient(), leaf.path, wrong))
        assert code == 2 and _one_line_naming(err, leaf.path), (wrong, err)


LIMITED = [leaf for leaf in PATIENT_LEAVES if leaf.limit is not None]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), command=st.sampled_from(["screen", "plan"]), leaf=st.sampled_from(LIMITED))
def test_property_a_patient_value_outside_its_limit_exits_2_naming_it(
    monkeypatch, capsys, tmp_path, data, command, leaf
):
    if leaf.limit == "lab":
        limit = LAB_LIMITS_SI[Analyte(leaf.path.split(".")[-2])]
    else:
        limit = LIMITS[leaf.limit]
    value = data.draw(st.floats(limit.high * 1.001 + 0.01, 1e308, allow_nan=False, allow_infinity=False))
    code, err = run_document(monkeypatch, capsys, tmp_path, command, with_value(full_patient(), leaf.path, value))
    assert code == 2 and _one_line_naming(err, leaf.path), err


def test_the_issue_examples_are_refused(monkeypatch, capsys, tmp_path):
    # "height_cm": "170" planned a full dose; "ecog": true read as ECOG 1; "yes" read as true; 16 200 cm;
    # platelets 1.82e8 x10^3/uL (= 1.82e8 10^9/L, far above 2000: clinical.limits); weight 1e308 kg.
    cases = [
        ("height_cm", "170"),
        ("ecog", True),
        ("lvef_percent", True),
        ("pathology_confirmed_crlm", "yes"),
        ("height_cm", 16200),
        ("height_cm", 0.01),
        ("weight_kg", 1e308),
        ("labs.platelets", {"value": 1.82e8, "unit": "x10^3/uL"}),
    ]
    for path, value in cases:
        field = "labs.platelets.value" if path == "labs.platelets" else path
        for command in ("screen", "plan"):
            code, err = run_document(monkeypatch, capsys, tmp_path, command, with_value(full_patient(), path, value))
            assert code == 2 and _one_line_naming(err, field), (path, value, err)


def test_a_screening_date_after_today_in_the_site_time_zone_exits_2(monkeypatch, capsys, tmp_path):
    tomorrow = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=1)
    code, err = run_document(
        monkeypatch, capsys, tmp_path, "screen", with_value(full_patient(), "screening_date", tomorrow.isoformat())
    )
    assert code == 2 and _one_line_naming(err, "screening_date") and "after today" in err


def test_the_contract_example_still_screens_and_plans(monkeypatch, capsys, tmp_path):
    for command in ("screen", "plan"):
        code, err = run_document(monkeypatch, capsys, tmp_path, command, full_patient())
        assert code == 0 and err == ""


# --- option errors ------------------------------------------------------------------------------------------

OPTION_ERRORS = [
    (["plan", str(PATIENT), "--cycle", "0"], "--cycle"),
    (["plan", str(PATIENT), "--cycle", "abc"], "--cycle"),
    (["plan", str(PATIENT), "--bsa-formula", "haycock"], "--bsa-formula"),
    (["screen", str(PATIENT), "--format", "xml"], "--format"),
    (["calendar", str(PATIENT), "--start-date", "2026-01-01", "--cycles", "-1"], "--cycles"),
    (["recist", str(PATIENT), "--min-sd-days", "-3"], "--min-sd-days"),
]


@pytest.mark.parametrize(("args", "option"), OPTION_ERRORS, ids=[" ".join(a[:1] + a[2:]) for a, _ in OPTION_ERRORS])
def test_an_option_error_is_one_line_naming_the_option_exit_2(monkeypatch, capsys, args, option):
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert _one_line_naming(err, option), err
    assert "╭" not in err and "Usage:" not in err


def test_an_unknown_option_and_a_missing_argument_are_one_line_too(monkeypatch, capsys):
    code, _out, err = run_main(monkeypatch, capsys, "plan", str(PATIENT), "--nope")
    assert code == 2 and err.strip() == "error: No such option: --nope"
    code, _out, err = run_main(monkeypatch, capsys, "plan")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "PATIENT.json" in err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cycle=st.integers(max_value=0))
def test_property_a_cycle_below_1_is_an_option_error(monkeypatch, capsys, cycle):
    code, _out, err = run_main(monkeypatch, capsys, "plan", str(PATIENT), "--cycle", str(cycle))
    assert code == 2 and _one_line_naming(err, "--cycle")


def test_help_still_works_and_exits_0(monkeypatch, capsys):
    code, out, _err = run_main(monkeypatch, capsys, "plan", "--help")
    assert code == 0 and "--cycle" in out


def test_the_real_command_in_a_subprocess_has_no_usage_box():
    done = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "plan", str(PATIENT), "--bsa-formula", "haycock"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == ["error: --bsa-formula: 'haycock' is not one of 'mosteller', 'dubois'."]
