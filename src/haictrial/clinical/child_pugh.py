"""Child-Pugh score and class of liver function (inclusion I7 of CHALLENGE-A1).

Five components, 1 to 3 points each, summed to a score of 5-15:

=====================  ==========  ============  ==============
component              1 point     2 points      3 points
=====================  ==========  ============  ==============
total bilirubin        < 34 umol/L 34-50 umol/L  > 50 umol/L
albumin                > 35 g/L    28-35 g/L     < 28 g/L
INR                    < 1.7       1.7-2.3       > 2.3
ascites                none        mild          moderate/severe
hepatic encephalopathy none        grade 1-2     grade 3-4
=====================  ==========  ============  ==============

Class A: 5-6 points; B: 7-9; C: 10-15. The boundary values belong to the middle band
(bilirubin 34 and 50 umol/L, albumin 28 and 35 g/L, INR 1.7 and 2.3 all score 2 points).

References
----------
- Pugh RNH, Murray-Lyon IM, Dawson JL, Pietroni MC, Williams R. Transection of the oesophagus for
  bleeding oesophageal varices. Br J Surg 1973;60(8):646-649. doi:10.1002/bjs.1800600817
  (bilirubin, albumin, ascites, encephalopathy and the A/B/C classes). Pugh gives bilirubin as
  1-2 / 2-3 / > 3 mg/100 ml and albumin as > 3.5 / 2.8-3.5 / < 2.8 g/100 ml; the SI cut-offs used here
  are 34 / 50 umol/L and 35 / 28 g/L (3 mg/dL is 51.3 umol/L: some SI tables round it to 51, we use 50).
- Pugh's prothrombin-time row (1-4 / 4-6 / > 6 s prolonged) is replaced by the INR (< 1.7 / 1.7-2.3 / > 2.3),
  as tabulated in the MSD Manual Professional Edition, "Child-Turcotte-Pugh scoring system", and in
  Harrison's Principles of Internal Medicine (Child-Pugh classification of cirrhosis).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from haictrial.vocabulary.enums import Ascites, HepaticEncephalopathy
from haictrial.vocabulary.units import same_value

ChildPughClass = Literal["A", "B", "C"]

#: (lower, upper) boundaries of the 2-point band, both inclusive, in SI units.
BILIRUBIN_UMOL_L = (34.0, 50.0)
ALBUMIN_G_L = (28.0, 35.0)
INR = (1.7, 2.3)

_ASCITES_POINTS = {Ascites.none: 1, Ascites.mild: 2, Ascites.moderate_severe: 3}
_ENCEPHALOPATHY_POINTS = {
    HepaticEncephalopathy.none: 1,
    HepaticEncephalopathy.grade_1_2: 2,
    HepaticEncephalopathy.grade_3_4: 3,
}


class ChildPughPoints(BaseModel):
    """The points (1-3) each component contributed."""

    model_config = ConfigDict(frozen=True)

    total_bilirubin: int = Field(ge=1, le=3)
    albumin: int = Field(ge=1, le=3)
    inr: int = Field(ge=1, le=3)
    ascites: int = Field(ge=1, le=3)
    hepatic_encephalopathy: int = Field(ge=1, le=3)


class ChildPugh(BaseModel):
    """A Child-Pugh score (5-15) and class; the class is serialised as ``class`` at the JSON boundary."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    score: int = Field(ge=5, le=15)
    child_pugh_class: ChildPughClass = Field(alias="class")
    points: ChildPughPoints


def _band(value: float, low: float, high: float, *, higher_is_worse: bool) -> int:
    """1, 2 or 3 points for a value whose 2-point band is ``[low, high]`` (both inclusive)."""
    # A value converted from mg/dL or g/dL may differ from a cut-off by float rounding only.
    below = value < low and not same_value(value, low)
    above = value > high and not same_value(value, high)
    if below:
        return 1 if higher_is_worse else 3
    if above:
        return 3 if higher_is_worse else 1
    return 2


def child_pugh_class(score: int) -> ChildPughClass:
    """Class A for 5-6 points, B for 7-9, C for 10-15 (Pugh et al. 1973)."""
    if not 5 <= score <= 15:
        raise ValueError(f"a Child-Pugh score is 5-15, got {score}")
    if score <= 6:
        return "A"
    if score <= 9:
        return "B"
    return "C"


def child_pugh(
    total_bilirubin_umol_l: float,
    albumin_g_l: float,
    inr: float,
    ascites: Ascites,
    encephalopathy: HepaticEncephalopathy,
) -> ChildPugh:
    """The Child-Pugh score and class from the five components, laboratory values in SI units.

    References
    ----------
    Pugh et al., Br J Surg 1973;60:646-9 (doi:10.1002/bjs.1800600817), with the INR row in place of the
    prothrombin time; see the module docstring for the table and the SI cut-offs.
    """
    points = ChildPughPoints(
        total_bilirubin=_band(total_bilirubin_umol_l, *BILIRUBIN_UMOL_L, higher_is_worse=True),
        albumin=_band(albumin_g_l, *ALBUMIN_G_L, higher_is_worse=False),
        inr=_band(inr, *INR, higher_is_worse=True),
        ascites=_ASCITES_POINTS[Ascites(ascites)],
        hepatic_encephalopathy=_ENCEPHALOPATHY_POINTS[HepaticEncephalopathy(encephalopathy)],
    )
    score = points.total_bilirubin + points.albumin + points.inr + points.ascites + points.hepatic_encephalopathy
    return ChildPugh(score=score, child_pugh_class=child_pugh_class(score), points=points)


def child_pugh_or_none(
    total_bilirubin_umol_l: float | None,
    albumin_g_l: float | None,
    inr: float | None,
    ascites: Ascites | None,
    encephalopathy: HepaticEncephalopathy | None,
) -> ChildPugh | None:
    """:func:`child_pugh`, or None when any component is missing (never assumed normal)."""
    if (
        total_bilirubin_umol_l is None
        or albumin_g_l is None
        or inr is None
        or ascites is None
        or encephalopathy is None
    ):
        return None
    return child_pugh(total_bilirubin_umol_l, albumin_g_l, inr, ascites, encephalopathy)
