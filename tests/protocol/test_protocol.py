"""The protocol as data: the bundled CHALLENGE-A1 file, a variant file, and validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from haictrial.errors import ProtocolError
from haictrial.protocol import default_protocol_path, load_protocol, parse_protocol, protocol_problems

DATA = Path(__file__).parent.parent / "data" / "protocols"


def bundled() -> dict:
    return yaml.safe_load(default_protocol_path().read_text(encoding="utf-8"))


def test_it_loads_the_registered_record():
    # ClinicalTrials.gov NCT06988852: Tongji Hospital, phase 2, single group, 300 patients, 2023-05-01 to 2030-12-31.
    p = load_protocol()
    assert p.registry.nct_id == "NCT06988852"
    assert p.registry.acronym == "CHALLENGE-A1"
    assert p.registry.sponsor == "Tongji Hospital"
    assert p.registry.phase == "PHASE2"
    assert p.registry.intervention_model == "SINGLE_GROUP"
    assert p.registry.target_enrollment == 300
    assert str(p.registry.start_date) == "2023-05-01"
    assert str(p.registry.completion_date) == "2030-12-31"
    assert [c.id for c in p.eligibility.criteria] == [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]
    assert p.regimen.cycle_length_days == 21


def test_it_holds_the_registered_regimen():
    # Registered intervention: oxaliplatin 130 mg/m2 0-2 h, leucovorin 400 mg/m2 2-3 h,
    # 5-FU 400 mg/m2 bolus at 3 h, 5-FU 2400 mg/m2 over 46 h (3-49 h); bevacizumab 7.5 mg/kg; cetuximab 400 then 250 mg/m2.
    p = load_protocol()
    chemo = {(c.drug.value, c.component): (c.dose, c.start_h, c.end_h) for c in p.regimen.chemotherapy}
    assert chemo[("oxaliplatin", None)] == (130, 0, 2)
    assert chemo[("leucovorin", None)] == (400, 2, 3)
    assert chemo[("fluorouracil", "bolus")] == (400, 3, 3)
    assert chemo[("fluorouracil", "infusion")] == (2400, 3, 49)
    assert p.regimen.bevacizumab.dose == 7.5
    assert (p.regimen.cetuximab.loading_dose, p.regimen.cetuximab.maintenance_dose) == (400, 250)


def test_it_marks_open_settings_as_site_settings_with_defaults():
    s = load_protocol().settings
    assert s.splenic_flexure_side.site_setting and s.splenic_flexure_side.default == "left"
    assert s.imaging_every_cycles.value == 2 and s.imaging_window_days.value == 7
    assert s.cetuximab_days.value == [1, 8, 15]
    assert s.recist_confirmation_days.value == 28 and s.recist_min_sd_days.value == 42
    assert "alt" in s.reference_ranges.value


def test_it_loads_a_variant_protocol_with_other_thresholds():
    variant = load_protocol(DATA / "variant.yaml")
    assert variant.eligibility.thresholds.I1_age.max_years == 80
    assert variant.settings.splenic_flexure_side.value == "right"
    assert variant.is_right_sided("splenic_flexure")
    assert not load_protocol().is_right_sided("splenic_flexure")


def test_it_reports_every_problem_with_its_path():
    data = bundled()
    data["registry"]["nct_id"] = "NCT123"
    del data["regimen"]["cycle_length_days"]
    data["eligibility"]["thresholds"]["I8_labs"][0]["unit"] = "furlongs"
    problems = protocol_problems(yaml.safe_dump(data))
    joined = "\n".join(problems)
    assert "registry.nct_id" in joined
    assert "regimen.cycle_length_days: required field is missing" in joined
    assert "eligibility.thresholds.I8_labs[0]" in joined
    assert len(problems) >= 3


def test_it_rejects_a_missing_criterion():
    data = bundled()
    data["eligibility"]["criteria"] = [c for c in data["eligibility"]["criteria"] if c["id"] != "E8"]
    assert any("criteria missing: E8" in p for p in protocol_problems(yaml.safe_dump(data)))


def test_it_reports_yaml_syntax_errors_with_line():
    problems = protocol_problems("registry: [unclosed\n", source="bad.yaml")
    assert len(problems) == 1 and "line" in problems[0]


def test_parse_raises_protocol_error():
    with pytest.raises(ProtocolError):
        parse_protocol("schema_version: 2\n")
