"""Liver resection: margin status, extent (Brisbane 2000), Clavien-Dindo, 90-day mortality, Rubbia-Brandt TRG.

Sources: Pawlik TM et al., Ann Surg 2005;241:715-22 (doi:10.1097/01.sla.0000160703.75808.7d) and the
common CRLM definition R1 = margin < 1 mm; Strasberg SM et al., Brisbane 2000 terminology, HPB 2000;2:333-9
and J Hepatobiliary Pancreat Surg 2005;12:351-5 (doi:10.1007/s00534-005-0999-7); Dindo D et al., Ann Surg
2004;240:205-13 (doi:10.1097/01.sla.0000133083.54934.ae); Rubbia-Brandt L et al., Ann Oncol 2007;18:299-304.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.surgery import (
    ClavienDindoGrade,
    HistologicalResponse,
    LiverResection,
    MarginStatus,
    RubbiaBrandtTrg,
    brisbane_resection_name,
    clavien_dindo_rank,
    highest_clavien_dindo,
    histological_response,
    is_major_hepatectomy,
    margin_status,
    ninety_day_mortality,
)
from haictrial.documents import parse_model
from haictrial.errors import InputError

# --- margin ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("margin_mm", "macroscopic", "expected"),
    [
        (0.0, False, MarginStatus.R1),  # tumour at the transection line: R1
        (0.5, False, MarginStatus.R1),
        (0.99, False, MarginStatus.R1),  # < 1 mm: R1 (common CRLM definition)
        (1.0, False, MarginStatus.R0),  # >= 1 mm: R0 (Pawlik 2005: negative margins 1-4 mm)
        (4.0, False, MarginStatus.R0),
        (10.0, False, MarginStatus.R0),  # Pawlik 2005: >= 1 cm, same as 1-9 mm
        (5.0, True, MarginStatus.R2),  # macroscopic residual tumour: R2 whatever the margin
        (None, True, MarginStatus.R2),
    ],
)
def test_margin_status_follows_the_1_mm_rule(margin_mm, macroscopic, expected):
    assert margin_status(margin_mm, macroscopic) == expected


@pytest.mark.parametrize("bad", [None, -0.1, float("nan"), float("inf"), True])
def test_margin_status_needs_a_margin_when_no_macroscopic_residual(bad):
    with pytest.raises(InputError) as err:
        margin_status(bad, False)
    assert err.value.field == "margin_mm"


_RANK = {MarginStatus.R0: 0, MarginStatus.R1: 1, MarginStatus.R2: 2}
margins = st.floats(min_value=0, max_value=200, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(margins, margins)
def test_margin_classification_is_monotone_in_margin_width(a, b):
    # A wider margin is never classed worse (Pawlik 2005; R1 < 1 mm).
    narrow, wide = sorted((a, b))
    assert _RANK[margin_status(wide, False)] <= _RANK[margin_status(narrow, False)]
    assert margin_status(wide, True) == MarginStatus.R2


# --- extent ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segments", "major"),
    [(["S6"], False), (["S6", "S7"], False), (["S2", "S3", "S4"], True), (["S5", "S6", "S7", "S8"], True), (["S6", "S6", "S7"], False)],
)  # fmt: skip
def test_major_hepatectomy_is_three_or_more_segments(segments, major):
    assert is_major_hepatectomy(segments) is major


@pytest.mark.parametrize(
    ("segments", "name"),
    [
        # Brisbane 2000 first-order divisions
        (["S5", "S6", "S7", "S8"], "right hemihepatectomy"),
        (["S2", "S3", "S4"], "left hemihepatectomy"),
        # second order: sections
        (["S5", "S8"], "right anterior sectionectomy"),
        (["S6", "S7"], "right posterior sectionectomy"),
        (["S4"], "left medial sectionectomy"),
        (["S2", "S3"], "left lateral sectionectomy"),
        # trisectionectomies (extended hemihepatectomies)
        (["S4", "S5", "S6", "S7", "S8"], "right trisectionectomy"),
        (["S2", "S3", "S4", "S5", "S8"], "left trisectionectomy"),
        # third order: segments
        (["S6"], "segmentectomy 6"),
        (["S7", "S2"], "bisegmentectomy 2,7"),
        (["S1"], "segmentectomy 1"),
        # "+/- segment 1"
        (["S1", "S5", "S6", "S7", "S8"], "right hemihepatectomy with segment 1"),
        # no Brisbane name
        (["S2", "S6", "S7"], None),
        ([], None),
    ],
)
def test_brisbane_names(segments, name):
    assert brisbane_resection_name(segments) == name


# --- complications ---------------------------------------------------------------------------------


def test_clavien_dindo_has_the_seven_grades_in_order():
    # Dindo et al. 2004, Table 1: I, II, IIIa, IIIb, IVa, IVb, V.
    assert [g.value for g in ClavienDindoGrade] == ["I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"]
    assert [clavien_dindo_rank(g) for g in ClavienDindoGrade] == list(range(7))


def test_highest_clavien_dindo():
    assert highest_clavien_dindo(["II", "IIIb", "I"]) == ClavienDindoGrade.IIIb
    assert highest_clavien_dindo(["IVa", "IIIb"]) == ClavienDindoGrade.IVa
    assert highest_clavien_dindo([]) is None
    with pytest.raises(ValueError):
        highest_clavien_dindo(["III"])  # Dindo 2004 splits grade III into IIIa and IIIb


# --- 90-day mortality ------------------------------------------------------------------------------

OPERATION = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("death_day", "alive_day", "expected"),
    [
        (0, None, True),  # death on the day of the operation
        (30, None, True),
        (90, None, True),  # day 90 is within 90 days
        (91, None, False),
        (400, None, False),
        (None, 89, None),  # alive, but followed for less than 90 days: not known yet
        (None, 90, False),
        (None, None, None),
    ],
)
def test_ninety_day_mortality(death_day, alive_day, expected):
    death = None if death_day is None else OPERATION + dt.timedelta(days=death_day)
    alive = None if alive_day is None else OPERATION + dt.timedelta(days=alive_day)
    assert ninety_day_mortality(OPERATION, death, alive) is expected


def test_a_death_before_the_operation_is_an_input_error():
    with pytest.raises(InputError) as err:
        ninety_day_mortality(OPERATION, OPERATION - dt.timedelta(days=1))
    assert err.value.field == "death_date"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=3000), st.integers(min_value=0, max_value=3000))
def test_ninety_day_mortality_only_when_death_within_90_days(death_day, alive_day):
    died = ninety_day_mortality(OPERATION, OPERATION + dt.timedelta(days=death_day), None)
    assert died is (death_day <= 90)
    alive = ninety_day_mortality(OPERATION, None, OPERATION + dt.timedelta(days=alive_day))
    assert alive is (False if alive_day >= 90 else None)  # never True without a death


# --- pathology -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trg", "response"),
    [(1, HistologicalResponse.major), (2, HistologicalResponse.major), (3, HistologicalResponse.partial),
     (4, HistologicalResponse.none), (5, HistologicalResponse.none)],
)  # fmt: skip
def test_rubbia_brandt_response_categories(trg, response):
    assert histological_response(trg) == response


def test_the_subjects_trg_is_the_worst_nodule():
    # Rubbia-Brandt 2007 grades a patient by the nodule with the highest TRG.
    resection = parse_model(LiverResection, {"pathology": {"lesion_trgs": [1, 3, 2]}})
    assert resection.pathology.trg == RubbiaBrandtTrg.TRG3
    with pytest.raises(InputError) as err:
        parse_model(LiverResection, {"pathology": {"lesion_trgs": [6]}})
    assert err.value.field == "pathology.lesion_trgs[0]"


# --- the form --------------------------------------------------------------------------------------


def resection(**changes):
    data = {
        "date": "2026-03-10", "approach": "laparoscopic", "segments_resected": ["S5", "S6", "S7", "S8"],
        "anatomical": True, "ablation": False, "macroscopic_residual": False,
        "pathology": {"margin_mm": 0.5, "lesion_trgs": [2]},
        "complications": [{"description": "bile leak", "grade": "IIIa", "onset_date": "2026-03-14"}],
    }  # fmt: skip
    data.update(changes)
    return parse_model(LiverResection, data)


def test_the_form_derives_margin_extent_and_worst_complication():
    form = resection()
    assert form.margin == MarginStatus.R1
    assert form.major is True
    assert form.brisbane_name == "right hemihepatectomy"
    assert form.highest_complication == ClavienDindoGrade.IIIa
    assert resection(macroscopic_residual=True).margin == MarginStatus.R2
    assert resection(macroscopic_residual=None).margin is None
    assert resection(anatomical=False).brisbane_name is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"approach": "open", "converted_to_open": True}, "converted_to_open"),
        ({"ablation_modality": "microwave"}, "ablation_modality"),
        ({"segments_resected": ["S6", "S6"]}, "segments_resected"),
        ({"segments_resected": ["S9"]}, "segments_resected[0]"),
        ({"approach": "transplant"}, "approach"),
        ({"complications": [{"description": "bleeding", "grade": "IIIa", "onset_date": "2026-03-01"}]}, "complications[0].onset_date"),
        ({"pathology": {"margin_mm": -1}}, "pathology.margin_mm"),
    ],
)  # fmt: skip
def test_the_form_rejects_impossible_values_naming_the_field(changes, field):
    with pytest.raises(InputError) as err:
        resection(**changes)
    assert err.value.field == field
