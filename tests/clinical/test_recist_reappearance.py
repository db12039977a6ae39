"""RECIST 1.1: a lesion that reappears after a complete response is progression at that time point.

References: Eisenhauer EA et al., Eur J Cancer 2009;45:228-47 (doi:10.1016/j.ejca.2008.10.026), section
4.3.1 and Table 3 with its notes (disease after a CR is progression); Schwartz LH et al., RECIST 1.1 -
update and clarification: from the RECIST committee, Eur J Cancer 2016;62:132-7
(doi:10.1016/j.ejca.2016.03.081): a lesion that disappears and reappears in a patient in CR is PD.
Below the 5 mm absolute increase of section 4.3.1, so the sum rule alone would not call it PD.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.clinical.test_recist import document, evaluate

from haictrial.clinical.recist import NonTargetState, reappeared_after_cr


def _responses(out):
    return [tp["overall_response"] for tp in out["timepoints"]]


def test_a_target_lesion_measurable_again_after_a_confirmed_cr_is_pd_and_cr_stays_best():
    # CR at day 56, confirmed at day 112 (>= 28 days); T1 back at 3 mm on day 168: +3 mm, under 5 mm.
    out = evaluate(document([{"T1": 20}, {"T1": 0}, {"T1": 0}, {"T1": 3}]))
    assert _responses(out) == ["CR", "CR", "PD"]
    assert out["timepoints"][2]["target_response"] == "PD"
    assert out["best_overall_response"] == "CR" and out["confirmed"] is True
    assert out["progression_date"] == "2026-06-22"


def test_a_non_target_lesion_present_again_after_cr_is_pd():
    # Target CR with the non-target absent is CR (Table 1); the non-target "present" again is PD, not PR.
    doc = document(
        [{"T1": 20}, {"T1": 0}, {"T1": 0}, {"T1": 0}],
        non_target=[{"NT1": "present"}, {"NT1": "absent"}, {"NT1": "absent"}, {"NT1": "present"}],
    )
    out = evaluate(doc)
    assert _responses(out) == ["CR", "CR", "PD"]
    assert out["timepoints"][2]["non_target_response"] == "PD"
    assert out["best_overall_response"] == "CR" and out["confirmed"] is True


def test_a_node_back_to_10_mm_short_axis_after_cr_is_pd_but_a_normal_node_is_not():
    # Section 4.3.1: a node < 10 mm short axis is normal; >= 10 mm again after CR is a reappearance.
    back = evaluate(document([{"N1": 20}, {"N1": 8}, {"N1": 8}, {"N1": 10}], nodes=("N1",)))
    assert _responses(back) == ["CR", "CR", "PD"]
    normal = evaluate(document([{"N1": 20}, {"N1": 8}, {"N1": 8}, {"N1": 9.9}], nodes=("N1",)))
    assert _responses(normal) == ["CR", "CR", "CR"]


def test_an_unconfirmed_cr_followed_by_a_reappearance_is_pd_at_that_time_point():
    # Day 56 CR, day 70 T1 back at 2 mm (< 28 days: the CR is not confirmed). Table 3: CR then PD is
    # SD when the CR was at least the minimum SD duration (42 days) after baseline.
    out = evaluate(document([{"T1": 20}, {"T1": 0}, {"T1": 2}], days=[0, 56, 70]))
    assert _responses(out) == ["CR", "PD"]
    assert out["best_overall_response"] == "SD" and out["confirmed"] is False


def test_a_not_evaluated_time_point_keeps_the_patient_in_cr():
    # CR, then NE (T1 not measured), then T1 back at 2 mm: still a reappearance after CR.
    out = evaluate(document([{"T1": 20}, {"T1": 0}, {"T1": None}, {"T1": 2}]))
    assert _responses(out) == ["CR", "NE", "PD"]


def test_without_a_previous_cr_a_small_growth_is_not_pd():
    # PR (not CR) before: the 5 mm / 20 % rule of section 4.3.1 applies unchanged (+3 mm over a 10 mm nadir).
    out = evaluate(document([{"T1": 20}, {"T1": 10}, {"T1": 13}]))
    assert _responses(out) == ["PR", "PR"]


@settings(max_examples=200, deadline=None)
@given(
    size=st.floats(0.1, 200, allow_nan=False).map(lambda v: round(v, 1)).filter(lambda v: v > 0),
    state=st.sampled_from([NonTargetState.absent, NonTargetState.present, NonTargetState.unequivocal_progression]),
)
def test_property_any_reappearance_after_cr_is_pd(size, state):
    # Invariant (Eisenhauer 2009 Table 3 notes): in CR, any non-nodal target > 0 mm or any non-target
    # lesion present again makes the time point PD, whatever its size.
    target_back, non_target_back = reappeared_after_cr([size], [False], [state])
    assert target_back
    assert non_target_back == (state != NonTargetState.absent)
    doc = document(
        [{"T1": 20}, {"T1": 0}, {"T1": 0}, {"T1": size}],
        non_target=[{"NT1": "present"}, {"NT1": "absent"}, {"NT1": "absent"}, {"NT1": state.value}],
    )
    out = evaluate(doc)
    assert _responses(out)[-1] == "PD"
    assert out["best_overall_response"] == "CR"
