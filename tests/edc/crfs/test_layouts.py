"""The eCRF layouts state the dose-deviation threshold the edit check applies: the label of a dose's deviation
reason is built from the protocol's ``settings.dose_deviation_reason_percent`` (CHALLENGE-A1: 10 %; HOPA,
J Oncol Pract 2018, doi:10.1200/JOP.2017.025411), the same setting
:func:`haictrial.clinical.haic_procedure.needs_deviation_reason` is given, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from haictrial.clinical.crf_base import FormName
from haictrial.clinical.haic_procedure import dose_deviation_reason_percent, needs_deviation_reason
from haictrial.edc.crfs import layouts
from haictrial.edc.crfs.layouts import Field, Rows, layout_for
from haictrial.edc.trial import protocol
from haictrial.protocol.schema import Protocol


def _fields(items: tuple[Field | Rows, ...]) -> Iterator[Field]:
    for item in items:
        if isinstance(item, Rows):
            yield from _fields(item.fields)
        else:
            yield item


def deviation_labels(form: FormName) -> list[str]:
    """The rendered labels of every ``deviation_reason`` input of ``form``."""
    return [
        str(f.label)
        for section in layout_for(form).sections
        for f in _fields(section.items)
        if f.path == "deviation_reason"
    ]


def with_threshold(percent: float) -> Protocol:
    """The protocol in force with another ``dose_deviation_reason_percent`` (a site may set it)."""
    proto = protocol()
    setting = proto.settings.dose_deviation_reason_percent.model_copy(update={"value": percent})
    return proto.model_copy(
        update={"settings": proto.settings.model_copy(update={"dose_deviation_reason_percent": setting})}
    )


def test_it_labels_every_dose_deviation_reason_with_the_protocol_threshold():
    assert dose_deviation_reason_percent(protocol()) == 10  # challenge_a1.yaml settings.dose_deviation_reason_percent
    with translation.override("en"):
        assert deviation_labels(FormName.haic_cycle) == ["Reason for a deviation over 10 %"]
        assert deviation_labels(FormName.targeted_agent) == ["Reason for a deviation over 10 %"]


def test_it_translates_the_label_with_the_threshold():
    with translation.override("zh-hans"):
        assert deviation_labels(FormName.haic_cycle) == ["偏差超过10%的原因"]


def test_a_site_threshold_changes_the_label_and_the_rule_together(monkeypatch):
    proto = with_threshold(15)
    monkeypatch.setattr(layouts, "protocol", lambda: proto)
    with translation.override("en"):
        assert deviation_labels(FormName.targeted_agent) == ["Reason for a deviation over 15 %"]
    threshold = dose_deviation_reason_percent(proto)
    assert not needs_deviation_reason(100.0, 114.0, threshold)  # 14 % off: within the label's 15 %
    assert needs_deviation_reason(100.0, 116.0, threshold)  # 16 % off: the label asks for a reason


@given(st.integers(min_value=1, max_value=50) | st.sampled_from([2.5, 7.5, 12.5]))
def test_the_label_states_the_threshold_the_rule_applies(percent):
    proto = with_threshold(float(percent))
    with pytest.MonkeyPatch.context() as patch, translation.override("en"):
        patch.setattr(layouts, "protocol", lambda: proto)
        (label,) = deviation_labels(FormName.haic_cycle)
    stated = float(label.removeprefix("Reason for a deviation over ").removesuffix(" %"))
    assert stated == dose_deviation_reason_percent(proto)
