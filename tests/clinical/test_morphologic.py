"""Morphologic response of colorectal liver metastases (Chun et al., JAMA 2009;302:2338).

Definitions from the paper (doi:10.1001/jama.2009.1755): group 1 homogeneous low attenuation with a
thin, sharply defined tumour-liver interface; group 3 heterogeneous attenuation with a thick, poorly
defined interface; group 2 in between. Optimal response: group 3 or 2 -> group 1; incomplete
response: group 3 -> group 2; no response: no change or a higher group.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.morphologic import (
    MorphologicResponse,
    MorphologyGroup,
    assess_morphology,
    best_morphologic_response,
    morphologic_response,
    patient_group,
)
from haictrial.clinical.recist import RecistInput, evaluate_recist
from haictrial.documents import parse_model
from haictrial.errors import InputError

G1, G2, G3 = MorphologyGroup.GROUP_1, MorphologyGroup.GROUP_2, MorphologyGroup.GROUP_3
OPTIMAL, INCOMPLETE, NONE = MorphologicResponse.optimal, MorphologicResponse.incomplete, MorphologicResponse.none

CHUN = [
    # (baseline group, follow-up group, response), Chun 2009 "Morphologic response criteria".
    (G3, G1, OPTIMAL),  # 3 -> 1: optimal
    (G2, G1, OPTIMAL),  # 2 -> 1: optimal
    (G3, G2, INCOMPLETE),  # 3 -> 2: incomplete
    (G3, G3, NONE),  # no change
    (G2, G2, NONE),  # no change
    (G1, G1, NONE),  # no change (already group 1 at baseline)
    (G1, G2, NONE),  # increase in group
    (G1, G3, NONE),
    (G2, G3, NONE),
]


@pytest.mark.parametrize(("baseline", "current", "expected"), CHUN)
def test_it_applies_chun_2009_criteria(baseline, current, expected):
    assert morphologic_response(baseline, current) == expected


def test_it_takes_the_worst_lesion_as_the_patient_group():
    assert patient_group({"T1": G1, "T2": G3, "NT1": G2}) == G3
    assert patient_group([G1, G1]) == G1
    with pytest.raises(ValueError):
        patient_group({})


PATIENT_CASES = [
    # (baseline per lesion, follow-up per lesion, patient group, response)
    ({"T1": G3, "T2": G2}, {"T1": G1, "T2": G1}, G1, OPTIMAL),  # every lesion group 1: optimal
    ({"T1": G3, "T2": G2}, {"T1": G1, "T2": G2}, G2, INCOMPLETE),  # worst now 2 after a group-3 baseline
    ({"T1": G3, "T2": G1}, {"T1": G3, "T2": G1}, G3, NONE),
    ({"T1": G2, "T2": G2}, {"T1": G1, "T2": G2}, G2, NONE),  # one lesion still group 2: not optimal
    ({"T1": G3, "T2": G3}, {"T1": G1}, None, None),  # T2 not graded: not evaluable
    ({"T1": G3}, None, None, None),  # no morphology at this time point
]


@pytest.mark.parametrize(("baseline", "current", "group", "expected"), PATIENT_CASES)
def test_it_assesses_a_patient_from_lesion_groups(baseline, current, group, expected):
    assert assess_morphology(baseline, current) == (group, expected)


def test_it_takes_the_best_response_over_time_points():
    assert best_morphologic_response([NONE, None, OPTIMAL, INCOMPLETE]) == OPTIMAL
    assert best_morphologic_response([NONE, INCOMPLETE]) == INCOMPLETE
    assert best_morphologic_response([None, None]) is None


@settings(max_examples=200, deadline=None)
@given(
    baseline=st.dictionaries(st.sampled_from(["T1", "T2", "T3"]), st.sampled_from(list(MorphologyGroup)), min_size=1),
    data=st.data(),
)
def test_property_optimal_only_when_every_lesion_is_group_1(baseline, data):
    current = {k: data.draw(st.sampled_from(list(MorphologyGroup))) for k in baseline}
    _, response = assess_morphology(baseline, current)
    if response == OPTIMAL:
        assert all(g == G1 for g in current.values()) and any(g != G1 for g in baseline.values())
    if all(g == G1 for g in current.values()) and any(g != G1 for g in baseline.values()):
        assert response == OPTIMAL


def recist_doc(morphology: list[dict[str, int] | None]) -> dict[str, Any]:
    assessments = []
    for k, groups in enumerate(morphology):
        a: dict[str, Any] = {
            "date": f"2026-0{1 + 2 * k}-05",
            "target_mm": {"T1": 40, "T2": 30},
            "non_target": {"NT1": "present"},
            "new_lesions": False,
        }
        if groups is not None:
            a["morphology"] = groups
        assessments.append(a)
    return {
        "subject_id": "CHA-001-0002",
        "target_lesions": [{"id": "T1", "organ": "liver"}, {"id": "T2", "organ": "liver"}],
        "non_target_lesions": [{"id": "NT1", "organ": "liver"}],
        "assessments": assessments,
    }


def evaluate(doc: dict[str, Any]) -> dict[str, Any]:
    return evaluate_recist(parse_model(RecistInput, doc), 28, 42).as_contract()


def test_it_reports_morphologic_response_with_recist():
    # Sizes unchanged (RECIST SD) while the metastases turn group 1: the bevacizumab pattern Chun described.
    out = evaluate(
        recist_doc([{"T1": 3, "T2": 2, "NT1": 3}, {"T1": 2, "T2": 2, "NT1": 2}, {"T1": 1, "T2": 1, "NT1": 1}])
    )
    assert [tp["overall_response"] for tp in out["timepoints"]] == ["SD", "SD"]
    assert [(tp["morphologic_group"], tp["morphologic_response"]) for tp in out["timepoints"]] == [
        (2, "incomplete"),
        (1, "optimal"),
    ]
    assert (out["baseline_morphologic_group"], out["morphologic_response"]) == (3, "optimal")


def test_it_leaves_morphology_out_when_absent():
    out = evaluate(recist_doc([None, None]))
    assert "morphologic_response" not in out
    assert "morphologic_response" not in out["timepoints"][0]


def test_it_gives_null_for_a_time_point_without_morphology():
    out = evaluate(recist_doc([{"T1": 3}, None, {"T1": 1}]))
    assert [tp["morphologic_response"] for tp in out["timepoints"]] == [None, "optimal"]


@pytest.mark.parametrize(
    ("morphology", "field", "words"),
    [
        ([{"T1": 3}, {"T1": 4}], "assessments[1].morphology.T1", "T1"),
        ([{"T1": 3}, {"T1": True}], "assessments[1].morphology.T1", "1, 2 or 3"),
        ([{"T1": 3}, {"T1": "1"}], "assessments[1].morphology.T1", "1, 2 or 3"),
        ([{"T1": 3}, {"X1": 1}], "assessments[1].morphology.X1", "unknown lesion X1"),
        ([None, {"T1": 1}], "assessments[1].morphology", "baseline"),
        ([{"T1": 3}, {"T1": 1, "T2": 1}], "assessments[1].morphology.T2", "T2"),
    ],
)
def test_it_rejects_malformed_morphology_naming_the_lesion(morphology, field, words):
    with pytest.raises(InputError) as caught:
        evaluate(recist_doc(morphology))
    assert caught.value.field == field
    assert words in str(caught.value)  # the one line the CLI prints names the lesion
