"""`haictrial export redcap`: REDCap's data dictionary (18 columns in REDCap's order; REDCap Help & FAQ,
"Data Dictionary") read back to our metadata names, and the flat records export (REDCap API documentation,
"Export Records": one row per record and event, repeating instruments with their instance)."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from haictrial.cli import app
from haictrial.interop.odm.ecrf import ecrf_forms
from haictrial.interop.redcap.dictionary import COLUMNS, dictionary_csv, dictionary_problems, fields, read_dictionary
from haictrial.interop.redcap.export import export_redcap
from haictrial.protocol import load_protocol

PROTOCOL = load_protocol()


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_dictionary_has_redcaps_18_columns_in_redcaps_order_and_record_id_first():
    text = dictionary_csv(fields())
    header, first = list(csv.reader(io.StringIO(text)))[:2]
    assert tuple(header) == COLUMNS and len(header) == 18
    assert header[0] == "Variable / Field Name" and header[-1] == "Field Annotation"
    assert first[0] == "record_id"


def test_each_instrument_is_contiguous_and_names_follow_redcaps_rules():
    rows = fields()
    assert dictionary_problems(rows) == []
    instruments = [f.values["form_name"] for f in rows]
    runs = [name for n, name in enumerate(instruments) if n == 0 or instruments[n - 1] != name]
    assert len(runs) == len(set(runs))


def test_the_dictionary_reads_back_to_our_metadata_names():
    mapped = read_dictionary(dictionary_csv(fields()))
    expected = {(f.name.value, g.key, i.name) for f in ecrf_forms() for g in f.groups for i in g.items}
    assert set(mapped.values()) == expected
    assert mapped["bl_demographics_height_cm"] == ("baseline", "", "demographics.height_cm")
    assert mapped["hc_infusions_interruptions_reason"] == ("haic_cycle", "infusions.interruptions", "reason")


def test_field_types_validation_choices_and_units_are_redcaps():
    rows = {f.name: f.values for f in fields()}
    assert rows["bl_visit_date"]["field_type"] == "text"
    assert rows["bl_visit_date"]["text_validation_type_or_show_slider_number"] == "date_ymd"
    assert rows["hc_infusions_start_at"]["text_validation_type_or_show_slider_number"] == "datetime_seconds_ymd"
    assert rows["hc_cycle"]["text_validation_type_or_show_slider_number"] == "integer"
    assert rows["bl_demographics_height_cm"]["text_validation_type_or_show_slider_number"] == "number"
    assert rows["bl_demographics_height_cm"]["field_note"] == "cm"
    assert rows["bl_demographics_sex"]["field_type"] == "dropdown"
    assert rows["bl_demographics_sex"]["select_choices_or_calculations"] == "male, male | female, female"
    assert rows["bl_primary_tumour_resected"]["field_type"] == "yesno"
    assert rows["bl_lesions_segments"]["field_type"] == "checkbox"
    assert rows["bl_ecog"]["field_type"] == "radio"
    assert rows["hc_infusions_deviation_reason"]["field_type"] == "notes"
    # A lab value: a number and a dropdown of the accepted units (numbered codes).
    assert rows["hc_pre_cycle_labs_platelets"]["text_validation_type_or_show_slider_number"] == "number"
    assert rows["hc_pre_cycle_labs_platelets_unit"]["select_choices_or_calculations"].startswith("1, 10^9/L | ")
    assert rows["bl_demographics_birth_date"]["identifier"] == "y"
    assert rows["hc_infusions_planned_dose_mg"]["field_annotation"].startswith("@READONLY ")


def test_conditional_fields_have_branching_logic():
    rows = {f.name: f.values["branching_logic"] for f in fields()}
    assert rows["bl_primary_tumour_histology_other"] == "[bl_primary_tumour_histology] = 'other'"
    assert rows["bl_primary_tumour_resection_date"] == "[bl_primary_tumour_resected] = '1'"
    assert rows["fu_event_site_other"] == "[fu_event_sites(other)] = '1'"
    assert rows["fu_death_date"] == "[fu_vital_status] = 'dead'"
    assert rows["bl_visit_date"] == ""


def test_records_are_flat_one_row_per_record_and_event_with_repeat_instances(trial, tmp_path):
    result = export_redcap(tmp_path, PROTOCOL)
    assert result.problems == []
    rows = _csv(tmp_path / "records.csv")
    header = list(rows[0])
    assert header[:4] == ["record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance"]
    mine = [r for r in rows if r["record_id"] == trial["first"]]
    [baseline] = [r for r in mine if r["redcap_event_name"] == "baseline_arm_1" and not r["redcap_repeat_instrument"]]
    assert baseline["bl_demographics_weight_kg"] == "59.0"  # the changed value
    assert baseline["bl_lesions_segments___s1"] == "" and baseline["baseline_complete"] == "1"
    cycles = [r for r in mine if r["redcap_repeat_instrument"] == "haic_cycle"]
    assert [(r["redcap_event_name"], r["redcap_repeat_instance"], r["hc_cycle"]) for r in cycles] == [
        ("haic_cycle_arm_1", "1", "1"),
        ("haic_cycle_arm_1", "2", "2"),
    ]
    infusions = [r for r in mine if r["redcap_repeat_instrument"] == "haic_cycle_infusions"]
    assert len(infusions) == 8 and {r["hc_infusions_parent"] for r in infusions} == {"1", "2"}
    first = trial["document"]["haic_cycles"][0]["infusions"][0]
    assert float(infusions[0]["hc_infusions_given_dose_mg"]) == first["given_dose_mg"]
    assert infusions[0]["hc_infusions_start_at"].count(":") == 2 and "T" not in infusions[0]["hc_infusions_start_at"]
    lesions = [r for r in mine if r["redcap_repeat_instrument"] == "baseline_lesions"]
    assert lesions and all(r["bl_lesions_segments___s1"] in ("0", "1") for r in lesions)
    platelets = cycles[0]["hc_pre_cycle_labs_platelets_unit"]
    assert platelets == "1"  # 10^9/L, the first of the unit codes
    assert {r["record_id"] for r in rows} == {trial["first"], trial["second"]}


def test_records_are_de_identified(trial, tmp_path):
    export_redcap(tmp_path, PROTOCOL)
    text = (tmp_path / "records.csv").read_text(encoding="utf-8")
    assert trial["document"]["baseline"]["demographics"]["birth_date"] not in text
    assert "H-0001" not in text and "Synthetic Patient" not in text


def test_the_command_prints_both_files(trial, tmp_path):
    result = CliRunner().invoke(app, ["export", "redcap", "--out", str(tmp_path / "r"), "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert [f["path"].rsplit("/", 1)[-1] for f in printed["files"]] == ["data_dictionary.csv", "records.csv"]
    assert printed["problems"] == [] and all(len(f["sha256"]) == 64 for f in printed["files"])
