"""MDT resectability review: the technical criteria as advice, and the decision's consistency with them.

Source: Adams RB et al., Selection for hepatic resection of colorectal liver metastases: expert consensus
statement, HPB 2013;15:91-103 (doi:10.1111/j.1477-2574.2012.00557.x): R0 resection achievable; at least
two contiguous segments spared with inflow, outflow and biliary drainage; FLR >= 20 % of a normal liver,
>= 30 % after extensive chemotherapy, >= 40 % in cirrhosis.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.resectability import (
    CriterionState,
    FindingKind,
    MdtDecision,
    MdtReview,
    minimum_flr_percent,
    resectability_findings,
    technical_criteria,
    technically_resectable,
)
from haictrial.documents import parse_model
from haictrial.errors import InputError

MET = {
    "date": "2026-02-20", "flr_percent": 45, "cirrhosis": False, "extensive_chemotherapy": False,
    "r0_achievable": True, "remnant_contiguous_segments": 4, "remnant_inflow_preserved": True,
    "remnant_outflow_preserved": True, "remnant_biliary_drainage_preserved": True,
    "decision": "resect", "reason": "R0 achievable with an adequate remnant",
}  # fmt: skip


def review(**changes):
    return parse_model(MdtReview, {**MET, **changes})


def states(form):
    return {check.id: check.state for check in technical_criteria(form)}


@pytest.mark.parametrize(
    ("cirrhosis", "extensive_chemotherapy", "minimum"),
    [(False, False, 20.0), (False, True, 30.0), (True, False, 40.0), (True, True, 40.0)],
)
def test_minimum_flr_by_liver_condition(cirrhosis, extensive_chemotherapy, minimum):
    # Adams 2013: 20 % normal liver, 30 % after extensive chemotherapy, 40 % cirrhosis.
    assert minimum_flr_percent(cirrhosis, extensive_chemotherapy) == minimum


@pytest.mark.parametrize(
    ("flr", "cirrhosis", "chemo", "state"),
    [
        (20, False, False, CriterionState.met),  # exactly 20 % of a normal liver is enough
        (19.9, False, False, CriterionState.not_met),
        (29.9, False, True, CriterionState.not_met),
        (30, False, True, CriterionState.met),
        (39.9, True, False, CriterionState.not_met),
        (40, True, True, CriterionState.met),
        (25, None, False, CriterionState.unknown),  # enough unless cirrhotic: unknown
        (25, False, None, CriterionState.unknown),  # enough unless extensively treated
        (35, False, None, CriterionState.met),  # enough for a non-cirrhotic liver either way
        (45, None, None, CriterionState.met),  # enough in any liver
        (15, None, None, CriterionState.not_met),  # too small in any liver
        (None, False, False, CriterionState.unknown),
    ],
)
def test_flr_criterion(flr, cirrhosis, chemo, state):
    assert states(review(flr_percent=flr, cirrhosis=cirrhosis, extensive_chemotherapy=chemo))["flr"] == state


def test_all_criteria_met_and_resect_gives_no_finding():
    form = review()
    assert set(states(form).values()) == {CriterionState.met}
    assert technically_resectable(form) is True
    assert resectability_findings(form) == []


@pytest.mark.parametrize(
    ("changes", "criterion", "field"),
    [
        ({"r0_achievable": False}, "r0", "r0_achievable"),
        ({"remnant_contiguous_segments": 1}, "remnant_segments", "remnant_contiguous_segments"),
        ({"remnant_outflow_preserved": False}, "remnant_vascular_biliary", "remnant_outflow_preserved"),
        ({"remnant_biliary_drainage_preserved": False}, "remnant_vascular_biliary", "remnant_biliary_drainage_preserved"),
        ({"flr_percent": 18}, "flr", "flr_percent"),
        ({"flr_percent": 35, "cirrhosis": True}, "flr", "flr_percent"),
        ({"flr_percent": None}, "flr", "flr_percent"),  # resect without the FLR recorded
        ({"flr_percent": 25, "cirrhosis": None}, "flr", "cirrhosis"),
        ({"r0_achievable": None}, "r0", "r0_achievable"),
    ],
)  # fmt: skip
def test_resect_against_a_criterion_not_met_or_unknown_is_inconsistent(changes, criterion, field):
    findings = resectability_findings(review(**changes))
    assert [(f.kind, f.criterion, f.field) for f in findings] == [(FindingKind.inconsistent, criterion, field)]
    assert "Adams" in findings[0].message


def test_the_decision_is_the_teams():
    # Not resecting a technically resectable liver is the team's call: an advisory note, never a query.
    for decision in ("continue_conversion", "not_resectable"):
        findings = resectability_findings(review(decision=decision, reason="early progression elsewhere"))
        assert [f.kind for f in findings] == [FindingKind.advisory]
        assert "early progression elsewhere" in findings[0].message
    # Continuing conversion because R0 is not yet achievable is consistent: nothing to say.
    assert resectability_findings(review(decision="continue_conversion", r0_achievable=False)) == []
    assert resectability_findings(review(decision=None)) == []


def test_technically_resectable_is_tri_state():
    assert technically_resectable(review(r0_achievable=False)) is False
    assert technically_resectable(review(remnant_inflow_preserved=None)) is None
    assert technically_resectable(review(remnant_inflow_preserved=None, r0_achievable=False)) is False


def test_the_form_names_its_fields():
    with pytest.raises(InputError) as err:
        parse_model(MdtReview, {**MET, "flr_percent": 120})
    assert err.value.field == "flr_percent"
    with pytest.raises(InputError) as err:
        parse_model(MdtReview, {**MET, "decision": "operate"})
    assert err.value.field == "decision"
    with pytest.raises(InputError) as err:
        parse_model(MdtReview, {**MET, "imaging_date": "2026-03-01"})
    assert err.value.field == "imaging_date"


maybe = st.one_of(st.none(), st.booleans())


@settings(max_examples=200, deadline=None)
@given(
    flr=st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False)),
    cirrhosis=maybe,
    chemo=maybe,
    r0=maybe,
    segments=st.one_of(st.none(), st.integers(min_value=0, max_value=8)),
    inflow=maybe,
    outflow=maybe,
    biliary=maybe,
    decision=st.sampled_from(list(MdtDecision)),
)
def test_resect_is_consistent_exactly_when_every_criterion_is_met(
    flr, cirrhosis, chemo, r0, segments, inflow, outflow, biliary, decision
):
    form = review(
        flr_percent=flr, cirrhosis=cirrhosis, extensive_chemotherapy=chemo, r0_achievable=r0,
        remnant_contiguous_segments=segments, remnant_inflow_preserved=inflow, remnant_outflow_preserved=outflow,
        remnant_biliary_drainage_preserved=biliary, decision=decision.value,
    )  # fmt: skip
    inconsistent = [f for f in resectability_findings(form) if f.kind == FindingKind.inconsistent]
    if decision == MdtDecision.resect:
        assert (inconsistent == []) is (technically_resectable(form) is True)
    else:
        assert inconsistent == []
