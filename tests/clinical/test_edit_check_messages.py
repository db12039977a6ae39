"""Edit-check messages are stored language-neutral (template + params, haictrial.clinical.messages) and every
template and check message has its zh-Hans translation in the catalogue (GNU gettext PO format)."""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass

import pytest
import test_edit_checks as edit_check_cases
from crf_examples import TODAY, complete_subject, parse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from haictrial.catalogue import read_po
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.crf_models import FormInstance
from haictrial.clinical.edit_check_messages import CANNOT_BE_CHECKED, TEMPLATES, TERMS
from haictrial.clinical.edit_check_rules import (
    CHECK_MESSAGE,
    OUTSIDE_RANGE,
    EditCheck,
    EditCheckContext,
    run_checks,
)
from haictrial.clinical.edit_checks import EDIT_CHECKS, check_by_id
from haictrial.clinical.messages import ReasonPart, english
from haictrial.errors import InputError
from haictrial.i18n import render_parts
from haictrial.protocol import load_protocol


class _Record(BaseModel):
    pass


def translations() -> dict[str, str]:
    _header, messages = read_po()
    return {m.msgid: m.msgstr for m in messages}


def test_every_check_message_and_template_is_translated():
    zh = translations()
    wanted = {c.message for c in EDIT_CHECKS} | set(TEMPLATES)
    missing = sorted(m for m in wanted if not zh.get(m))
    assert not missing, missing


def test_a_range_finding_keeps_its_template_and_params_beside_the_english():
    # RNG-baseline-weight_kg: the dosing limits 25-250 kg (haictrial.clinical.bsa, docs/contracts/plan.md)
    check = check_by_id("RNG-baseline-weight_kg")
    instance = FormInstance(path="baseline", index=None, record=_Record())
    finding = check.finding(
        instance, "demographics.weight_kg", template=OUTSIDE_RANGE, value=300.0, unit="kg", low=25.0, high=250.0
    )
    assert finding.message == "300 kg is outside 25-250 kg: check the weight and its unit (kg, not lb)"
    assert ReasonPart(template=finding.message_template, params=finding.message_params).text == finding.message
    plain = check.finding(instance)
    assert plain.message == check.message and plain.message_template == CHECK_MESSAGE
    assert plain.message_params == {"check_term": check.message}


# --- every rule's finding in Chinese ------------------------------------------------------------------

#: English words a Chinese finding may keep: names and abbreviations used as such in Chinese clinical text
#: (RECIST 1.1, MDT, HAIC, FLR, CT/MRI, the RECIST response codes, gene symbols (HGNC), Clavien-Dindo), units.
KEPT = re.compile(
    r"(?<![A-Za-z])(RECIST|MDT|HAIC|FLR|CT|MRI|Adams|R0|CR|PR|SD|PD|NE|KRAS|NRAS|BRAF|Clavien-Dindo|mg|umol/L|g/L)(?![A-Za-z])"
)
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def _chinese(finding) -> str:
    with translation.override("zh-hans"):
        return render_parts([{"template": finding.message_template, "params": finding.message_params}], "")


def _data_values(params: dict) -> list[str]:
    """The parameters that are data (dates, numbers, codes shown as stored), as they must appear."""
    return [
        str(value)
        for name, value in params.items()
        if not name.endswith(("_term", "_terms", "_parts")) and isinstance(value, str | int) and value != ""
    ]


def _broken_findings():
    cases = list(edit_check_cases.CASES)
    for case, mutate, check_id, path, _severity in cases:
        document = complete_subject()
        mutate(document)
        result = edit_check_cases.findings(document)
        yield case, check_id, next(f for f in result if f.check_id == check_id and f.path == path)
    document = complete_subject()
    document["imaging"][0] |= {"reader_response": "SD"}  # RECIST 1.1 Table 1: the measurements give PR
    reader = [f for f in edit_check_cases.findings(document) if f.check_id == "XF-reader-response"]
    yield "reader SD, engine PR", "XF-reader-response", reader[0]


BROKEN = list(_broken_findings())


