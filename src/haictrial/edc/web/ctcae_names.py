"""Simplified Chinese display names of the CTCAE v5.0 terms and system organ classes haictrial knows.

The data keep the English CTCAE v5.0 term (clinical codes stay in English in the data, docs/architecture.md);
a page in ``zh-Hans`` shows the Chinese name beside it (:func:`ctcae_name`, the ``ctcae`` template filter of
:mod:`haictrial.edc.web.templatetags.ctcae_names`). The names are a data table of the core
(:mod:`haictrial.clinical.ctcae_names_zh`, re-exported here), not catalogue entries: they translate the
vocabulary of :mod:`haictrial.clinical.ctcae_terms` (every term of ``CTCAE_V5_TERMS``, the
26 ``CTCAE_SYSTEM_ORGAN_CLASSES``, the graded laboratory terms of :class:`haictrial.clinical.ctcae.CtcaeTerm`
and the protocol's grouping terms of :data:`haictrial.clinical.adverse_events.KNOWN_TERMS`), and a term outside
the table is shown in English alone, never guessed.

References
----------
- 常见不良事件评价标准 (CTCAE) 5.0 版, the Chinese translation of NCI CTCAE v5.0 (27 Nov 2017) used in Chinese
  oncology trials: the term names (e.g. "Neutrophil count decreased" 中性粒细胞计数降低, "Nausea" 恶心).
- MedDRA (ICH) Chinese edition: the names of the system organ classes CTCAE v5.0 is organised by
  (e.g. "Gastrointestinal disorders" 胃肠系统疾病).
- CTCAE v5.0, "Other, specify" convention: "<system organ class> - Other, specify" (其他，请注明).
"""

from __future__ import annotations

from haictrial.clinical.ctcae_names_zh import (
    OTHER_SPECIFY_ZH,
    SYSTEM_ORGAN_CLASS_NAMES_ZH,
    TERM_NAMES_ZH,
    chinese_name,
)
from haictrial.i18n import CHINESE, current_language

__all__ = [
    "OTHER_SPECIFY_ZH",
    "SYSTEM_ORGAN_CLASS_NAMES_ZH",
    "TERM_NAMES_ZH",
    "chinese_name",
    "ctcae_name",
    "with_chinese_name",
]


def ctcae_name(term: object) -> str | None:
    """The Chinese name to show beside ``term`` on the current page: in ``zh-Hans`` only, None otherwise."""
    if not isinstance(term, str) or not term or current_language() != CHINESE:
        return None
    return chinese_name(term)


def with_chinese_name(term: object) -> object:
    """``term`` as plain text with its Chinese name beside it in ``zh-Hans`` ("Nausea（恶心）"), else unchanged."""
    name = ctcae_name(term)
    return f"{term}（{name}）" if name else term
