"""Nothing wrong gets in: strict JSON types, the plausibility limits and the date bounds, for EVERY field of
the patient document (screening, ``plan``) and of every eCRF payload.

The fields are not listed by hand: they are found by walking the pydantic models (so a field added later
is covered too), and each is set, one at a time, in a complete, valid document.

- A boolean is only JSON ``true``/``false``; a number only a JSON number (RFC 8259 sections 3 and 6): ``"yes"``,
  ``1`` for a boolean, ``"170"`` or ``true`` for a number are errors naming the field.
- A value outside the one table of limits (haictrial.clinical.limits: height 100-250 cm, weight 25-250 kg,
  the panel's labs in SI, LVEF, FEV1/FVC, lesion sizes per RECIST 1.1 section 3.1, doses) is an error at
  entry naming the field.
- A date after today (the site's date, passed in: the core has no clock) or before 1900-01-01 is an error
  (ICH E6(R2) 4.9.0, ALCOA: contemporaneous records).
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from tests.clinical.crf_examples import TODAY, complete_subject

from haictrial.clinical.crf_models import SubjectForms
from haictrial.clinical.limits import DOSE_MG_LIMITS, LAB_LIMITS_SI, LIMITS
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.errors import InputError
from haictrial.vocabulary.units import Analyte

PATIENT_EXAMPLE = Path(__file__).parent.parent.parent / "src" / "haictrial" / "protocols" / "examples"
SCREENING_TODAY = dt.date(2026, 11, 30)
#: Fields the EDC fills in itself (never the client): not part of what a user can enter.
EDC_OWNED = ("safety_override.investigator", "safety_override.recorded_at")


class Leaf(typing.NamedTuple):
    path: str  # "haic_cycles[0].infusions[0].given_dose_mg"
    kind: str  # bool, int, number, date, datetime
    limit: str | None  # a name of LIMITS, "lab", "dose" or None


def _kind(tp: Any) -> str | None:
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is float:
        return "number"
    if tp is dt.datetime:
        return "datetime"
    if tp is dt.date:
        return "date"
    return None


def _limit(metadata: list[Any]) -> str | None:
    for item in metadata:
        name = getattr(getattr(item, "func", None), "__name__", "")
        if name.startswith("within_"):
            return name.removeprefix("within_")
    return None


def _walk(tp: Any, path: str, meta: list[Any], doc: Any, seen: tuple[type, ...]) -> typing.Iterator[Leaf]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(tp)
        yield from _walk(base, path, [*meta, *extra], doc, seen)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                yield from _walk(arg, path, meta, doc, seen)
    elif origin is list:
        if isinstance(doc, list) and doc:
            yield from _walk(typing.get_args(tp)[0], f"{path}[0]", meta, doc[0], seen)
    elif origin is dict:
        if isinstance(doc, dict) and doc:
            key = next(iter(doc))
            yield from _walk(typing.get_args(tp)[1], f"{path}.{key}", meta, doc[key], seen)
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp not in seen and isinstance(doc, dict):
            yield from _fields(tp, f"{path}." if path else "", doc, (*seen, tp))
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        return
    else:
        kind = _kind(getattr(tp, "__origin__", tp)) or _kind(_aware_base(tp))
        if kind is not None and not any(path.endswith(owned) for owned in EDC_OWNED):
            yield Leaf(path, kind, _limit(meta))


def _aware_base(tp: Any) -> Any:
    # pydantic's AwareDatetime is a datetime with a tz constraint.
    return dt.datetime if getattr(tp, "__name__", "") == "AwareDatetime" else None


def _fields(model: type[BaseModel], prefix: str, doc: dict[str, Any], seen: tuple[type, ...]) -> typing.Iterator[Leaf]:
    for name, info in model.model_fields.items():
        if name not in doc or doc[name] is None:
            continue
        leaves = list(_walk(info.annotation, f"{prefix}{name}", list(info.metadata), doc[name], seen))
        if name == "value" and prefix.rsplit(".", 2)[-2] in {a.value for a in Analyte}:
            leaves = [leaf._replace(limit="lab") for leaf in leaves]
        if name in ("planned_dose_mg", "given_dose_mg"):
            leaves = [leaf._replace(limit="dose") for leaf in leaves]
        yield from leaves


def full_patient() -> dict[str, Any]:
    """contracts/patient.example.json (shipped as the protocol's example) with age_years too."""
    document = json.loads((PATIENT_EXAMPLE / "patient.example.json").read_text(encoding="utf-8"))
    document["age_years"] = 65  # 1961-04-03 to 2026-11-20: 65 completed years
    return document


def full_subject() -> dict[str, Any]:
    """tests/clinical/crf_examples' complete subject, with every optional number, boolean and date filled in."""
    doc = complete_subject()
    doc["baseline"]["lesions"][0]["lymph_node"] = False
    cycle = doc["haic_cycles"][0]
    cycle["infusions"][0]["planned_dose_level"] = 0
    cycle["infusions"][0]["interruptions"] = [
        {
            "start_at": "2026-01-16T08:30:00+08:00",
            "stop_at": "2026-01-16T08:40:00+08:00",
            "reason": "catheter_occlusion",
        }
    ]
    cycle["pre_cycle_labs"]["albumin"] = {"value": 40, "unit": "g/L"}
    cycle["pre_cycle_labs"]["inr"] = {"value": 1.0, "unit": "ratio"}
    doc["targeted_agent"][0] |= {"start_at": "2026-01-15T09:00:00+08:00", "stop_at": "2026-01-15T11:00:00+08:00"}
    doc["imaging"][0] |= {"new_lesions": True, "new_lesion_details": [{"segments": ["S5"], "longest_diameter_mm": 12}]}
    doc["adverse_events"][0] |= {"aware_at": "2026-01-16T10:00:00+08:00", "reported_at": "2026-01-16T12:00:00+08:00"}
    doc["concomitant_medications"][0]["ongoing"] = False
    doc["mdt_reviews"][0] |= {"portal_vein_embolisation_planned": False, "two_stage_hepatectomy_planned": False}
    doc["resections"][0] |= {
        "approach": "laparoscopic",
        "converted_to_open": False,
        "stage": 1,
        "ablation": True,
        "ablation_modality": "microwave",
        "ablated_lesions": 1,
    }
    doc["follow_up"].append(
        {
            "record_id": "fu-2",
            "date": "2026-06-20",
            "vital_status": "dead",
            "disease_event": "progression",
            "event_date": "2026-06-01",
            "event_sites": ["liver"],
            "subsequent_therapies": [{"type": "systemic_chemotherapy", "start_date": "2026-06-05"}],
            "death_date": "2026-06-15",
            "death_cause": "disease_progression",
        }
    )
    doc["follow_up"] = doc["follow_up"][1:]  # the dead subject's visit first: its leaves are walked at [0]
    doc["end_of_study"] = {"record_id": "eos", "date": "2026-06-20", "reason": "death", "death_date": "2026-06-15"}
    return doc


PATIENT_LEAVES = list(_fields(Patient, "", full_patient(), (Patient,)))
SUBJECT_LEAVES = list(_fields(SubjectForms, "", full_subject(), (SubjectForms,)))
ALL = [("patient", leaf) for leaf in PATIENT_LEAVES] + [("subject", leaf) for leaf in SUBJECT_LEAVES]


def _tokens(path: str) -> list[str | int]:
    out: list[str | int] = []
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            out.append(int(part[1:-1]))
        elif part:
            out.append(part)
    return out


def with_value(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    *parents, last = _tokens(path)
    node: Any = doc
    for token in parents:
        node = node[token]
    node[last] = value
    return doc


def _get(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for token in _tokens(path):
        node = node[token]
    return node


def parse(which: str, document: dict[str, Any]) -> BaseModel:
    if which == "patient":
        return parse_model(Patient, document, today=SCREENING_TODAY)
    return parse_model(SubjectForms, document, today=TODAY)


def base(which: str) -> dict[str, Any]:
    return full_patient() if which == "patient" else full_subject()


def refused_at(which: str, document: dict[str, Any]) -> InputError:
    with pytest.raises(InputError) as refused:
        parse(which, document)
    return refused.value


WRONG_TYPES: dict[str, list[Any]] = {
    "bool": ["yes", "true", 1, 0],
    "number": ["170", "58.5", True, False],
    "int": ["1", True, 1.5],
    "date": [20261120, True, "2026-02-30", 1.5],
    "datetime": [1767225600, True, "16/01/2026 08:00"],
}


def test_the_walk_finds_every_kind_of_field_of_every_form():
    kinds = {leaf.kind for leaf in SUBJECT_LEAVES}
    assert kinds == {"bool", "int", "number", "date", "datetime"}
    forms = {leaf.path.split("[")[0].split(".")[0] for leaf in SUBJECT_LEAVES}
    assert forms >= {
        "baseline", "haic_cycles", "targeted_agent", "imaging", "adverse_events", "concomitant_medications",
        "mdt_reviews", "resections", "follow_up", "end_of_study",
    }  # fmt: skip
    assert len(PATIENT_LEAVES) >= 27 and len(SUBJECT_LEAVES) >= 95


@pytest.mark.parametrize("which", ["patient", "subject"])
def test_the_full_documents_are_valid_at_entry(which):
    parse(which, base(which))


@pytest.mark.parametrize(("which", "leaf"), ALL, ids=[f"{w}:{leaf.path}" for w, leaf in ALL])
def test_every_field_refuses_a_value_of_the_wrong_json_type_naming_it(which, leaf):
    for wrong in WRONG_TYPES[leaf.kind]:
        error = refused_at(which, with_value(base(which), leaf.path, wrong))
        assert error.field == leaf.path, (wrong, str(error))


DATED = [(w, leaf) for w, leaf in ALL if leaf.kind in ("date", "datetime")]


@pytest.mark.parametrize(("which", "leaf"), DATED, ids=[f"{w}:{leaf.path}" for w, leaf in DATED])
def test_every_date_after_today_or_before_1900_is_refused_naming_it(which, leaf):
    today = SCREENING_TODAY if which == "patient" else TODAY
    if leaf.kind == "date":
        late, early = (today + dt.timedelta(days=1)).isoformat(), "1899-12-31"
    else:
        late, early = f"{today + dt.timedelta(days=1)}T00:30:00+08:00", "1899-12-31T12:00:00+08:00"
    for value, words in ((late, "after today"), (early, "before 1900-01-01")):
        error = refused_at(which, with_value(base(which), leaf.path, value))
        assert error.field == leaf.path and words in error.message, str(error)
    # The 1900 floor holds even when a stored record is read back (no today).
    with pytest.raises(InputError) as stored:
        parse_model(Patient if which == "patient" else SubjectForms, with_value(base(which), leaf.path, early))
    assert stored.value.field == leaf.path


def _bounds(which: str, leaf: Leaf, document: dict[str, Any]) -> tuple[float, float]:
    if leaf.limit == "lab":
        analyte = Analyte(leaf.path.split(".")[-2])
        limit = LAB_LIMITS_SI[analyte]
        assert _get(document, leaf.path.rsplit(".", 1)[0] + ".unit") == limit.unit  # the examples are in SI
        return limit.low, limit.high
    if leaf.limit == "dose":
        drug = _get(document, leaf.path.rsplit(".", 1)[0] + ".drug")
        return DOSE_MG_LIMITS[drug].low, DOSE_MG_LIMITS[drug].high
    assert leaf.limit is not None
    return LIMITS[leaf.limit].low, LIMITS[leaf.limit].high


LIMITED = [(w, leaf) for w, leaf in ALL if leaf.limit is not None]


def test_every_measure_the_brief_names_has_its_limit():
    paths = {leaf.path for _, leaf in LIMITED}
    for path in (
        "height_cm", "weight_kg", "lvef_percent", "fev1_fvc_percent", "liver_lesions[0].longest_diameter_mm",
        "labs.platelets.value", "baseline.demographics.height_cm", "baseline.demographics.weight_kg",
        "baseline.lvef_percent", "baseline.spirometry.fev1_l", "baseline.lesions[0].longest_diameter_mm",
        "haic_cycles[0].weight_kg", "haic_cycles[0].pre_cycle_labs.platelets.value",
        "haic_cycles[0].infusions[0].given_dose_mg", "targeted_agent[0].planned_dose_mg",
        "imaging[0].target_mm.T1", "imaging[0].new_lesion_details[0].longest_diameter_mm",
        "resections[0].pathology.largest_lesion_mm",
    ):  # fmt: skip
        assert path in paths, path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), case=st.sampled_from(LIMITED))
def test_property_a_value_outside_its_limit_is_refused_at_entry_naming_the_field(data, case):
    which, leaf = case
    document = base(which)
    low, high = _bounds(which, leaf, document)
    outside = st.floats(high * 1.001 + 0.01, 1e308, allow_nan=False, allow_infinity=False)
    if low > 0:
        outside |= st.floats(0, low * 0.999, allow_nan=False, exclude_max=True)
    value = data.draw(outside)
    error = refused_at(which, with_value(document, leaf.path, value))
    assert error.field == leaf.path, str(error)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), case=st.sampled_from(LIMITED))
