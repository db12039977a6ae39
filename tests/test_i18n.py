"""English and Simplified Chinese (zh-Hans) of the CLI tables and the analysis report (docs/architecture.md, Conventions).

The real command runs in a subprocess with a clean locale environment: ``HAICTRIAL_LANG`` (or ``LANG``)
chooses the language of the labels, never the numbers; ``--format json`` is the same document in
every language; an unsupported ``HAICTRIAL_LANG`` is one line on standard error and exit code 2.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from haictrial import i18n
from haictrial.errors import InputError
from haictrial.protocol import default_protocol_path
from haictrial.reports.i18n import figure_font_family

EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
LOCALE_VARIABLES = ("HAICTRIAL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def haictrial(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command through ``cli.main()``, with only the given locale variables set, 200 columns wide."""
    environ = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    environ.update(COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
        cwd=cwd,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def numbers(text: str) -> Counter[str]:
    """Every number in a text, as written: the translations change the words around them, never them."""
    return Counter(re.findall(r"\d+(?:\.\d+)?", text))


@pytest.fixture
def no_django_language():
    """No Django language active in this thread, so the process language decides (as on the CLI)."""
    translation.deactivate()
    yield
    translation.deactivate()


# --- choosing the language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "language"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("en_US.UTF-8", "en"),
        ("zh-Hans", "zh-Hans"),
        ("zh_Hans", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh_CN.UTF-8", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
    ],
)
def test_it_reads_the_languages_it_ships(value, language):
    assert i18n.parse_language(value) == language


@pytest.mark.parametrize("value", ["xx", "fr", "zh-TW", "zh-Hant", "english", "C"])
def test_it_rejects_a_language_it_does_not_ship_naming_the_variable(value):
    with pytest.raises(InputError) as raised:
        i18n.parse_language(value)
    assert raised.value.field == "HAICTRIAL_LANG"
    assert "use en or zh-Hans" in raised.value.message


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-Hans"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh-Hans"),  # LC_ALL overrides LANG (POSIX)
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "HAICTRIAL_LANG": "en"}, "en"),  # the explicit choice wins
        ({"LANG": "en_US.UTF-8", "HAICTRIAL_LANG": "zh-Hans"}, "zh-Hans"),
        ({"LANG": "zh_CN.UTF-8", "HAICTRIAL_LANG": ""}, "zh-Hans"),  # empty: as if unset
    ],
)
def test_it_takes_the_cli_language_from_the_environment(environ, language):
    assert i18n.cli_language(environ) == language


def test_it_translates_with_the_process_language_outside_django(monkeypatch, no_django_language):
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    assert i18n.current_language() == "zh-Hans"
    assert i18n.gettext("Objective response rate (confirmed CR + PR)") == "客观缓解率（经确认的 CR + PR）"
    assert i18n.gettext("a string nobody translated") == "a string nobody translated"
    monkeypatch.setenv("HAICTRIAL_LANG", "en")
    assert i18n.gettext("Objective response rate (confirmed CR + PR)") == "Objective response rate (confirmed CR + PR)"


def test_it_falls_back_to_english_for_an_invalid_value_in_library_use(monkeypatch, no_django_language):
    """Only the CLI reports a bad HAICTRIAL_LANG (exit 2); importing or calling the library never fails."""
    monkeypatch.setenv("HAICTRIAL_LANG", "xx")
    assert i18n.current_language() == "en"
    assert i18n.gettext("Disease control rate (CR + PR + SD)") == "Disease control rate (CR + PR + SD)"


def test_it_follows_the_language_django_activated_for_the_user(monkeypatch):
    """The web app: the user's language, whatever the process environment; Django reads LOCALE_PATHS."""
    monkeypatch.setenv("HAICTRIAL_LANG", "en")
    with translation.override("zh-hans"):
        assert i18n.current_language() == "zh-Hans"
        assert i18n.gettext("Conversion to resection and response") == "转化切除与疗效"
        assert i18n.gettext("Progression-free survival") == "无进展生存期"
        # the pages' own catalogue is still read (the project catalogue comes after it)
        assert translation.gettext("Your role does not allow this action.") == "您的角色不允许此操作。"
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    with translation.override("en"):
        assert i18n.current_language() == "en"
        assert i18n.gettext("Conversion to resection and response") == "Conversion to resection and response"


# --- the CLI ------------------------------------------------------------------------------------


def test_it_screens_in_chinese_with_the_same_numbers():
    english = ok(haictrial("screen", str(EXAMPLE), HAICTRIAL_LANG="en"))
    chinese = ok(haictrial("screen", str(EXAMPLE), HAICTRIAL_LANG="zh-Hans"))
    assert "Verdict: eligible (all 16 criteria pass)" in english
    assert "结论：合格 （16 项标准全部通过）" in chinese
    assert "Child-Pugh：A 级，5 分" in chinese
    for label in ("编号", "类型", "状态", "原因", "入选", "排除", "通过"):
        assert label in chinese
    assert "Verdict" not in chinese and "inclusion" not in chinese
    # the engine's reasons are translated from their templates (tests/test_reason_rendering.py)
    assert "CRLM confirmed by pathology" in english and "结直肠癌肝转移（CRLM）经病理证实" in chinese
    assert numbers(chinese) == numbers(english)


def test_it_takes_chinese_from_lang_when_haictrial_lang_is_unset():
    chinese = ok(haictrial("screen", str(EXAMPLE), LANG="zh_CN.UTF-8"))
    assert "结论：合格" in chinese


