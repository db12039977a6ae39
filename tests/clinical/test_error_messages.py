"""The core's input errors are kept language-neutral (template + params) and render in Simplified Chinese.

Each case triggers a real raise site and compares the English message with the literal text the site wrote
before it had a template (the CLI and API contracts compare it), checks ``template.format(**params)``
(:func:`haictrial.clinical.messages.english` for a nested ``*_parts`` parameter) and renders the error with
:func:`haictrial.i18n.render_error` in zh-Hans: Chinese text, every data parameter shown as given, and no
English word left but the data and the names kept in Chinese clinical text (RECIST 1.1, CTCAE v5.0, units).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, model_validator

from haictrial.catalogue import read_po
from haictrial.clinical import bsa, follow_up, haic_procedure, recist, schedule, surgery
from haictrial.clinical.adverse_events import AdverseEvent
from haictrial.clinical.crf_base import rule_error
from haictrial.clinical.crf_outcome import ImagingAssessmentForm
from haictrial.clinical.crf_treatment import ConcomitantMedication, TargetedAgentAdministration
from haictrial.clinical.ctcae import _in_result, grade_lab_detail
from haictrial.clinical.dose_modification import canonical_term
from haictrial.clinical.limits import within
from haictrial.clinical.messages import N_, english
from haictrial.clinical.patient import Labs
from haictrial.clinical.recist_models import Response
from haictrial.documents import parse_model
from haictrial.errors import DomainError, InputError
from haictrial.i18n import render_error, render_error_line
from haictrial.protocol import load_protocol

PROTOCOL = load_protocol()
AWARE = "2026-03-02T09:30:00+08:00"
BASELINE = dt.date(2026, 1, 5)

#: Words a Chinese message may keep: names used as such in Chinese clinical text (RECIST 1.1, CTCAE v5.0,
#: UTC, the RECIST response codes (RECIST 1.1 section 4.3)) and units (SI brochure).
KEPT = re.compile(r"(?<![A-Za-z])(RECIST|CTCAE|UTC|CR|PR|SD|PD|NE|NON_CR_NON_PD|mg/mL|mg/m2|mg|mm|cm|kg)(?![A-Za-z])")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def _event(**fields: object) -> AdverseEvent:
    data: dict[str, object] = {
        "term": "Diarrhea",
        "grade": 2,
        "onset_date": "2026-03-01",
        "action_taken": "dose_delayed",
        "outcome": "recovering",
    }
    data.update(fields)
    return parse_model(AdverseEvent, data)


class _Height(BaseModel):
    """A model with the plausibility limit of ``height_cm`` (haictrial.clinical.limits.within), as Patient has it."""

    height_cm: Annotated[float, within("height_cm")]


ENTRY = dt.date(2026, 3, 2)


def _timepoints(*days_responses: tuple[int, Response]) -> list[tuple[dt.date, Response]]:
    return [(BASELINE + dt.timedelta(days=d), r) for d, r in days_responses]


LOW_CM, HIGH_CM = bsa.HEIGHT_CM_RANGE
FORMULAS = ", ".join(f.value for f in bsa.BsaFormula)

#: (case, the call that raises, the field, the English message exactly as the site wrote it before templates)
CASES: list[tuple[str, Callable[[], object], str, str]] = [
    # CHALLENGE-A1 AE form; CTCAE v5.0 grade 5 = death related to the AE; ICH E2A (serious, awareness)
    (
        "AE resolution before onset",
        lambda: _event(resolution_date="2026-02-28"),
        "resolution_date",
        "resolution date 2026-02-28 is before onset date 2026-03-01",
    ),
    (
        "AE grade 5 not fatal",
        lambda: _event(grade=5, seriousness=["death"], aware_at=AWARE),
        "outcome",
        "grade 5 (death related to the AE) needs outcome 'fatal'",
    ),
    (
        "AE grade 5 without death",
        lambda: _event(grade=5, outcome="fatal"),
        "seriousness",
        "grade 5 (death related to the AE) needs the seriousness criterion 'death'",
    ),
    (
        "AE fatal not grade 5",
        lambda: _event(grade=4, outcome="fatal", seriousness=["death"], aware_at=AWARE),
        "grade",
        "outcome 'fatal' means death related to the AE: that is grade 5",
    ),
    (
        "AE death not fatal",
        lambda: _event(seriousness=["death"], aware_at=AWARE),
        "outcome",
        "seriousness 'death' needs outcome 'fatal'",
    ),
    (
        "AE serious without awareness",
        lambda: _event(seriousness=["hospitalisation"]),
        "aware_at",
        "a serious event needs aware_at: when the site became aware of it",
    ),
    (
        "AE seriousness twice",
        lambda: _event(seriousness=["hospitalisation", "hospitalisation"], aware_at=AWARE),
        "seriousness",
        "a seriousness criterion is listed twice",
    ),
    (
        "AE time without offset",
        lambda: _event(seriousness=["hospitalisation"], aware_at="2026-03-02T09:30:00"),
        "aware_at",
        "a date-time needs its UTC offset (e.g. 2026-02-01T08:30:00+08:00)",
    ),
    (
        "AE reported before aware",
        lambda: _event(seriousness=["hospitalisation"], aware_at=AWARE, reported_at="2026-03-02T08:30:00+08:00"),
        "reported_at",
        "the report cannot be sent before the site became aware",
    ),
    # Body surface area (Mosteller 1987; DuBois 1916): the plausible height range of haictrial.clinical.limits
    (
        "BSA height missing",
        lambda: bsa.checked_measure(None, "height_cm", bsa.HEIGHT_CM_RANGE, "cm"),
        "height_cm",
        "required for dosing (body surface area), in cm",
    ),
    (
        "BSA height text",
        lambda: bsa.checked_measure("tall", "height_cm", bsa.HEIGHT_CM_RANGE, "cm"),
        "height_cm",
        "must be a number in cm (got 'tall')",
    ),
    (
        "BSA height implausible",
        lambda: bsa.checked_measure(1700, "height_cm", bsa.HEIGHT_CM_RANGE, "cm"),
        "height_cm",
        f"1700 cm is outside {LOW_CM:g}-{HIGH_CM:g} cm; check the value and its unit",
    ),
    (
        "BSA formula",
        lambda: bsa.body_surface_area(170, 70, "boyd"),
        "bsa_formula",
        f"unknown formula 'boyd'; use one of {FORMULAS}",
    ),
    # Surgery (Clavien-Dindo 2004; R0 margin >= 1 mm, the protocol's surgical outcome definitions)
    (
        "margin missing",
        lambda: surgery.margin_status(None, False),
        "margin_mm",
        "required to classify the margin (no macroscopic residual tumour)",
    ),
    ("margin text", lambda: surgery.margin_status("wide", False), "margin_mm", "must be a number of mm (got 'wide')"),
    ("margin negative", lambda: surgery.margin_status(-1, False), "margin_mm", "cannot be negative (got -1)"),
    (
        "death before resection",
        lambda: surgery.ninety_day_mortality(dt.date(2026, 5, 1), dt.date(2026, 4, 30), None),
        "death_date",
        "2026-04-30 is before the resection (2026-05-01)",
    ),
    # Follow-up calendar (protocol section on follow-up visits every N months)
    (
        "months outside calendar",
        lambda: follow_up.add_months(dt.date(9999, 12, 1), 1),
        "months",
        "1 months from 9999-12-01 is outside the calendar",
    ),
    # HAIC procedure: dose deviation (CHALLENGE-A1 eCRF specification)
    (
        "planned dose 0",
        lambda: haic_procedure.dose_deviation_percent(0, 10),
        "planned_dose_mg",
        "must be above 0 mg (got 0)",
    ),
    (
        "given dose negative",
        lambda: haic_procedure.dose_deviation_percent(10, -1.5),
        "given_dose_mg",
        "cannot be negative (got -1.5)",
    ),
    (
        "given dose text",
        lambda: haic_procedure.dose_deviation_percent(10, "x"),
        "given_dose_mg",
        "must be a number of mg (got 'x')",
    ),
    (
        "given dose infinite",
        lambda: haic_procedure.dose_deviation_percent(10, float("inf")),
        "given_dose_mg",
        "must be a finite number of mg (got inf)",
    ),
    # Visit calendar (protocol regimen.cycle_length_days)
    (
        "calendar cycles 0",
        lambda: schedule.visit_calendar(BASELINE, 0, PROTOCOL, None),
        "cycles",
        "must be a whole number >= 1 (got 0)",
    ),
    # RECIST 1.1 (Eisenhauer 2009) Table 4 (overall response) and section 4.4 (best overall response)
    (
        "target response code",
        lambda: recist.overall_response(Response.NON_CR_NON_PD, None, False),
        "target_response",
        "NON_CR_NON_PD is not a target-lesion response (CR, PR, SD, PD, NE)",
    ),
    (
        "non-target response code",
        lambda: recist.overall_response(None, Response.PR, False),
        "non_target_response",
        "PR is not a non-target response (CR, NON_CR_NON_PD, PD, NE)",
    ),
    (
        "no response",
        lambda: recist.overall_response(None, None, False),
        "target_response",
        "a time point needs a target or a non-target response",
    ),
    (
        "time points out of order",
        lambda: recist.best_overall_response(BASELINE, _timepoints((84, Response.SD), (42, Response.SD)), 28, 42),
        "timepoints",
        "time points must be in increasing date order",
    ),
    (
        "negative interval",
        lambda: recist.best_overall_response(BASELINE, _timepoints((42, Response.SD)), -1, 42),
        "confirmation_days",
        "confirmation and minimum SD intervals are days >= 0",
    ),
    # CTCAE v5.0 laboratory grading
    (
        "lab value negative",
        lambda: grade_lab_detail("alt", -1, None, 40),
        "value",
        "a laboratory value cannot be negative",
    ),
    (
        "lab value infinite",
        lambda: grade_lab_detail("alt", float("nan"), None, 40),
        "value",
        "a laboratory value must be a finite number",
    ),
    (
        "creatinine baseline 0",
        lambda: grade_lab_detail("creatinine", 80, None, 100, 0),
        "baseline.creatinine.value",
        "a creatinine baseline of 0 cannot be graded against",
    ),
    # eCRF rules (CHALLENGE-A1 eCRF specification): pydantic rule errors become InputError (parse_model)
    (
        "medication stop before start",
        lambda: parse_model(
            ConcomitantMedication, {"name": "Omeprazole", "start_date": "2026-03-02", "stop_date": "2026-03-01"}
        ),
        "stop_date",
        "is before start_date",
    ),
    (
        "medication stopped and ongoing",
        lambda: parse_model(ConcomitantMedication, {"name": "Omeprazole", "stop_date": "2026-03-01", "ongoing": True}),
        "ongoing",
        "a medication with a stop date is not ongoing",
    ),
    (
        "targeted agent not targeted",
        lambda: parse_model(TargetedAgentAdministration, {"cycle": 1, "day": 1, "drug": "oxaliplatin"}),
        "drug",
        "oxaliplatin is not a targeted agent (bevacizumab, cetuximab)",
    ),
    (
        "imaging reader response without measurements",
        lambda: parse_model(ImagingAssessmentForm, {"after_cycle": 1, "date": "2026-03-01", "reader_response": "SD"}),
        "reader_response",
        "needs the measurements; without them give overall_response",
    ),
    # Plausibility limits at entry (haictrial.clinical.limits: data-management limits, a SITE SETTING)
    (
        "height outside its limit",
        lambda: parse_model(_Height, {"height_cm": 1750}, today=ENTRY),
        "height_cm",
        "outside the plausible range 100-250 cm; check the value and its unit (got 1750)",
    ),
    (
        "lab outside its limit",
        lambda: parse_model(Labs, {"alt": {"value": 50000, "unit": "U/L"}}, today=ENTRY),
        "labs.alt.value",
        "50000 U/L = 50000 U/L is outside the plausible range 1-10000 U/L; check the value and its unit",
    ),
    (
        "dose outside its limit",
        lambda: parse_model(
            TargetedAgentAdministration,
            {"cycle": 1, "day": 1, "drug": "bevacizumab", "given_dose_mg": 90000},
            today=ENTRY,
        ),
        "given_dose_mg",
        "90000 mg of bevacizumab is outside the plausible range 0-2344 mg; check the value and its unit (got 90000.0)",
    ),
    # Dose modification: CTCAE v5.0 terms
    (
        "unknown toxicity term",
        lambda: canonical_term("Sore toe", PROTOCOL),
        "term",
        "'Sore toe' is not a CTCAE v5.0 term haictrial knows; use the CTCAE v5.0 term "
        "(e.g. 'Peripheral sensory neuropathy') or '<system organ class> - Other, specify'",
    ),
]

#: Literal English a Chinese message keeps on purpose: what the user types (a CTCAE v5.0 term, its pattern).
QUOTED_INPUT = re.compile(r"'[^']*'")


def _raised(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def _data_values(exc: DomainError) -> list[str]:
    """The parameters that are data shown as given (floats are formatted by the template's spec, e.g. ``:g``)."""
    return [
        str(v)
        for k, v in exc.params.items()
        if not k.endswith(("_term", "_terms", "_parts")) and isinstance(v, str | int) and v != ""
    ]


@pytest.mark.parametrize(("case", "call", "field", "message"), CASES, ids=[c[0] for c in CASES])
def test_the_english_message_is_unchanged_and_kept_as_template_and_params(case, call, field, message):
    exc = _raised(call)
    assert exc.field == field
    assert exc.message == message
    assert exc.template, f"{case}: English only"
    assert english(exc.template, exc.params) == message


@pytest.mark.parametrize(("case", "call", "field", "message"), CASES, ids=[c[0] for c in CASES])
def test_the_error_renders_in_chinese_with_its_data(case, call, field, message):
    exc = _raised(call)
    with translation.override("zh-hans"):
        zh = render_error(exc)
        line = render_error_line(exc)
    assert zh != message and re.search(r"[\u4e00-\u9fff]", zh), (case, zh)
    assert line == f"{field}: {zh}"
    for value in _data_values(exc):
        assert value in zh, (case, value, zh)
    rest = QUOTED_INPUT.sub("", zh)
    for value in _data_values(exc):
        rest = rest.replace(value, "")
    assert not ENGLISH_WORD.findall(KEPT.sub("", rest)), (case, zh)


def test_in_english_the_error_renders_as_its_message():
    exc = _raised(CASES[0][1])
    with translation.override("en"):
        assert render_error(exc) == exc.message
        assert render_error_line(exc) == str(exc)


def test_an_error_without_template_or_with_broken_params_falls_back_to_english():
    plain = InputError("free text", "x")
    broken = InputError(
        "needs {lesion}", "x", template="lesion {lesion} has a morphology group here but none at baseline"
    )
    with translation.override("zh-hans"):
        assert render_error(plain) == "free text"
        assert render_error(broken) == "needs {lesion}"


def test_a_rule_error_with_the_refused_value_keeps_both_translatable():
    # haictrial.clinical.crf_base.field_error: "(got ...)" appended by parse_model, the rule's sentence nested
    error = rule_error("stop_at", N_("is before start_at"), "2026-03-01")

    class Timed(BaseModel):
        stop_at: str

        @model_validator(mode="after")
        def _rule(self):
            raise error

    exc = _raised(lambda: parse_model(Timed, {"stop_at": "2026-03-01"}))
    assert exc.message == "is before start_at (got '2026-03-01')"
    assert english(exc.template, exc.params) == exc.message
    with translation.override("zh-hans"):
        assert render_error(exc) == "早于开始时间（收到 '2026-03-01'）"


def test_a_nested_error_renders_its_inner_template():
    # CTCAE v5.0 grading of a results[] entry: the position prefix and the inner sentence, both translated
    inner = InputError.of("a laboratory value cannot be negative", "value")
    outer = _in_result(2, inner)
    assert outer.message == "results[2]: a laboratory value cannot be negative"
    assert english(outer.template, outer.params) == outer.message
    with translation.override("zh-hans"):
        assert render_error(outer) == "results[2]：实验室检查值不能为负数"


def test_every_converted_template_is_translated_in_the_catalogue():
    translated = {m.msgid: m.msgstr for m in read_po()[1]}
    for case, call, _field, _message in CASES:
        template = _raised(call).template
        assert translated.get(template, "").strip(), (case, template)


@given(st.one_of(st.integers(min_value=-(10**6), max_value=10**6), st.text(max_size=8)))
def test_a_bad_margin_keeps_its_value_in_both_languages(value):
    """Any margin outside the R0/R1 rule's domain (a negative number, text) names the value as given."""
    if isinstance(value, int) and value >= 0:
        assert surgery.margin_status(value, False) in set(surgery.MarginStatus)
        return
    exc = _raised(lambda: surgery.margin_status(value, False))
    assert english(exc.template, exc.params) == exc.message
    assert repr(value) in exc.message
    with translation.override("zh-hans"):
        assert repr(value) in render_error(exc)
