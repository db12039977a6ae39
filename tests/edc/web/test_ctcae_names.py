"""The Chinese display names of the CTCAE v5.0 vocabulary (haictrial.edc.web.ctcae_names).

References: NCI CTCAE v5.0 (27 Nov 2017) and its Chinese translation 常见不良事件评价标准 5.0 版; MedDRA Chinese
edition for the system organ classes; CTCAE v5.0 "<SOC> - Other, specify" convention.
"""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from haictrial.clinical.adverse_events import KNOWN_TERMS
from haictrial.clinical.ctcae import CtcaeTerm
from haictrial.clinical.ctcae_terms import CTCAE_SYSTEM_ORGAN_CLASSES, CTCAE_V5_TERMS
from haictrial.edc.web.ctcae_names import (
    SYSTEM_ORGAN_CLASS_NAMES_ZH,
    TERM_NAMES_ZH,
    chinese_name,
    ctcae_name,
    with_chinese_name,
)

HAN = range(0x4E00, 0x9FFF + 1)


def has_han(text: str) -> bool:
    return any(ord(c) in HAN for c in text)


def test_it_names_every_term_and_class_of_the_vocabulary():
    vocabulary = {*CTCAE_V5_TERMS, *CTCAE_SYSTEM_ORGAN_CLASSES, *(t.value for t in CtcaeTerm)}
    vocabulary |= {k.term for k in KNOWN_TERMS} | {k.soc for k in KNOWN_TERMS}
    missing = sorted(t for t in vocabulary if chinese_name(t) is None)
    assert not missing, missing
    assert all(has_han(chinese_name(t) or "") for t in vocabulary)


def test_it_has_no_name_for_a_term_the_vocabulary_lacks():
    # A table entry outside the vocabulary would be a typo of a term (never shown) or an invented term.
    vocabulary = {*CTCAE_V5_TERMS, *(k.term for k in KNOWN_TERMS)}
    assert set(TERM_NAMES_ZH) <= vocabulary
    assert set(SYSTEM_ORGAN_CLASS_NAMES_ZH) == set(CTCAE_SYSTEM_ORGAN_CLASSES)
    assert len(SYSTEM_ORGAN_CLASS_NAMES_ZH) == 26  # CTCAE v5.0 is organised by the 26 MedDRA SOCs


@pytest.mark.parametrize(
    ("term", "name"),
    [
        ("Neutrophil count decreased", "中性粒细胞计数降低"),  # CTCAE v5.0 Investigations
        ("Nausea", "恶心"),  # CTCAE v5.0 Gastrointestinal disorders
        ("Peripheral sensory neuropathy", "周围感觉神经病变"),  # CTCAE v5.0 Nervous system disorders
        ("Platelet count decreased", "血小板计数降低"),
        ("Gastrointestinal disorders", "胃肠系统疾病"),  # MedDRA SOC
        ("  nausea ", "恶心"),  # case and spaces folded as clinical.ctcae_terms.term_key
    ],
)
def test_it_gives_the_standard_chinese_name(term, name):
    assert chinese_name(term) == name


def test_other_specify_takes_the_class_name_and_keeps_the_verbatim():
    assert chinese_name("Vascular disorders - Other, specify") == "血管与淋巴管类疾病 - 其他，请注明"
    assert chinese_name("Vascular disorders - Other, specify: Hepatic artery injury") == (
        "血管与淋巴管类疾病 - 其他，请注明：Hepatic artery injury"
    )
    assert chinese_name("Not a class - Other, specify") is None
    assert chinese_name("Hepatic artery injury") is None  # not a CTCAE term: shown in English alone


def test_the_name_shows_in_chinese_only():
    with translation.override("en"):
        assert ctcae_name("Nausea") is None
        assert with_chinese_name("Nausea") == "Nausea"
    with translation.override("zh-hans"):
        assert ctcae_name("Nausea") == "恶心"
        assert with_chinese_name("Nausea") == "Nausea（恶心）"
        assert ctcae_name(None) is None and ctcae_name(3) is None


def test_the_filter_keeps_the_english_term_and_escapes():
    template = Template("{% load ctcae_names %}{{ term|ctcae }}|{{ term|ctcae_zh }}")
    with translation.override("zh-hans"):
        out = template.render(Context({"term": "Nausea"}))
        assert out == 'Nausea <span class="ctcae-zh" lang="zh-Hans">恶心</span>|恶心'
        assert template.render(Context({"term": "<b>x</b>"})) == "&lt;b&gt;x&lt;/b&gt;|"
        assert template.render(Context({"term": None})) == "|"
    with translation.override("en"):
        assert template.render(Context({"term": "Nausea"})) == "Nausea|"


@given(st.sampled_from(sorted({*CTCAE_V5_TERMS, *CTCAE_SYSTEM_ORGAN_CLASSES})), st.booleans())
def test_case_does_not_change_the_name(term, upper):
    assert chinese_name(term.upper() if upper else term.lower()) == chinese_name(term)
