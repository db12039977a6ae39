"""One date format per language on every page: ISO 8601 (``2026-10-25``, ``2026-10-25 14:30``) in English
and in Simplified Chinese, never "Oct. 25, 2026", "2026年10月25日" or "2026/10/25".

Every page of the demo cohort (synthetic patients) is rendered for two roles in both languages and its
visible text is searched for month names and the other date shapes; the values of ``<input type="date">``
must be ``yyyy-mm-dd`` (else the browser shows the input empty).

References
----------
- ISO 8601-1:2019, 5.2.2 (calendar date, extended format) and 5.4.2 (date and time of day).
- HTML Living Standard, 4.10.5.1.7 "Date state (type=date)": the value is a valid date string.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from .test_zh_pages import _client, demo, pages_for, visible_text  # noqa: F401 - demo is a fixture

MONTHS = (
    "January|February|March|April|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
#: A date written with an English month name ("Oct. 25, 2026", "25 October 2026", "May 3, 2026").
ENGLISH_DATE = re.compile(
    rf"\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}\b|(?<![-\d])\d{{1,2}}\s+(?:{MONTHS}|May)\b|May\s+\d{{1,2}},)"
)
#: The other shapes: Chinese year-month-day, slashes, a.m./p.m. times.
OTHER_DATE = re.compile(
    r"\d{1,4}\s*年\s*\d{1,2}\s*月|\d{1,2}\s*月\s*\d{1,2}\s*日|\b\d{1,4}/\d{1,2}/\d{1,4}\b|\b[ap]\.m\."
)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
DATE_INPUT = re.compile(r'<input type="date"[^>]*?value="([^"]*)"')

ROLES = ["demo-investigator", "demo-monitor"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "2026-10-25 2026-10-25 2026-10-25 11:04"), ("zh-hans", "2026-10-25 2026-10-25 2026-10-25 11:04")],
)
def test_it_writes_dates_and_times_in_iso_8601_in_both_languages(settings, language, expected):
    settings.TIME_ZONE = "Asia/Shanghai"
    template = Template("{{ d }} {{ d|date }} {{ t }}")
    moment = dt.datetime(2026, 10, 25, 3, 4, tzinfo=dt.UTC)
    with translation.override(language):
        assert template.render(Context({"d": dt.date(2026, 10, 25), "t": moment})) == expected


def test_the_patterns_catch_the_formats_the_issue_names():
    assert ENGLISH_DATE.search("Oct. 25, 2026") and ENGLISH_DATE.search("May 3, 2026")
    assert ENGLISH_DATE.search("25 October 2026")
    assert OTHER_DATE.search("2026年10月25日") and OTHER_DATE.search("2026/10/25") and OTHER_DATE.search("3 p.m.")
    assert not ENGLISH_DATE.search("2026-10-25: it may be given on day 3") and not OTHER_DATE.search("2026-10-25 14:30")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("username", ROLES)
def test_every_page_shows_dates_in_one_format(demo, username, language):  # noqa: F811
    client = _client(username)
    client.cookies["django_language"] = language
    found: dict[str, list[str]] = {}
    iso_pages = date_inputs = 0
    with translation.override(language):
        for url in pages_for(username):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            assert f'lang="{language}"' in html, url
            text = visible_text(html)
            bad = ENGLISH_DATE.findall(text) + OTHER_DATE.findall(text)
            for value in DATE_INPUT.findall(html):
                date_inputs += 1
                if value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    bad.append(f'<input type="date" value="{value}">')
            if bad:
                found[url] = bad
            iso_pages += bool(ISO_DATE.search(text))
    assert not found, f"dates not in ISO 8601 ({language}): {found}"
    assert iso_pages > 5 and date_inputs > 0
