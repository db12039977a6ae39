"""The committed zh-Hans catalogue of the CLI and the report: complete, consistent, compiled.

A new ``_("...")`` in commands/, reports/ or protocol/ fails here until ``scripts/extract-messages`` has
added it and someone has translated it; an edited ``.po`` fails until ``scripts/compile-messages`` has
rewritten the ``.mo``.

References
----------
GNU gettext manual, "The Format of PO Files" and "The Format of GNU MO Files".
"""

from __future__ import annotations

import gettext
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial import catalogue
from haictrial.catalogue import Message, compile_mo, extract, format_po, parse_po, problems, read_po
from haictrial.i18n import LOCALE_DIR

WEB_CATALOGUES = [
    LOCALE_DIR.parent / "edc" / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo" for app in ("web", "crfs")
]


def test_every_message_is_translated_and_fit_to_run():
    _header, messages = read_po()
    assert len(messages) > 300
    assert problems(messages) == []


def test_the_catalogue_holds_every_string_of_the_sources():
    extraction = extract()
    assert extraction.undeclared == [], "a _() of a variable: declare its values in haictrial.catalogue.DYNAMIC"
    _header, messages = read_po()
    in_catalogue = {m.msgid for m in messages}
    assert set(extraction.messages) - in_catalogue == set(), "run scripts/extract-messages and translate"
    assert in_catalogue - set(extraction.messages) == set(), "obsolete msgids: run scripts/extract-messages"


def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    target = catalogue.compile_po(catalogue.PO_FILE, tmp_path / "django.mo")
    assert target.read_bytes() == catalogue.MO_FILE.read_bytes(), "run scripts/compile-messages"


def test_python_gettext_reads_the_compiled_catalogue():
    _header, messages = read_po()
    with catalogue.MO_FILE.open("rb") as handle:
        read = gettext.GNUTranslations(handle)
    assert read.info()["content-type"] == "text/plain; charset=UTF-8"
    for m in messages:
        assert read.gettext(m.msgid) == m.msgstr


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (Debian package gettext) not installed")
def test_gnu_msgfmt_agrees(tmp_path):
    """Cross-check against GNU msgfmt, with its python-brace-format check."""
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "gnu.mo"), str(catalogue.PO_FILE)], check=True)
    with (tmp_path / "gnu.mo").open("rb") as gnu, catalogue.MO_FILE.open("rb") as ours:
        assert gettext.GNUTranslations(gnu)._catalog == gettext.GNUTranslations(ours)._catalog


def test_shared_msgids_read_as_the_pages_read_them():
    """Django reads this catalogue through LOCALE_PATHS, before the apps' own: a msgid both have must agree,
    or the pages would change wording."""
    _header, messages = read_po()
    for path in WEB_CATALOGUES:
        with path.open("rb") as handle:
            pages = gettext.GNUTranslations(handle)._catalog
        for m in messages:
            if m.msgid in pages:
                assert m.msgstr == pages[m.msgid], f"{path.parts[-5]}: {m.msgid!r}"


@pytest.mark.parametrize(
    ("msgid", "msgstr", "problem"),
    [
        ("Enrolled (n = {n})", "", "not translated"),
        ("Enrolled (n = {n})", "已入组（n = {count}）", "placeholders differ"),
        ("{x}/{n}: {level:g} % {method} interval", "{x}/{n}：{level} {method}", "placeholders differ"),
        ("  failed criterion {id}", "未通过标准 {id}", "leading/trailing spaces"),
        ("Figure 1.", "图 1.\n", "line breaks"),
    ],
)
def test_it_finds_translations_that_would_break_at_run_time(msgid, msgstr, problem):
    message = Message(msgid, msgstr, flags=["python-brace-format"] if "{" in msgid else [])
    (found,) = problems([message])
    assert problem in found


def test_it_keeps_translations_and_drops_obsolete_messages_on_merge():
    existing = [Message("Screened", "已筛选", comments=["CONSORT box"]), Message("Gone", "已删除")]
    extracted = {"Screened": Message("Screened", references=["reports/consort.py:1"]), "New": Message("New")}
    merged, obsolete = catalogue.merge(existing, extracted)
    assert [(m.msgid, m.msgstr, m.comments) for m in merged] == [
        ("Screened", "已筛选", ["CONSORT box"]),
        ("New", "", []),
    ]
    assert obsolete == ["Gone"]


texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00") | st.sampled_from('\n\t"\\')
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts.filter(bool), texts), min_size=1, max_size=5, unique_by=lambda t: t[0]))
def test_po_files_read_back_what_was_written(pairs):
    messages = [Message(msgid, msgstr, references=["reports/x.py:1"]) for msgid, msgstr in pairs]
    header, read = parse_po(format_po(messages))
    assert header == catalogue.HEADER
    assert [(m.msgid, m.msgstr) for m in read] == pairs


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(texts.filter(bool), texts.filter(bool), min_size=1, max_size=8))
def test_mo_files_read_back_by_python_gettext(pairs):
    data = compile_mo([Message(k, v) for k, v in pairs.items()])
    import io

    read = gettext.GNUTranslations(io.BytesIO(data))
    for msgid, msgstr in pairs.items():
        assert read.gettext(msgid) == msgstr
