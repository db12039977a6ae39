"""Every page, for every role, in Simplified Chinese: no untranslated message and no raw code on screen.

The demo cohort (``haictrial demo``, synthetic patients) fills the database; each role's user opens every
page of the web app with the language set to ``zh-Hans``. Two checks run on each page:

* every gettext call made while the page renders (``{% translate %}``, ``gettext``, lazy labels) is recorded
  by wrapping Django's translation catalogue; a message whose Chinese output equals its English input is
  an untranslated msgid (GNU gettext manual, "The Format of PO Files": an empty msgstr means untranslated);
* the visible text (HTML without tags, scripts and attribute values) must not show a code as the user's
  words: a snake_case enum value (``on_treatment``, ``hepatic_arterial``, ``continue_conversion``) or a
  dotted field path (``labs.inr``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from haictrial.clinical.crf_base import FormName
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.demo import load_demo
from haictrial.edc.prescreening.models import PrescreenRun, RunStatus
from haictrial.edc.subjects.models import Screening, Subject

#: Roles of the demo users (haictrial.edc.demo.USERS), one user each.
ROLES = ["demo-investigator", "demo-coordinator", "demo-monitor", "demo-statistician", "demo-admin"]
#: A code on screen: lower-case words joined by "_" or a dotted field path such as labs.inr.
RAW_CODE = re.compile(r"(?<![\w./:-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+\.[a-z_]+[a-z])(?![\w/-])")
#: A file name (define.xml, results.json): the name of a file a package holds, not a code.
FILE_NAME = re.compile(r"\.(xml|json|csv|html|zip|xpt|pdf|ics|parquet)$")
#: Text that is data or a name, not a message: the product's name and the engine's version, units.
NOT_MESSAGES = re.compile(r"^[\s\d\W]*$|^(CHALLENGE-A1|haictrial|NCT\d+)")


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attribute values, <script>, <style> or <code> content."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "datalist"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "datalist") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def untranslated(monkeypatch) -> Iterator[set[str]]:
    """The msgids that the Chinese catalogue returned unchanged while the pages rendered."""
    seen: set[str] = set()
    original = trans_real.DjangoTranslation.gettext

    def gettext(self, message: str) -> str:
        result = original(self, message)
        # pgettext asks for "context\x04message" and gets it back when untranslated.
        if (
            self.language() == "zh-hans"
            and result == message
            and message not in self._catalog
            and not NOT_MESSAGES.match(message)
        ):
            seen.add(message.replace("\x04", " | "))
        return result

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", gettext)
    yield seen


def _prescreen_run() -> None:
    """One pre-screening worklist of the demo coordinator's site, from the synthetic extract of
    tests/edc/test_prescreening_page.py (eligible, unknown and failing patients)."""
    from django.contrib.auth import get_user_model

    from haictrial.edc.prescreening import services

    from .test_prescreening_page import _parquet

    coordinator = get_user_model().objects.get(username="demo-coordinator")
    site = coordinator.sites.order_by("code").first()
    run = services.start_run(coordinator, site.code, upload=SimpleUploadedFile("extract.parquet", _parquet()))
    assert run.status == RunStatus.done, run.error


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with (
        override_settings(TASKS=immediate, DATA_DIR=tmp_path_factory.mktemp("zh-pages-data")),
        django_db_blocker.unblock(),
    ):
        summary = load_demo(subjects=4, seed=3)
        _prescreen_run()
        yield summary
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def pages_for(username: str) -> list[str]:
    """Every page the user can open: lists, one screening, every subject page, every form and record."""
    urls = [
        reverse("web:dashboard"),
        reverse("web:account"),
        reverse("web:screening_log"),
        reverse("web:screening_new"),
        reverse("web:subjects"),
        reverse("web:reports"),
        reverse("crfs:data_management"),
        reverse("operations:sae_desk"),
        reverse("operations:deviations"),
        reverse("operations:status_grid"),
        reverse("operations:worklist"),
        reverse("operations:missing_data"),
        reverse("operations:forms_index"),
        reverse("exports:page"),
        reverse("prescreening:page"),
    ]
    for run in PrescreenRun.objects.order_by("pk")[:1]:
        urls.append(reverse("prescreening:run", args=[run.pk]))
    for screening in Screening.objects.order_by("pk")[:3]:
        urls.append(reverse("web:screening", args=[screening.pk]))
    for subject in Subject.objects.order_by("subject_id")[:2]:
        sid = subject.subject_id
        urls += [
            reverse("web:subject", args=[sid]),
            reverse("web:subject_plan", args=[sid]),
            reverse("crfs:casebook", args=[sid]),
        ]
        urls += [reverse("crfs:new", args=[sid, form.value]) for form in FormName]
        for record in FormRecord.objects.filter(subject=subject).order_by("pk"):
            urls.append(reverse("crfs:record", args=[sid, record.form, record.pk]))
    return urls


def _client(username: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.cookies["django_language"] = "zh-hans"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_it_shows_every_page_of_every_role_in_chinese(demo, username, untranslated):
    client = _client(username)
    raw: dict[str, set[str]] = {}
    opened = 0
    with translation.override("zh-hans"):
        for url in pages_for(username):
            response = client.get(url, headers={"accept-language": "zh-Hans"})
            assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            opened += 1
            html = response.content.decode()
            assert 'lang="zh-hans"' in html, url
            text = visible_text(html)
            codes = {code for code in RAW_CODE.findall(text) if not FILE_NAME.search(code)}
            if codes:
                raw[url] = codes
    assert opened > 10
    assert not sorted(untranslated), f"untranslated msgids ({len(untranslated)}): {sorted(untranslated)}"
    assert not raw, f"raw codes on screen: {raw}"


def test_the_raw_code_pattern_catches_the_codes_the_issue_names():
    text = visible_text("<p>on_treatment hepatic_arterial</p><p>continue_conversion</p><td>labs.inr</td>")
    assert set(RAW_CODE.findall(text)) == {"on_treatment", "hepatic_arterial", "continue_conversion", "labs.inr"}
    assert not RAW_CODE.findall(visible_text('<a href="/a_b/">治疗中</a><code>labs.inr</code> 2026-01-01'))


@pytest.mark.django_db
def test_the_ae_forms_system_organ_classes_are_in_chinese_beside_the_stored_english(demo):
    """The SOC drop-down of the adverse-event eCRF: the MedDRA Chinese name of each CTCAE v5.0 system organ class
    in zh-Hans, the English class (the stored value) beside it; English alone in English."""
    subject = Subject.objects.order_by("subject_id").first()
    url = reverse("crfs:new", args=[subject.subject_id, FormName.adverse_events.value])
    client = _client("demo-investigator")
    with translation.override("zh-hans"):
        page = client.get(url, headers={"accept-language": "zh-Hans"}).content.decode()
    assert '<option value="Gastrointestinal disorders"' in page
    assert "胃肠系统疾病（Gastrointestinal disorders）" in page
    assert "血液及淋巴系统疾病（Blood and lymphatic system disorders）" in page
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert ">Gastrointestinal disorders<" in english and "胃肠系统疾病" not in english
