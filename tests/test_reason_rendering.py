"""Screening reasons in the user's language (haictrial.i18n.render_reason), and the ``haictrial screen``
command in English and Simplified Chinese: the stored JSON stays English and language-neutral
(docs/contracts/screen.md), the table shows the reasons translated with the same numbers (NCT06988852
I1-I8, E1-E8)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from django.utils import translation

from haictrial import i18n
from haictrial.clinical.eligibility import screen
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.i18n import render_reason
from haictrial.protocol import default_protocol_path, load_protocol

EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
LOCALE_VARIABLES = ("HAICTRIAL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def no_django_language():
    translation.deactivate()
    yield
    translation.deactivate()


def criteria(changes: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes or {})
    doc = screen(parse_model(Patient, data), load_protocol()).as_contract()
    return {c["id"]: c for c in doc["criteria"]}


INELIGIBLE = {
    "ecog": 3,
    "lvef_percent": 40,
    "unable_to_tolerate": ["chemotherapy", "surgery"],
    "allergies": ["oxaliplatin"],
    "medical_history": [{"condition": "cerebral_infarction", "date": "2026-08-01"}],
}


def test_english_renders_the_stored_reason(monkeypatch, no_django_language):
    monkeypatch.setenv("HAICTRIAL_LANG", "en")
    for c in {**criteria(), **criteria(INELIGIBLE)}.values():
        assert render_reason(c) == c["reason"]


@pytest.mark.parametrize(
    ("changes", "criterion_id", "chinese"),
    [
        (None, "I1", "年龄 65 岁（18-75）"),
        (INELIGIBLE, "I6", "LVEF 40%，低于 45%；ECOG 3，高于 1"),
        ({"ecog": None}, "I6", "ECOG 未报告"),
        ({"liver_lesions": None}, "I5", "liver_lesions 未报告"),  # field paths are not translated
        (INELIGIBLE, "E2", "不能耐受：化疗、手术"),
        (INELIGIBLE, "E3", "过敏或不耐受：oxaliplatin"),  # drug names are not translated
        (INELIGIBLE, "E5", "脑梗死，2026-08-01，在 6 个月内（2026-05-20 及之后）"),
        (None, "E5", "无需排除的既往病史：消化道出血，2025-12-10，距筛选已超过 6 个月"),
    ],
)
def test_chinese_renders_the_translated_template_with_the_same_values(
    monkeypatch, no_django_language, changes, criterion_id, chinese
):
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    assert render_reason(criteria(changes)[criterion_id]) == chinese


def test_a_lab_failure_keeps_its_numbers_and_units(monkeypatch, no_django_language):
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    labs = json.loads(EXAMPLE.read_text(encoding="utf-8"))["labs"]
    labs["platelets"] = {"value": 62, "unit": "10^9/L"}
    i8 = criteria({"labs": labs})["I8"]
    assert i8["reason"] == "platelets 62 x10^9/L below 75 x10^9/L"
    assert render_reason(i8) == "血小板 62 x10^9/L，低于 75 x10^9/L"


def test_an_old_stored_criterion_without_templates_renders_its_english_reason(monkeypatch, no_django_language):
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    old = {"id": "I1", "kind": "inclusion", "status": "pass", "reason": "age 65 years (18-75)", "missing": []}
    assert render_reason(old) == "age 65 years (18-75)"


def test_a_missing_placeholder_falls_back_to_the_english_reason(monkeypatch, no_django_language):
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    c = criteria()["I1"]
    broken = dict(c, reason_parts=[{"template": c["reason_parts"][0]["template"], "params": {"age": 65}}])
    assert render_reason(broken) == c["reason"]
    only_template = {k: v for k, v in c.items() if k != "reason_parts"}
    assert render_reason(only_template) == "年龄 65 岁（18-75）"  # reason_template/params suffice for one part


def test_the_django_language_wins_inside_the_web_app(monkeypatch):
    monkeypatch.setenv("HAICTRIAL_LANG", "en")
    with translation.override("zh-hans"):
        assert i18n.current_language() == "zh-Hans"
        assert render_reason(criteria()["I4"]) == "结直肠癌肝转移（CRLM）经病理证实"


# --- the command ------------------------------------------------------------------------------


def haictrial(*args: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    environ.update(COLUMNS="250", **env)
    done = subprocess.run(
        [sys.executable, "-m", "haictrial.cli", *args], capture_output=True, text=True, timeout=120, env=environ
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_json_output_is_the_same_in_both_languages():
    english = json.loads(haictrial("screen", str(EXAMPLE), "--format", "json", HAICTRIAL_LANG="en"))
    chinese = json.loads(haictrial("screen", str(EXAMPLE), "--format", "json", HAICTRIAL_LANG="zh-Hans"))
    assert english == chinese
    assert english["criteria"][0]["reason"] == "age 65 years (18-75)"
    for c in english["criteria"]:
        assert {"reason_template", "reason_params", "reason_parts"} <= set(c)
        assert c["reason"] == c["reason_template"].format(**c["reason_params"])


def test_the_chinese_table_shows_chinese_reasons_with_the_same_numbers():
    english = haictrial("screen", str(EXAMPLE), HAICTRIAL_LANG="en")
    chinese = haictrial("screen", str(EXAMPLE), HAICTRIAL_LANG="zh-Hans")
    assert "age 65 years (18-75)" in english and "年龄 65 岁（18-75）" in chinese
    assert "age 65 years" not in chinese
    assert "无需排除的既往病史：消化道出血，2025-12-10" in chinese
    assert "CRLM confirmed by pathology" in english and "结直肠癌肝转移（CRLM）经病理证实" in chinese

    def numbers(text: str) -> Counter[str]:
        return Counter(re.findall(r"\d+(?:\.\d+)?", text))

    assert numbers(chinese) == numbers(english)
