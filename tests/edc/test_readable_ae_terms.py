"""The adverse-event term is chosen from the CTCAE v5.0 vocabulary with its system organ class (SOC): a
type-ahead ``<datalist>`` (no script), the SOC derived from the term, "Other, specify" with a chosen SOC and a
verbatim; anything else is refused on its field, in the user's language.

References
----------
Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI, 27 Nov 2017: Nausea is a Gastrointestinal
disorders term; an event without a term is "<SOC> - Other, specify" with the verbatim (here the protocol's
hepatic artery injury, under Vascular disorders).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from haictrial.clinical.ctcae_soc import (
    TERMS_BY_ORGAN_SYSTEM,
    TermEntryError,
    entry_terms,
    organ_system,
    resolve_entered_term,
)
from haictrial.clinical.ctcae_terms import CTCAE_SYSTEM_ORGAN_CLASSES, CTCAE_V5_TERMS
from haictrial.edc.crfs.models import FormRecord

from .crfs.conftest import course, payloads, subject_id  # noqa: F401 - fixtures
from .crfs.test_pages import post_data

URL = "/subjects/{}/forms/adverse_events/new/"
ERRORS = {
    "en": {
        "other_needs_soc": "&#x27;Other, specify&#x27; needs its system organ class",
        "needs_verbatim": "&#x27;Other, specify&#x27; needs the verbatim term",
        "not_a_term": "tummy ache is not a CTCAE v5.0 term",
        "wrong_soc": "Nausea belongs to Gastrointestinal disorders in CTCAE v5.0",
    },
    "zh-hans": {
        "other_needs_soc": "“Other, specify”需要选择其系统器官分类",
        "needs_verbatim": "“Other, specify”需要填写原始描述",
        "not_a_term": "tummy ache 不是 CTCAE v5.0 术语",
        "wrong_soc": "Nausea 在 CTCAE v5.0 中属于 Gastrointestinal disorders",
    },
}


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _data(course_doc, **changes: str) -> dict[str, str]:
    data = post_data("adverse_events", payloads(course_doc, "adverse_events")[0])
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_every_known_ctcae_term_has_its_soc_and_the_type_ahead_offers_them_all():
    mapped = [t for terms in TERMS_BY_ORGAN_SYSTEM.values() for t in terms]
    assert sorted(mapped) == sorted(CTCAE_V5_TERMS) and len(mapped) == len(set(mapped))
    offered = entry_terms()
    assert set(CTCAE_V5_TERMS) <= set(offered) and "Other, specify" in offered
    assert {f"{soc} - Other, specify" for soc in CTCAE_SYSTEM_ORGAN_CLASSES} <= set(offered)


@given(st.sampled_from(CTCAE_V5_TERMS), st.booleans())
def test_a_ctcae_term_resolves_to_itself_and_its_soc_whatever_its_case(term, upper):
    typed = term.upper() if upper else term.lower()
    assert resolve_entered_term(typed, None, None) == (term, organ_system(term))
    assert resolve_entered_term(typed, organ_system(term), None) == (term, organ_system(term))


@given(st.sampled_from(CTCAE_SYSTEM_ORGAN_CLASSES))
def test_other_specify_takes_the_chosen_soc(soc):
    assert resolve_entered_term("other, specify", soc, "words") == (f"{soc} - Other, specify", soc)
    with pytest.raises(TermEntryError) as error:
        resolve_entered_term("Other, specify", soc, " ")
    assert error.value.field == "verbatim"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_offers_the_vocabulary_as_a_datalist_and_the_soc_as_a_choice(users, subject_id, language):  # noqa: F811
    html = _client(users["carol"], language).get(URL.format(subject_id)).content.decode()
    assert 'list="list-term"' in html and '<datalist id="list-term">' in html
    datalist = html[html.index('<datalist id="list-term">') : html.index("</datalist>")]
    for term in ("Nausea", "Hiccups", "Other, specify", "Vascular disorders - Other, specify"):
        assert re.search(f'<option value="{re.escape(term)}"[ >]', datalist), term
    soc_select = re.search(r'<select name="system_organ_class".*?</select>', html, re.S)
    assert soc_select is not None and soc_select.group(0).count("<option") == len(CTCAE_SYSTEM_ORGAN_CLASSES) + 1
    assert "<script>" not in html  # CSP: self-only scripts, none inline
    label = "系统器官分类（CTCAE v5.0）" if language == "zh-hans" else "System organ class (CTCAE v5.0)"
    assert label in html


@pytest.mark.django_db
def test_a_ctcae_term_is_stored_canonical_with_its_soc_shown(users, subject_id, course):  # noqa: F811
    client = _client(users["carol"], "en")
    response = client.post(URL.format(subject_id), _data(course, term="nausea"))
    assert response.status_code == 302, response.content.decode()[:2000]
    record = FormRecord.objects.get(form="adverse_events")
    assert record.payload["term"] == "Nausea" and record.payload.get("system_organ_class") is None
    assert record.derived["soc"] == "Gastrointestinal disorders"
    assert "Gastrointestinal disorders" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_other_specify_stores_the_soc_term_and_the_verbatim(users, subject_id, course):  # noqa: F811
    data = _data(
        course, term="Other, specify", system_organ_class="Vascular disorders", verbatim="Hepatic artery injury"
    )
    response = _client(users["carol"], "en").post(URL.format(subject_id), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    payload = FormRecord.objects.get(form="adverse_events").payload
    assert payload["term"] == "Vascular disorders - Other, specify"
    assert payload["system_organ_class"] == "Vascular disorders" and payload["verbatim"] == "Hepatic artery injury"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("reason", "changes", "field"),
    [
        ("other_needs_soc", {"term": "Other, specify", "verbatim": "odd"}, "system_organ_class"),
        ("needs_verbatim", {"term": "Other, specify", "system_organ_class": "Vascular disorders"}, "verbatim"),
        ("not_a_term", {"term": "tummy ache"}, "term"),
        ("wrong_soc", {"term": "Nausea", "system_organ_class": "Cardiac disorders"}, "system_organ_class"),
    ],
)
def test_an_entry_outside_the_vocabulary_is_refused_on_its_field(
    users,
    subject_id,  # noqa: F811
    course,  # noqa: F811
    language,
    reason,
    changes,
    field,
):
    data = _data(course, **changes)
    if reason != "needs_verbatim" and "verbatim" not in changes:
        data.pop("verbatim", None)
    response = _client(users["carol"], language).post(URL.format(subject_id), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not FormRecord.objects.filter(form="adverse_events").exists()
    assert 'id="error-summary"' in html and f'href="#id_{field}"' in html
    block = html[html.index(f'data-path="{field}"') :]
    block = block[: block.index("</div>")]
    assert ERRORS[language][reason] in block, block
