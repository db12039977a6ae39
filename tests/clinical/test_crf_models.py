"""The eCRF payload models: a complete subject parses, impossible values are rejected naming the field,
the baseline lesion selection is validated by the RECIST engine, sidedness comes from the protocol.

Sources: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228, doi:10.1016/j.ejca.2008.10.026),
sections 3.1.1 and 4.2, Tables 1-3; docs/contracts/recist.md (the 48 + 31 -> 30 + 20 mm example); protocol
``targeted_agent`` and ``settings.splenic_flexure_side`` (Arnold et al., Ann Oncol 2017, doi:10.1093/annonc/mdx175).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from crf_examples import complete_subject, parse
from hypothesis import given
from hypothesis import strategies as st

from haictrial.clinical.crf_baseline import (
    BaselineForm,
    Sidedness,
    lesion_selection_input,
    primary_sidedness,
)
from haictrial.clinical.crf_models import FORM_ATTRIBUTES, FormName, SubjectForms
from haictrial.clinical.crf_outcome import evaluate_response, recist_input
from haictrial.clinical.recist import Response
from haictrial.errors import InputError, ProtocolError
from haictrial.protocol import load_protocol
from haictrial.vocabulary.enums import PrimarySite

PROTOCOL = load_protocol()
VARIANT = load_protocol(Path(__file__).parent.parent / "data" / "protocols" / "variant.yaml")


def test_the_complete_subject_parses_and_round_trips():
    forms = parse(complete_subject())
    assert forms.subject_id == "CHA-001-0001"
    assert len(forms.haic_cycles) == 2 and forms.haic_cycles[0].infusions[3].label == "fluorouracil infusion"
    assert forms.baseline is not None and forms.baseline.spirometry.fev1_fvc_percent == pytest.approx(80.0)
    again = parse(forms.model_dump(mode="json"))
    assert again == forms


def test_the_form_names_are_the_protocols():
    # Every eCRF form named by schedule.visits[].forms (besides screening, the Patient document) has a model.
    in_protocol = {form for visit in PROTOCOL.schedule.visits for form in visit.forms} - {"screening"}
    assert {f.value for f in FormName} == in_protocol
    assert set(FORM_ATTRIBUTES) == set(FormName)


def test_instances_and_death_date():
    forms = parse(complete_subject())
    assert [i.path for i in forms.instances(FormName.haic_cycle)] == ["haic_cycles[0]", "haic_cycles[1]"]
    assert forms.instances(FormName.baseline)[0].index is None
    assert forms.instances(FormName.haic_cycle)[1].record_id == "haic-2"
    assert forms.instances(FormName.end_of_study) == [] and forms.death_date is None and not forms.dead
    document = complete_subject()
    document["follow_up"].append({"date": "2026-09-01", "vital_status": "dead", "death_date": "2026-08-20"})
    document["end_of_study"] = {"date": "2026-09-02", "reason": "death", "death_date": "2026-08-21"}
    later = parse(document)
    assert later.death_dates() == [
        ("follow_up[1].death_date", dt.date(2026, 8, 20)),
        ("end_of_study.death_date", dt.date(2026, 8, 21)),
    ]
    assert later.death_date == dt.date(2026, 8, 20) and later.dead


_COMPLETE = parse(complete_subject())


@given(form=st.sampled_from(list(FormName)), only=st.sets(st.one_of(st.none(), st.integers(-2, 5))))
def test_some_instances_are_those_of_all_instances_with_those_indexes(form, only):
    """``instances(form, only=...)`` (the records a scoped edit-check run looks at) is the full list filtered."""
    every = _COMPLETE.instances(form)
    assert _COMPLETE.instances(form, only=only) == [i for i in every if i.index in only]


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """``set_path(doc, "haic_cycles.0.infusions.1.stop_at", v)``; ``value=...`` (Ellipsis) deletes."""
    parts = [int(p) if p.isdigit() else p for p in path.split(".")]
    target: Any = document
    for part in parts[:-1]:
        target = target[part]
    if value is ...:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


LIVER_3 = {"id": "T3", "segments": ["S6"], "longest_diameter_mm": 25, "role": "target"}


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        # Baseline
        ("baseline.primary_tumour.histology", "other", "baseline.primary_tumour.histology_other", "required"),
        ("baseline.primary_tumour.resected", False, "baseline.primary_tumour.resection_date", "resected"),
        ("baseline.primary_tumour.site", "appendix", "baseline.primary_tumour.site", "cecum"),
        ("baseline.molecular.msi", "MSI-L", "baseline.molecular.msi", "msi_h"),
        ("baseline.lesions.0.segments", [], "baseline.lesions[0].segments", "Couinaud"),
        ("baseline.lesions.0.segments", ["S9"], "baseline.lesions[0].segments[0]", "S8"),
        ("baseline.lesions.0.longest_diameter_mm", None, "baseline.lesions[0].longest_diameter_mm", "target"),
        # RECIST 1.1 section 3.1.1: a target lesion measures >= 10 mm
        ("baseline.lesions.1.longest_diameter_mm", 8, "baseline.lesions[1].longest_diameter_mm", "not measurable"),
        # RECIST 1.1 section 4.2: at most 2 target lesions per organ
        ("baseline.lesions.3", LIVER_3, "baseline.lesions[3]", "at most 2 per organ"),
        ("baseline.lesions.2.id", "T1", "baseline.lesions[2]", "used twice"),
        ("baseline.spirometry.fev1_l", 3.2, "baseline.spirometry.fev1_l", "above FVC"),
        ("baseline.ecog", 5, "baseline.ecog", "4"),
        ("baseline.lvef_percent", 0, "baseline.lvef_percent", "greater than 0"),
        ("baseline.demographics.birth_date", "2026-02-01", "baseline.demographics.birth_date", "after visit_date"),
        ("baseline.comorbidities.0.category", "other", "baseline.comorbidities[0].verbatim", "required"),
        ("baseline.tumour_markers.cea_ng_per_ml", -1, "baseline.tumour_markers.cea_ng_per_ml", "0"),
        # HAIC cycle
        ("haic_cycles.0.infusions.0.stop_at", "2026-01-16T07:00:00+08:00", "haic_cycles[0].infusions[0].stop_at", "before start_at"),
        ("haic_cycles.0.infusions.0.start_at", "2026-01-16T08:00:00", "haic_cycles[0].infusions[0].start_at", "timezone"),
        ("haic_cycles.0.infusions.0.drug", "bevacizumab", "haic_cycles[0].infusions[0].drug", "targeted_agent"),
        ("haic_cycles.0.infusions.2.component", None, "haic_cycles[0].infusions[2].component", "bolus or infusion"),
        ("haic_cycles.0.infusions.0.component", "bolus", "haic_cycles[0].infusions[0].component", "only fluorouracil"),
        ("haic_cycles.0.infusions.1.drug", "oxaliplatin", "haic_cycles[0].infusions[1].drug", "already recorded"),
        ("haic_cycles.0.infusions.0.given_dose_mg", -1, "haic_cycles[0].infusions[0].given_dose_mg", "0"),
        ("haic_cycles.0.catheter_removed_at", "2026-01-18T08:00:00+08:00", "haic_cycles[0].catheter_removed_at", "before the end"),
        ("haic_cycles.0.discharge_date", "2026-01-14", "haic_cycles[0].discharge_date", "before admission_date"),
        ("haic_cycles.0.procedure.microcatheter_position", "gastroduodenal_artery", "haic_cycles[0].procedure.microcatheter_position", "proper_hepatic_artery"),
        ("haic_cycles.0.procedure.collaterals.0.embolic_agents", [], "haic_cycles[0].procedure.collaterals[0].embolic_agents", "embolic agent"),
        ("haic_cycles.0.procedure.collaterals.0.embolic_agents", ["glue"], "haic_cycles[0].procedure.collaterals[0].embolic_agents[0]", "gelatin_sponge"),
        ("haic_cycles.0.pre_cycle_labs.alt.unit", "furlongs", "haic_cycles[0].pre_cycle_labs.alt.unit", "U/L"),
        ("haic_cycles.0.pre_cycle_labs.platelets.value", -3, "haic_cycles[0].pre_cycle_labs.platelets.value", "negative"),
        ("haic_cycles.0.complications", [{"complication": "other"}], "haic_cycles[0].complications[0].verbatim", "required"),
        ("haic_cycles.0.cycle", 0, "haic_cycles[0].cycle", "1"),
        # Targeted agent, concomitant medication
        ("targeted_agent.0.drug", "oxaliplatin", "targeted_agent[0].drug", "not a targeted agent"),
        ("concomitant_medications.0.stop_date", "2026-01-01", "concomitant_medications[0].stop_date", "before start_date"),
        ("concomitant_medications.0.ongoing", True, "concomitant_medications[0].ongoing", "not ongoing"),
        ("concomitant_medications.0.name", " ", "concomitant_medications[0].name", "at least 1"),
        # Imaging
        ("imaging.0.target_mm.T1", -4, "imaging[0].target_mm.T1", "0"),
        ("imaging.0.overall_response", "PR", "imaging[0].overall_response", "not both"),
        ("imaging.0.new_lesion_details", [{"segments": ["S5"]}], "imaging[0].new_lesions", "set new_lesions"),
        ("imaging.0.modality", "pet", "imaging[0].modality", "ct"),
        # Adverse events (the adverse_events model, as is)
        ("adverse_events.0.grade", 6, "adverse_events[0].grade", "5"),
        ("adverse_events.0.subject_id", "CHA-001-0002", "adverse_events[0].subject_id", "not this subject"),
        ("adverse_events.0.resolution_date", "2026-01-15", "adverse_events[0].resolution_date", "before onset date"),
        ("adverse_events.0.outcome", "fatal", "adverse_events[0].grade", "grade 5"),
        # Unknown field
        ("baseline.weight", 60, "baseline.weight", "unknown field"),
    ],
)  # fmt: skip
def test_impossible_values_are_rejected_naming_the_field(path, value, field, words):
    document = complete_subject()
    if path.endswith(".3") and path.startswith("baseline.lesions"):
        document["baseline"]["lesions"].append(value)
    else:
        set_path(document, path, value)
    with pytest.raises(InputError) as err:
        parse(document)
    assert err.value.field == field
    assert words in err.value.message


def test_a_form_in_progress_can_be_saved():
    # Missing values are queries (edit checks), not parse errors: only structure is required.
    forms = parse(
        {
            "subject_id": "CHA-001-0002",
            "enrolment_date": "2026-02-01",
            "baseline": {"lesions": []},
            "haic_cycles": [{"cycle": 1}],
            "imaging": [{}],
            "mdt_reviews": [{}],
            "resections": [{}],
            "follow_up": [{}],
            "end_of_study": {},
        }
    )
    assert forms.haic_cycles[0].infusions == [] and forms.resections[0].margin is None


# --- sidedness ------------------------------------------------------------------------------------

RIGHT = {"cecum", "ascending_colon", "hepatic_flexure", "transverse_colon"}


@pytest.mark.parametrize("site", list(PrimarySite))
def test_sidedness_follows_the_protocol(site):
    # Protocol targeted_agent: right = cecum to transverse colon; splenic flexure by site setting (left here).
    expected = Sidedness.right if site.value in RIGHT else Sidedness.left
    assert primary_sidedness(site, PROTOCOL) == expected


def test_the_splenic_flexure_is_a_site_setting():
    assert primary_sidedness(PrimarySite.splenic_flexure, PROTOCOL) == Sidedness.left
    assert primary_sidedness(PrimarySite.splenic_flexure, VARIANT) == Sidedness.right


def test_a_site_the_protocol_does_not_class_is_an_error_not_a_silent_left():
    rule = PROTOCOL.targeted_agent.model_copy(
        update={"left_sided_sites": [s for s in PROTOCOL.targeted_agent.left_sided_sites if s != PrimarySite.rectum]}
    )
    with pytest.raises(ProtocolError):
        primary_sidedness(PrimarySite.rectum, PROTOCOL.model_copy(update={"targeted_agent": rule}))


# --- RECIST bridge --------------------------------------------------------------------------------


def test_lesion_selection_becomes_the_recist_input():
    baseline = parse(complete_subject()).baseline
    assert isinstance(baseline, BaselineForm)
    data = lesion_selection_input(baseline.lesions, dt.date(2026, 1, 8), "CHA-001-0001")
    assert [t.id for t in data.target_lesions] == ["T1", "T2"] and [n.id for n in data.non_target_lesions] == ["NT1"]
    assert data.assessments[0].target_mm == {"T1": 48, "T2": 31}


def test_the_contract_example_through_the_forms():
    # docs/contracts/recist.md: 48 + 31 = 79 mm -> 30 + 20 = 50 mm, -36.7 %: PR at the time point; unconfirmed,
    # 42 days after baseline (recist_min_sd_days 42): best overall response SD (RECIST 1.1 Table 3).
    forms = parse(complete_subject())
    assert forms.baseline is not None
    result = evaluate_response(forms.subject_id, forms.baseline, forms.imaging, PROTOCOL)
    point = result.timepoints[0]
    assert (point.sum_mm, round(point.change_from_baseline_pct or 0, 1), point.overall_response) == (
        50,
        -36.7,
        Response.PR,
    )
    assert (result.best_overall_response, result.confirmed) == (Response.SD, False)


def test_imaging_forms_are_put_in_date_order_and_errors_name_the_form_field():
    document = complete_subject()
    later = {
        "date": "2026-04-02",
        "modality": "ct",
        "target_mm": {"T1": 28, "T2": 19},
        "non_target": {"NT1": "present"},
        "new_lesions": False,
    }
    document["imaging"].insert(0, later)  # entered before the earlier assessment
    forms = parse(document)
    assert forms.baseline is not None
    data = recist_input(forms.subject_id, forms.baseline, forms.imaging)
    assert [a.date for a in data.assessments] == [dt.date(2026, 1, 8), dt.date(2026, 2, 19), dt.date(2026, 4, 2)]
    result = evaluate_response(forms.subject_id, forms.baseline, forms.imaging, PROTOCOL)
    assert (result.best_overall_response, result.confirmed) == (Response.PR, True)  # confirmed >= 28 days later
    document["imaging"][0]["target_mm"] = {"T1": 28, "T9": 19}
    forms = parse(document)
    assert forms.baseline is not None
    with pytest.raises(InputError) as err:
        evaluate_response(forms.subject_id, forms.baseline, forms.imaging, PROTOCOL)
    assert err.value.field == "imaging[0].target_mm.T9"


def test_the_recist_input_needs_dates():
    document = complete_subject()
    document["imaging"][0]["date"] = None
    forms: SubjectForms = parse(document)
    assert forms.baseline is not None
    with pytest.raises(InputError) as err:
        recist_input(forms.subject_id, forms.baseline, forms.imaging)
    assert err.value.field == "imaging[0].date"