def test_it_plans_a_cycle_in_chinese_with_the_same_numbers():
    english = ok(haictrial("plan", str(EXAMPLE), HAICTRIAL_LANG="en"))
    chinese = ok(haictrial("plan", str(EXAMPLE), HAICTRIAL_LANG="zh-Hans"))
    assert "Administrations" in english and "hepatic arterial" in english
    for label in ("给药", "药物", "剂量", "处方剂量", "给药途径", "泵速", "靶向药物", "周期", "经肝动脉", "静脉"):
        assert label in chinese
    for code in ("oxaliplatin", "fluorouracil", "cetuximab", "mg/m2"):  # drug names and units stay
        assert code in chinese
    assert numbers(chinese) == numbers(english)


def test_it_gives_a_confidence_interval_in_chinese_with_the_same_numbers():
    english = ok(haictrial("ci", "binomial", "5", "20", "--p0", "0.1", HAICTRIAL_LANG="en"))
    chinese = ok(haictrial("ci", "binomial", "5", "20", "--p0", "0.1", HAICTRIAL_LANG="zh-Hans"))
    assert "estimate" in english
    for label in ("估计值", "下限", "上限", "置信区间", "单侧精确 p 值"):
        assert label in chinese
    assert "0.2500" in chinese and "0.0866" in chinese and "0.4910" in chinese
    assert numbers(chinese) == numbers(english)


@pytest.mark.parametrize(
    "args",
    [
        ("screen", str(EXAMPLE)),
        ("plan", str(EXAMPLE)),
        ("ci", "binomial", "5", "20", "--p0", "0.1"),
        ("design", "simon", "--p0", "0.2", "--p1", "0.4", "--alpha", "0.05", "--power", "0.8", "--nmax", "45"),
    ],
    ids=["screen", "plan", "ci", "simon"],
)
def test_it_never_translates_json(args):
    """JSON keys and values are the contract's, in every language."""
    english = ok(haictrial(*args, "--format", "json", HAICTRIAL_LANG="en"))
    chinese = ok(haictrial(*args, "--format", "json", HAICTRIAL_LANG="zh-Hans"))
    json.loads(english)
    assert chinese == english


@pytest.mark.parametrize("value", ["xx", "zh-TW"])
def test_it_rejects_an_unsupported_language_with_one_line_and_exit_2(value):
    done = haictrial("ci", "binomial", "5", "20", HAICTRIAL_LANG=value)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"error: HAICTRIAL_LANG: unsupported language {value!r} (use en or zh-Hans)\n"


# --- the report ---------------------------------------------------------------------------------


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _leaves(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _leaves(item, f"{path}[{i}]").items()}
    return {path: value}


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple[Path, str, str]]:
    """A small synthetic cohort reported in both languages (no PDF), each into ``<lang>/report``:
    the directory, standard output (``--format json``) and standard error."""
    root = tmp_path_factory.mktemp("i18n-report")
    ok(haictrial("synth", "--subjects", "60", "--seed", "1", "--out", str(root / "synth")))
    out = {}
    for language in ("en", "zh-Hans"):
        cwd = root / language
        cwd.mkdir()
        args = ("report", "--from-synth", str(root / "synth"), "--out", "report", "--no-pdf", "--format", "json")
        done = haictrial(*args, cwd=cwd, HAICTRIAL_LANG=language)
        out[language] = (cwd / "report", ok(done), done.stderr)
    return out


def test_it_writes_the_report_in_chinese(reports):
    directory, _summary, stderr = reports["zh-Hans"]
    html = (directory / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html
    headings = re.findall(r"<h2>([^<]*)</h2>", html)
    assert headings[:3] == ["患者流程（CONSORT）", "入组进度", "基线特征"]
    for heading in ("转化切除与疗效", "安全性", "生存", "转化与未转化比较：界标分析", "预设因素的 Cox 模型"):
        assert heading in headings
    assert "主要终点，转化切除率（R0 切除数 / 入组数）" in html
    assert "CHALLENGE-A1 分析报告" in html
    for caption in ("图 1. CONSORT 流程图。", "图 6. 自入组起的总生存期"):
        assert caption in html
    english = (reports["en"][0] / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "<h2>Patient flow (CONSORT)</h2>" in english
    safety = (directory / "tables" / "safety_summary.csv").read_text(encoding="utf-8")
    assert safety.startswith("指标,患者（n = ")
    if len(figure_font_family()) > 1:  # a CJK font is installed (scripts/system-deps: fonts-noto-cjk)
        assert "missing from font" not in stderr  # matplotlib drew every Chinese glyph of the figures


def test_it_reports_the_same_numbers_and_json_in_both_languages(reports):
    (en_dir, en_summary, _e), (zh_dir, zh_summary, _z) = reports["en"], reports["zh-Hans"]
    en_doc, zh_doc = json.loads(en_summary), json.loads(zh_summary)
    del en_doc["timings_s"], zh_doc["timings_s"]
    assert zh_doc == en_doc  # the CLI's JSON: same keys, same values
    en_results = _leaves(json.loads((en_dir / "results.json").read_text(encoding="utf-8")))
    zh_results = _leaves(json.loads((zh_dir / "results.json").read_text(encoding="utf-8")))
    assert zh_results.keys() == en_results.keys()
    for path, value in en_results.items():
        if not isinstance(value, str) and not path.endswith("generated_at"):
            assert zh_results[path] == value, path
