"""Edit-check messages are stored language-neutral (template + params, haictrial.clinical.messages) and every
template and check message has its zh-Hans translation in the catalogue (GNU gettext PO format)."""

from __future__ import annotations

from pydantic import BaseModel

from haictrial.catalogue import read_po
from haictrial.clinical.crf_models import FormInstance
from haictrial.clinical.edit_check_rules import (
    AFTER_DEATH,
    AFTER_TODAY,
    BEFORE_ENROLMENT,
    CHECK_MESSAGE,
    IMPLAUSIBLE,
    OUTSIDE_RANGE,
)
from haictrial.clinical.edit_checks import EDIT_CHECKS, check_by_id
from haictrial.clinical.messages import ReasonPart


class _Record(BaseModel):
    pass


def translations() -> dict[str, str]:
    _header, messages = read_po()
    return {m.msgid: m.msgstr for m in messages}


def test_every_check_message_and_template_is_translated():
    zh = translations()
    wanted = {c.message for c in EDIT_CHECKS} | {
        CHECK_MESSAGE,
        OUTSIDE_RANGE,
        IMPLAUSIBLE,
        AFTER_TODAY,
        BEFORE_ENROLMENT,
        AFTER_DEATH,
    }
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
