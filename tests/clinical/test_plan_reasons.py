"""The planning engine's reasons in the reader's language: the targeted agent's (NCT06988852 arm,
docs/contracts/plan.md "Rules") and each dose modification's and delay's (protocol
``settings.dose_modification``, CTCAE v5.0 terms and grades).

The English reasons stay byte-identical (docs/contracts/plan.md): the JSON is compared with golden files
written by the engine before the reasons had parts (``tests/data/plan_golden``), in both languages.
Each reason carries ``*_parts`` ({template, params}) with ``reason == join(parts)``; the plan table,
the order sheet and the web plan page render them in Chinese with the same numbers, CTCAE terms,
drug names and units.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.ctcae_terms import CTCAE_V5_TERMS
from haictrial.clinical.dose_modification import ToxicityHistory, plan_modifications
from haictrial.clinical.dosing import plan_cycle
from haictrial.clinical.messages import ReasonPart, join
from haictrial.clinical.patient import Patient
from haictrial.clinical.regimen import choose_targeted_agent
from haictrial.edc.web.views.subjects import plan_reasons
from haictrial.i18n import render_parts
from haictrial.protocol import default_protocol_path, load_protocol
from haictrial.reports.order_sheet import order_sheet_html
from haictrial.vocabulary.enums import Drug, MutationStatus, PrimarySite

EXAMPLE = default_protocol_path().parent / "examples" / "patient.example.json"
DATA = Path(__file__).parent.parent / "data"
GOLDEN = DATA / "plan_golden"
VARIANT = DATA / "protocols" / "variant.yaml"
LOCALE_VARIABLES = ("HAICTRIAL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

CASES = {
    "example": [],
    "neutropenia_g3": ["--cycle", "2", "--toxicity", str(DATA / "toxicity" / "neutropenia_g3.json")],
    "neuropathy_g2": ["--cycle", "2", "--toxicity", str(DATA / "toxicity" / "neuropathy_g2.json")],
}


@pytest.fixture
def no_django_language():
    translation.deactivate()
    yield
    translation.deactivate()


def run_plan(language: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    env["HAICTRIAL_LANG"] = language
    env["COLUMNS"] = "400"
    return subprocess.run(
        [sys.executable, "-m", "haictrial.cli", "plan", str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )


def without_parts(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc.pop("targeted_agent_reason_parts")
    if doc["delay"]:
        doc["delay"].pop("reason_parts")
    for change in doc["modifications"]:
        change.pop("reason_parts")
    return doc


def example(**changes) -> Patient:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    return Patient.model_validate(data)


def history(*cycles: list[tuple[str, int]]) -> ToxicityHistory:
    return ToxicityHistory.model_validate(
        {
            "cycles": [
                {"cycle": i, "toxicities": [{"term": t, "grade": g} for t, g in tox]}
                for i, tox in enumerate(cycles, start=1)
            ]
        }
    )


def joined(parts: list[dict]) -> str:
    return join([ReasonPart.model_validate(p) for p in parts])


# --- the JSON stays what it was -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_json_is_the_committed_output_plus_the_parts(case, language):
    doc = json.loads(run_plan(language, *CASES[case], "--format", "json").stdout)
    golden = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    assert without_parts(doc) == golden
    assert list(without_parts(doc)) == list(golden)  # same keys, same order; the parts come last
    assert joined(doc["targeted_agent_reason_parts"]) == doc["targeted_agent_reason"]
    for change in doc["modifications"]:
        assert joined(change["reason_parts"]) == change["reason"]
    if doc["delay"]:
        assert joined(doc["delay"]["reason_parts"]) == doc["delay"]["reason"]


# --- reason == join(parts) ------------------------------------------------------------------------

STATUSES = [None, MutationStatus.wild_type, MutationStatus.mutant, MutationStatus.unknown]


@pytest.mark.parametrize("protocol_file", [None, VARIANT])
@pytest.mark.parametrize("side", ["left", "right"])
def test_every_agent_reason_is_its_parts_joined(protocol_file, side):
    """The agent truth table: every site (and none), every KRAS/NRAS/BRAF status, both splenic settings."""
    protocol = load_protocol(protocol_file)
    setting = protocol.settings.splenic_flexure_side.model_copy(update={"value": side})
    protocol = protocol.model_copy(
        update={"settings": protocol.settings.model_copy(update={"splenic_flexure_side": setting})}
    )
    for site in [None, *PrimarySite]:
        for kras, nras, braf in itertools.product(STATUSES, repeat=3):
            molecular = {"kras": kras, "nras": nras, "braf": braf}
            patient = example(primary_tumor={"site": site}, molecular=molecular)
            choice = choose_targeted_agent(patient, protocol)
            assert choice.reason_parts
            assert join(choice.reason_parts) == choice.reason


def test_the_agent_reasons_are_the_contract_sentences():
    """docs/contracts/plan.md example, and a missing test naming its field."""
    assert choose_targeted_agent(example(), load_protocol()).reason == (
        "left-sided primary (sigmoid colon); KRAS, NRAS, BRAF wild type"
    )
    missing = choose_targeted_agent(
        example(molecular={"kras": "wild_type", "nras": None, "braf": "unknown"}), load_protocol()
    )
    assert missing.agent is None
    assert missing.reason == (
        "left-sided primary (sigmoid colon); KRAS wild type; NRAS, BRAF not tested or unknown: cetuximab needs "
        "KRAS, NRAS, BRAF wild type; missing test: NRAS, BRAF (molecular.nras, molecular.braf)"
    )
    assert join(missing.reason_parts) == missing.reason


RULE_TERMS = [
    "Neutrophil count decreased",
    "Peripheral sensory neuropathy",
    "Diarrhea",
    "Platelet count decreased",
    "Hypertension",
    "Epistaxis",
    "Colonic perforation",
    "Fatigue",
]
toxicity = st.tuples(st.sampled_from(RULE_TERMS + list(CTCAE_V5_TERMS[:40])), st.integers(1, 4))
cycle_toxicities = st.lists(toxicity, max_size=4, unique_by=lambda t: t[0])


@settings(max_examples=150, deadline=None)
@given(
    cycles=st.lists(cycle_toxicities, min_size=1, max_size=5),
    agent=st.sampled_from([Drug.bevacizumab, Drug.cetuximab]),
    data=st.data(),
)
def test_every_modification_reason_is_its_parts_joined(cycles, agent, data):
    protocol = load_protocol()
    cycle = data.draw(st.integers(2, len(cycles) + 1))
    drugs = [Drug.oxaliplatin, Drug.leucovorin, Drug.fluorouracil, agent]
    plan = plan_modifications(history(*cycles), cycle, protocol, drugs)
    for change in plan.changes:
        assert change.reason_parts
        assert join(change.reason_parts) == change.reason
    if plan.delay is not None:
        assert join(plan.delay.reason_parts) == plan.delay.reason


def test_several_toxicities_for_one_reduction_are_listed_in_parts():
    """Two reducing toxicities in one cycle: one level down, and the second named as 'also'."""
    protocol = load_protocol()
    drugs = [Drug.oxaliplatin, Drug.leucovorin, Drug.fluorouracil, Drug.cetuximab]
    plan = plan_modifications(
        history([("Neutrophil count decreased", 3), ("Platelet count decreased", 3), ("Diarrhea", 3)]),
        2,
        protocol,
        drugs,
    )
    reductions = [c for c in plan.changes if c.action.value == "reduce" and "; also " in c.reason]
    assert reductions
    for change in reductions:
        assert len(change.reason_parts) >= 2
        assert join(change.reason_parts) == change.reason
        assert change.reason.endswith(f"(one level per cycle) (rule {change.rule})")
    assert len(plan.delay.causes) >= 2 if plan.delay else True
    if plan.delay:
        assert join(plan.delay.reason_parts) == plan.delay.reason


# --- rendered in Chinese --------------------------------------------------------------------------


def test_the_chinese_plan_table_shows_the_translated_reasons_with_the_same_numbers():
    out = run_plan("zh-Hans", *CASES["neutropenia_g3"]).stdout
    assert "左半结直肠原发（乙状结肠）；KRAS, NRAS, BRAF 野生型" in out
    assert "第 1 周期 Neutrophil count decreased 3 级：oxaliplatin 减至剂量水平 1（100 mg/m2）" in out
    assert "推迟至恢复到 ≤1 级（最多 21 天）：第 1 周期 Neutrophil count decreased 3 级" in out
    assert "left-sided primary" not in out and "reduced to level" not in out


def test_the_english_plan_table_is_unchanged():
    out = run_plan("en", *CASES["neutropenia_g3"]).stdout
    assert "left-sided primary (sigmoid colon); KRAS, NRAS, BRAF wild type" in out
    assert "Neutrophil count decreased grade 3 in cycle 1: oxaliplatin reduced to level 1 (100 mg/m2)" in out


def test_the_chinese_order_sheet_shows_the_translated_reasons(monkeypatch, no_django_language):
    tox = ToxicityHistory.model_validate_json((DATA / "toxicity" / "neuropathy_g2.json").read_text(encoding="utf-8"))
    plan = plan_cycle(example(), load_protocol(), cycle=2, toxicity_history=tox)
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    html = order_sheet_html(plan)
    assert "左半结直肠原发（乙状结肠）" in html
    assert "第 1 周期 Peripheral sensory neuropathy 2 级：oxaliplatin 减至剂量水平 1" in html
    monkeypatch.setenv("HAICTRIAL_LANG", "en")
    english = order_sheet_html(plan)
    assert "left-sided primary (sigmoid colon)" in english
    assert "Peripheral sensory neuropathy grade 2 in cycle 1: oxaliplatin reduced to level 1" in english


def test_the_web_page_rows_are_translated_and_fall_back_to_the_stored_english(no_django_language):
    tox = ToxicityHistory.model_validate_json((DATA / "toxicity" / "neutropenia_g3.json").read_text(encoding="utf-8"))
    doc = plan_cycle(example(), load_protocol(), cycle=2, toxicity_history=tox).as_contract()
    with translation.override("zh-hans"):
        rows = plan_reasons(doc)
        old = plan_reasons(without_parts(doc))  # a plan stored before the reasons had parts
    assert rows["targeted_agent"] == "左半结直肠原发（乙状结肠）；KRAS, NRAS, BRAF 野生型"
    assert rows["delay"].startswith("推迟至恢复到 ≤1 级")
    assert all("Neutrophil count decreased 3 级" in r for r in rows["modifications"])
    assert old["targeted_agent"] == doc["targeted_agent_reason"]
    assert old["delay"] == doc["delay"]["reason"]
    assert old["modifications"] == [c["reason"] for c in doc["modifications"]]
    with translation.override("en"):
        assert plan_reasons(doc)["modifications"] == [c["reason"] for c in doc["modifications"]]
    assert plan_reasons(None) == {"targeted_agent": "", "delay": "", "modifications": []}


def test_render_parts_falls_back_to_english_on_a_broken_template(monkeypatch, no_django_language):
    monkeypatch.setenv("HAICTRIAL_LANG", "zh-Hans")
    assert render_parts([{"template": "{genes} mutant", "params": {}}], "KRAS mutant") == "KRAS mutant"
    assert render_parts([], "stored") == "stored"
    assert render_parts([ReasonPart(template="{genes} mutant", params={"genes": "KRAS"})], "x") == "KRAS 突变型"