def test_property_a_value_inside_its_limit_is_accepted(data, case):
    which, leaf = case
    document = base(which)
    low, high = _bounds(which, leaf, document)
    low = max(low, 0.1)  # diameters and doses must be > 0 by their own constraint
    if leaf.path.startswith("baseline.lesions"):
        low = 10.0  # a baseline target lesion is measurable from 10 mm (RECIST 1.1 section 3.1.1)
    value = data.draw(
        st.floats(low, high, allow_nan=False).map(lambda v: round(v, 1)).filter(lambda v: low <= v <= high)
    )
    if leaf.path.endswith("fev1_l") or leaf.path.endswith("fvc_l"):
        return  # FEV1 <= FVC is a cross-field rule of its own (tested in test_crf_models)
    if leaf.path.endswith("given_dose_mg") or leaf.path.endswith("planned_dose_mg"):
        return  # a dose far from its plan is the safety-stop rule's business, not the limit's
    parse(which, with_value(document, leaf.path, value))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(ALL),
    wrong=st.one_of(
        st.text(max_size=8),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    ),
)
def test_property_any_non_number_json_value_in_a_number_field_is_refused(case, wrong):
    which, leaf = case
    if leaf.kind not in ("number", "int"):
        return
    error = refused_at(which, with_value(base(which), leaf.path, wrong))
    assert error.field == leaf.path


