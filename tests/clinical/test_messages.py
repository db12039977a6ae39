"""Translatable screening reasons (haictrial.clinical.messages): the stored English ``reason`` of every
criterion (NCT06988852 I1-I8, E1-E8; docs/contracts/screen.md) is exactly its template(s) formatted with
its params, for many generated patients, so a user interface can show it in another language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haictrial.catalogue import extract
from haictrial.clinical.eligibility import TERMS, CriterionResult, ScreeningResult, screen
from haictrial.clinical.messages import N_, ReasonPart, flatten, join, part
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.protocol import default_protocol_path, load_protocol

TESTS = Path(__file__).parent.parent
EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
PATIENTS = sorted((TESTS / "data" / "patients").glob("*.json"))
PROTOCOLS = [load_protocol(), load_protocol(TESTS / "data" / "protocols" / "variant.yaml")]


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def assert_reasons_are_their_templates(result: ScreeningResult) -> None:
    catalogue = set(extract().messages)
    for c in result.criteria:
        assert c.reason == c.reason_template.format(**c.reason_params), c.id
        assert c.reason == "; ".join(p.template.format(**p.params) for p in c.reason_parts), c.id
        for p in c.reason_parts:
            assert p.template in catalogue, f"{c.id}: template not marked with N_: {p.template!r}"
            for name, value in p.params.items():
                assert isinstance(value, (str, int, float)) and not isinstance(value, bool)
                if name.endswith("_term"):
                    assert value in TERMS, (c.id, value)
                if name.endswith("_terms"):
                    assert set(str(value).split(", ")) <= set(TERMS), (c.id, value)
    # the contract document round-trips through JSON with the same invariant
    for c in json.loads(json.dumps(result.as_contract()))["criteria"]:
        assert c["reason"] == c["reason_template"].format(**c["reason_params"])


@pytest.mark.parametrize("path", PATIENTS + [EXAMPLE], ids=lambda p: p.name)
@pytest.mark.parametrize("protocol", PROTOCOLS, ids=["bundled", "variant"])
def test_the_example_patients_reasons_are_their_templates(path, protocol):
    assert_reasons_are_their_templates(screen(parse_model(Patient, json.loads(path.read_text())), protocol))


MAYBE = st.none() | st.booleans()
CELLS = st.sampled_from(["10^9/L", "10^3/uL", "/uL"])
LAB_UNITS = {
    "wbc": CELLS,
    "neutrophils": CELLS,
    "platelets": CELLS,
    "hemoglobin": st.sampled_from(["g/L", "g/dL"]),
    "total_bilirubin": st.sampled_from(["umol/L", "mg/dL"]),
    "albumin": st.sampled_from(["g/L", "g/dL"]),
    "inr": st.just("ratio"),
    "alt": st.just("U/L"),
    "ast": st.just("U/L"),
    "creatinine": st.sampled_from(["umol/L", "mg/dL"]),
}
VALUES = st.floats(min_value=0.01, max_value=900, allow_nan=False).map(lambda v: round(v, 2))
DATES = st.dates().filter(lambda d: 1990 <= d.year <= 2026).map(lambda d: d.isoformat())
CONDITIONS = st.sampled_from(
    [
        "cerebral_infarction",
        "cerebral_hemorrhage",
        "gastrointestinal_hemorrhage",
        "gastrointestinal_perforation",
        "coagulation_disorder",
        "gastrointestinal_ulcer",
    ]
)


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    data = example()
    data["birth_date"] = draw(st.none() | st.just("1961-04-03") | DATES)
    data["age_years"] = draw(st.none() | st.integers(0, 110))
    data["screening_date"] = draw(st.none() | st.just("2026-11-20"))
    if data["birth_date"] and data["screening_date"] and data["birth_date"] > data["screening_date"]:
        data["birth_date"] = "1961-04-03"
    if data["birth_date"] and data["screening_date"] and data["age_years"] is not None:
        data["age_years"] = None  # an age_years disagreeing with birth_date is refused (clinical.patient)
    data["ecog"] = draw(st.none() | st.integers(0, 4))
    data["lvef_percent"] = draw(st.none() | st.floats(10, 80).map(lambda v: round(v, 1)))
    data["fev1_fvc_percent"] = draw(st.none() | st.integers(30, 95))
    for name in ("other_malignancy_history", "pathology_confirmed_crlm", "extrahepatic_metastasis"):
        data[name] = draw(MAYBE)
    data["prior_systemic_treatment"] = draw(
        st.none() | st.sampled_from(["progressed", "refused", "none", "ongoing_response"])
    )
    data["liver_lesions"] = draw(
        st.none()
        | st.lists(
            st.builds(
                lambda i, d: {"id": f"L{i}", "segment": "S7", "longest_diameter_mm": d},
                st.integers(1, 9),
                st.none() | st.floats(1, 120).map(lambda v: round(v, 1)),
            ),
            max_size=4,
            unique_by=lambda les: les["id"],
        )
    )
    data["ascites"] = draw(st.none() | st.sampled_from(["none", "mild", "moderate_severe"]))
    for analyte, units in LAB_UNITS.items():
        data["labs"][analyte] = draw(st.none() | st.builds(lambda v, u: {"value": v, "unit": u}, VALUES, units))
    history = st.builds(lambda c, d: {"condition": c, "date": d}, CONDITIONS, st.none() | DATES)
    data["medical_history"] = draw(st.none() | st.lists(history, max_size=3))
    data["allergies"] = draw(st.none() | st.lists(st.sampled_from(["oxaliplatin", "cetuximab"]), unique=True))
    data["unable_to_tolerate"] = draw(
        st.none() | st.lists(st.sampled_from(["chemotherapy", "anesthesia", "surgery"]), unique=True)
    )
    data["prior_liver_directed_treatment"] = draw(
        st.none() | st.lists(st.sampled_from(["resection", "ablation", "radiation"]), unique=True)
    )
    data["data_complete"] = draw(MAYBE)
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients(), st.sampled_from(PROTOCOLS))
def test_every_reason_is_its_template_formatted_with_its_params(data, protocol):
    assert_reasons_are_their_templates(screen(parse_model(Patient, data), protocol))


def test_a_reason_of_several_parts_is_flattened_with_numbered_placeholders():
    data = example()
    data["lvef_percent"], data["ecog"] = 40, 3
    data["labs"]["platelets"] = {"value": 62, "unit": "10^9/L"}
    data["labs"]["total_bilirubin"] = {"value": 1.9, "unit": "mg/dL"}
    result = screen(parse_model(Patient, data), load_protocol())
    i6 = next(c for c in result.criteria if c.id == "I6")
    assert i6.reason == "LVEF 40 % below 45 %; ECOG 3, above 1"
    assert [p.template for p in i6.reason_parts] == [
        "{label} {value:g} % below {minimum:g} %",
        "ECOG {ecog}, above {ecog_max}",
    ]
    assert i6.reason_template == "{label_1} {value_1:g} % below {minimum_1:g} %; ECOG {ecog_2}, above {ecog_max_2}"
    i8 = next(c for c in result.criteria if c.id == "I8")
    assert (
        i8.reason == "platelets 62 x10^9/L below 75 x10^9/L; total bilirubin 1.9 mg/dL (32.49 umol/L) above 30 umol/L"
    )
    assert i8.reason_parts[0] == ReasonPart(
        template="{analyte_term} {value} below {limit}",
        params={"analyte_term": "platelets", "value": "62 x10^9/L", "limit": "75 x10^9/L"},
    )


def test_the_marker_and_the_helpers():
    assert N_("clinical data complete") == "clinical data complete"
    parts = [part("a {x:g}", x=1.50), part("{x} {{literal}}", x="L1")]
    assert join(parts) == "a 1.5; L1 {literal}"
    template, params = flatten(parts)
    assert template.format(**params) == join(parts)
    assert flatten(parts[:1]) == ("a {x:g}", {"x": 1.5})


def test_a_result_is_a_pydantic_model_with_the_new_fields():
    assert {"reason_template", "reason_params", "reason_parts"} <= set(CriterionResult.model_fields)