@pytest.mark.parametrize(("case", "check_id", "finding"), BROKEN, ids=[c[0] for c in BROKEN])
def test_each_rules_finding_renders_in_chinese_with_its_parameters(case, check_id, finding):
    """Every broken-rule case of tests/clinical/test_edit_checks.py (CHALLENGE-A1 eCRF specification, RECIST 1.1,
    Adams et al. 2013, ICH E2A) gives a finding stored as template + params that renders in zh-Hans."""
    assert finding.message_template, f"{check_id}: English only"
    assert english(finding.message_template, finding.message_params) == finding.message
    zh = _chinese(finding)
    assert zh and zh != finding.message and re.search(r"[\u4e00-\u9fff]", zh), (check_id, zh)
    for value in _data_values(finding.message_params):
        assert value in zh, (check_id, value, zh)
    assert not ENGLISH_WORD.findall(KEPT.sub("", zh)), (check_id, zh)


def test_a_nested_reason_renders_in_chinese_part_by_part():
    # XF-targeted-choice: the protocol's rule (NCT06988852 arm; left-sided RAS/BRAF wild type -> cetuximab)
    finding = next(f for case, _c, f in BROKEN if case == "bevacizumab for a left-sided wild type")
    parts = finding.message_params["reason_parts"]
    assert isinstance(parts, list) and parts and all("template" in p for p in parts)
    zh = _chinese(finding)
    assert "贝伐珠单抗" in zh and "西妥昔单抗" in zh and "左半" in zh, zh


def test_a_check_that_cannot_read_its_data_says_so_in_chinese():
    @dataclass(frozen=True, kw_only=True)
    class Broken(EditCheck):
        def evaluate(self, context: EditCheckContext) -> list:
            raise InputError("planned dose is not a number", "infusions[0].planned_dose_mg")

    context = EditCheckContext(forms=parse(complete_subject()), protocol=load_protocol(), today=TODAY, zone=dt.UTC)
    (finding,) = run_checks([Broken(id="T-1", form=FormName.haic_cycle, field="infusions", message="x")], context)
    assert finding.message == "cannot be checked: planned dose is not a number"
    assert finding.message_template == CANNOT_BE_CHECKED
    assert _chinese(finding) == "无法核查：planned dose is not a number"  # the error's own words are data


def test_every_template_and_term_of_the_findings_is_in_the_catalogue():
    zh = translations()
    wanted = set(TEMPLATES) | set(TERMS.values())
    missing = sorted(m for m in wanted if not zh.get(m))
    assert not missing, missing


def test_a_recist_input_error_inside_a_finding_is_translated_with_its_lesion():
    # XF-recist: RECIST 1.1 section 4.3 (every target lesion measured at each follow-up)
    finding = next(f for case, _c, f in BROKEN if case == "target not measured")
    assert finding.message == (
        "no measurement for target lesion T2 (use null if it was not evaluated) (RECIST 1.1): "
        "imaging inconsistent with the baseline lesions"
    )
    assert _chinese(finding).startswith("靶病灶 T2 没有测量值")


def _fields(template: str) -> list[tuple[str, str]]:
    return [(name, spec) for _lit, name, spec, _conv in string.Formatter().parse(template) if name]


@st.composite
def _filled(draw, template: str) -> dict:
    words = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=8)
    params: dict = {}
    for name, spec in _fields(template):
        if name == "check_term":
            params[name] = draw(st.sampled_from(sorted({c.message for c in EDIT_CHECKS})))
        elif name.endswith("_terms"):
            params[name] = ", ".join(draw(st.lists(st.sampled_from(sorted(TERMS.values())), min_size=1, max_size=3)))
        elif name.endswith("_term"):
            params[name] = draw(st.sampled_from(sorted(TERMS.values())))
        elif name.endswith("_parts"):
            params[name] = [{"template": "{detail}", "params": {"detail": draw(words)}}]
        elif spec:
            params[name] = draw(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).map(lambda x: round(x, 1)))
        else:
            params[name] = draw(words)
    return params


@pytest.mark.parametrize("template", TEMPLATES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_data_parameter_reads_the_same_in_both_languages(template, data):
    """Invariant of the language-neutral messages (haictrial.clinical.messages): the Chinese sentence renders for
    any parameter values, and each data parameter appears in it exactly as formatted in the English."""
    params = data.draw(_filled(template))
    text = english(template, params)
    with translation.override("zh-hans"):
        zh = render_parts([{"template": template, "params": params}], "<fallback>")
    assert zh != "<fallback>"
    for name, spec in _fields(template):
        if not name.endswith(("_term", "_terms", "_parts")):
            shown = format(params[name], spec)
            assert shown in text and shown in zh, (name, shown, zh)