def test_a_stored_record_is_read_back_without_the_entry_checks():
    """A limit tightened after a save must not make the saved record unreadable: edit checks query it."""
    document = with_value(full_subject(), "baseline.demographics.weight_kg", 585)
    with pytest.raises(InputError, match="25-250 kg"):
        parse_model(SubjectForms, document, today=TODAY)
    assert parse_model(SubjectForms, document).baseline.demographics.weight_kg == 585


# --- age_years against birth_date -----------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "ok"), [(65, True), (64, False), (66, False), (0, False)])
def test_age_years_must_agree_with_birth_date_on_the_screening_date(age, ok):
    # Inclusion I1 (NCT06988852): age in completed years on screening_date; 1961-04-03 -> 65 on 2026-11-20.
    document = with_value(full_patient(), "age_years", age)
    if ok:
        assert parse("patient", document).age_years == 65
    else:
        error = refused_at("patient", document)
        assert error.field == "age_years" and "birth_date" in error.message and "65" in error.message


@settings(max_examples=200, deadline=None)
@given(
    birth=st.dates(dt.date(1920, 1, 1), dt.date(2010, 12, 31)),
    screening=st.dates(dt.date(2020, 1, 1), dt.date(2026, 11, 30)),
    delta=st.integers(-3, 3),
)
def test_property_age_years_a_year_or_more_off_is_refused_naming_it(birth, screening, delta):
    from haictrial.clinical.patient import completed_years

    age = completed_years(birth, screening)
    document = {"birth_date": birth.isoformat(), "screening_date": screening.isoformat(), "age_years": age + delta}
    if age + delta < 0 or age + delta > 120:
        return
    if delta == 0:
        assert parse("patient", document).age_years == age
    else:
        assert refused_at("patient", document).field == "age_years"
