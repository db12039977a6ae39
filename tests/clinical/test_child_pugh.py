"""Child-Pugh score and class.

Source: Pugh RNH et al., Transection of the oesophagus for bleeding oesophageal varices,
Br J Surg 1973;60:646-649 (doi:10.1002/bjs.1800600817), in SI units: bilirubin < 34 / 34-50 / > 50 umol/L,
albumin > 35 / 28-35 / < 28 g/L; INR < 1.7 / 1.7-2.3 / > 2.3 in place of the prothrombin time (MSD Manual,
"Child-Turcotte-Pugh scoring system"); class A 5-6, B 7-9, C 10-15. Every cut-off is tested on both sides.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haictrial.clinical.child_pugh import ChildPugh, child_pugh, child_pugh_class, child_pugh_or_none
from haictrial.vocabulary.enums import Ascites, HepaticEncephalopathy

NORMAL = {
    "total_bilirubin_umol_l": 10.0,
    "albumin_g_l": 42.0,
    "inr": 1.0,
    "ascites": Ascites.none,
    "encephalopathy": HepaticEncephalopathy.none,
}


def score_with(**changes: object) -> ChildPugh:
    return child_pugh(**{**NORMAL, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bilirubin_umol_l", "points"),
    [(33.9, 1), (34.0, 2), (42.0, 2), (50.0, 2), (50.1, 3), (120.0, 3)],
)
def test_it_scores_bilirubin_at_34_and_50_umol_l(bilirubin_umol_l, points):
    # Pugh 1973: bilirubin 1-2 / 2-3 / > 3 mg/100 ml, here < 34 / 34-50 / > 50 umol/L.
    assert score_with(total_bilirubin_umol_l=bilirubin_umol_l).points.total_bilirubin == points


@pytest.mark.parametrize(
    ("albumin_g_l", "points"),
    [(35.1, 1), (35.0, 2), (30.0, 2), (28.0, 2), (27.9, 3), (20.0, 3)],
)
def test_it_scores_albumin_at_35_and_28_g_l(albumin_g_l, points):
    # Pugh 1973: albumin > 3.5 / 2.8-3.5 / < 2.8 g/100 ml, here > 35 / 28-35 / < 28 g/L.
    assert score_with(albumin_g_l=albumin_g_l).points.albumin == points


@pytest.mark.parametrize(("inr", "points"), [(1.69, 1), (1.7, 2), (2.0, 2), (2.3, 2), (2.31, 3)])
def test_it_scores_inr_at_1_7_and_2_3(inr, points):
    # INR < 1.7 / 1.7-2.3 / > 2.3 (MSD Manual, in place of Pugh's prothrombin time).
    assert score_with(inr=inr).points.inr == points


@pytest.mark.parametrize(
    ("ascites", "points"), [(Ascites.none, 1), (Ascites.mild, 2), (Ascites.moderate_severe, 3), ("mild", 2)]
)
def test_it_scores_ascites(ascites, points):
    assert score_with(ascites=ascites).points.ascites == points


@pytest.mark.parametrize(
    ("encephalopathy", "points"),
    [(HepaticEncephalopathy.none, 1), (HepaticEncephalopathy.grade_1_2, 2), (HepaticEncephalopathy.grade_3_4, 3)],
)
def test_it_scores_encephalopathy(encephalopathy, points):
    assert score_with(encephalopathy=encephalopathy).points.hepatic_encephalopathy == points


@pytest.mark.parametrize(
    ("score", "expected"),
    [(5, "A"), (6, "A"), (7, "B"), (9, "B"), (10, "C"), (15, "C")],
)
def test_it_classes_a_5_6_b_7_9_c_10_15(score, expected):
    # Pugh 1973: grade A 5-6 points, B 7-9, C 10-15.
    assert child_pugh_class(score) == expected


@pytest.mark.parametrize("score", [4, 16])
def test_it_rejects_an_impossible_score(score):
    with pytest.raises(ValueError):
        child_pugh_class(score)


@pytest.mark.parametrize(
    ("changes", "score", "klass"),
    [
        ({}, 5, "A"),
        ({"albumin_g_l": 30.0}, 6, "A"),
        ({"albumin_g_l": 30.0, "inr": 1.8}, 7, "B"),  # class boundary A|B
        ({"total_bilirubin_umol_l": 60.0, "albumin_g_l": 30.0, "ascites": Ascites.mild}, 9, "B"),
        (
            {"total_bilirubin_umol_l": 60.0, "albumin_g_l": 30.0, "ascites": Ascites.mild, "inr": 1.8},
            10,
            "C",
        ),  # class boundary B|C
        (
            {
                "total_bilirubin_umol_l": 80.0,
                "albumin_g_l": 22.0,
                "inr": 2.6,
                "ascites": Ascites.moderate_severe,
                "encephalopathy": HepaticEncephalopathy.grade_3_4,
            },
            15,
            "C",
        ),
    ],
)
def test_it_sums_points_and_classes(changes, score, klass):
    result = score_with(**changes)
    assert (result.score, result.child_pugh_class) == (score, klass)


def test_a_converted_value_on_the_cut_off_scores_as_the_cut_off():
    # 34 umol/L entered in mg/dL (34 / 17.1) converts back with float rounding; still 2 points.
    assert score_with(total_bilirubin_umol_l=(34 / 17.1) * 17.1).points.total_bilirubin == 2
    assert score_with(total_bilirubin_umol_l=(50 / 17.1) * 17.1).points.total_bilirubin == 2
    assert score_with(albumin_g_l=3.5 * 10).points.albumin == 2


def test_it_serialises_the_class_as_class():
    assert score_with().model_dump(mode="json")["class"] == "A"
    assert ChildPugh.model_validate(score_with().model_dump(mode="json")) == score_with()


@pytest.mark.parametrize("missing", list(NORMAL))
def test_the_helper_returns_none_when_any_component_is_missing(missing):
    assert child_pugh_or_none(**{**NORMAL, missing: None}) is None  # type: ignore[arg-type]
    assert child_pugh_or_none(**NORMAL) == child_pugh(**NORMAL)  # type: ignore[arg-type]


@given(
    bilirubin=st.floats(0, 500),
    albumin=st.floats(5, 60),
    inr=st.floats(0.5, 6),
    ascites=st.sampled_from(list(Ascites)),
    encephalopathy=st.sampled_from(list(HepaticEncephalopathy)),
    worse_bilirubin=st.floats(0, 100),
)
def test_the_score_is_5_to_15_and_never_better_for_worse_bilirubin(
    bilirubin, albumin, inr, ascites, encephalopathy, worse_bilirubin
):
    base = child_pugh(bilirubin, albumin, inr, ascites, encephalopathy)
    worse = child_pugh(bilirubin + worse_bilirubin, albumin, inr, ascites, encephalopathy)
    assert 5 <= base.score <= 15
    assert base.child_pugh_class == child_pugh_class(base.score)
    assert worse.score >= base.score
