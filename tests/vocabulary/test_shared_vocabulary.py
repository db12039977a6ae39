"""One vocabulary, written once: the attribution scale and the subject statuses.

The NCI CTEP attribution scale (Guidelines for Adverse Event Reporting: unrelated, unlikely, possible,
probable, definite; possible to definite count as related) and the trial-course statuses are enums of
:mod:`haictrial.vocabulary.enums`; the eCRF choices, the analysis data dictionary, the SDTM causality terms
(SDTMIG 3.4 section 6.2, AEREL) and the EDC's stored choices are derived from them.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.adverse_events import RELATED, Attributions, strongest_attribution
from haictrial.edc.crfs.layouts import ATTRIBUTION_LEVELS
from haictrial.edc.subjects import models as subject_models
from haictrial.edc.subjects.status import TRANSITIONS
from haictrial.interop.sdtm import terms
from haictrial.reports import dictionary
from haictrial.vocabulary.enums import RELATED_ATTRIBUTIONS, Attribution, SubjectStatus

SCALE = ["unrelated", "unlikely", "possible", "probable", "definite"]  # NCI CTEP, weakest first


def test_the_scale_is_the_nci_ctep_five_point_scale_in_order():
    assert [a.value for a in Attribution] == SCALE
    assert [a.value for a in RELATED_ATTRIBUTIONS] == ["possible", "probable", "definite"]
    assert frozenset(RELATED_ATTRIBUTIONS) == RELATED


def test_every_copy_of_the_scale_is_derived_from_the_enum():
    assert [code for code, _label in ATTRIBUTION_LEVELS] == SCALE  # the eCRF's choices, in order
    assert list(dictionary.ATTRIBUTIONS) == SCALE  # the ADAE column's allowed values
    assert list(dictionary.RELATED) == SCALE[2:]
    assert list(terms.RELATION) == SCALE  # SDTM AEREL, one term per grade of the scale
    assert terms.RELATION["unrelated"] == "NOT RELATED" and terms.RELATION["definite"] == "RELATED"


_ATTRIBUTION = st.one_of(st.none(), st.sampled_from(list(Attribution)))


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            name: _ATTRIBUTION
            for name in ("oxaliplatin", "leucovorin", "fluorouracil", "bevacizumab", "cetuximab", "haic_procedure")
        }
    )
)
def test_the_strongest_attribution_is_the_highest_on_the_scale(given_attributions):
    strongest = strongest_attribution(Attributions(**given_attributions))
    assessed = [a for a in given_attributions.values() if a is not None]
    if not assessed:
        assert strongest is None  # nothing assessed is not "unrelated"
        return
    assert strongest in assessed
    assert all(SCALE.index(a.value) <= SCALE.index(strongest.value) for a in assessed)


def test_an_event_is_reported_at_its_strongest_attribution():
    attributions = Attributions(oxaliplatin="unlikely", haic_procedure="probable", cetuximab="possible")
    assert strongest_attribution(attributions) == Attribution.probable


def test_the_edc_statuses_are_the_vocabularys():
    assert subject_models.SubjectStatus.values == [s.value for s in SubjectStatus]
    assert set(TRANSITIONS) == set(SubjectStatus)
    assert all(set(targets) <= set(SubjectStatus) for targets in TRANSITIONS.values())
    assert TRANSITIONS[SubjectStatus.off_study] == frozenset()  # end of study is final
