"""XF-reader-response: the reader's time-point response beside the measurements agrees with the engine's.

References
----------
RECIST 1.1, Eisenhauer EA et al., Eur J Cancer 2009;45:228-47, section 4.3 and Table 1. The complete subject
(crf_examples.py) goes from 48 + 31 = 79 mm to 30 + 20 = 50 mm (-36.7 %: at least 30 % smaller), non-target
present, no new lesion: PR.
"""

from __future__ import annotations

import pytest
from crf_examples import TODAY, complete_subject, parse

from haictrial.clinical.edit_checks import run_edit_checks
from haictrial.clinical.recist_models import Response
from haictrial.protocol import load_protocol


def _findings(reader: str | None, **imaging: object) -> list:
    document = complete_subject()
    document["imaging"][0] |= {"reader_response": reader, **imaging}
    found = run_edit_checks(parse(document), load_protocol(), today=TODAY)
    return [f for f in found if f.check_id == "XF-reader-response"]


@pytest.mark.parametrize("reader", [r.value for r in Response if r != Response.PR])
def test_a_reader_response_other_than_the_engines_pr_raises_a_finding_on_its_field(reader):
    [finding] = _findings(reader)
    assert finding.field == "reader_response" and finding.path.endswith(".reader_response")
    assert f"reader's response {reader}" in finding.message and "time-point response PR" in finding.message


@pytest.mark.parametrize("reader", ["PR", None])
def test_an_agreeing_or_absent_reader_response_raises_none(reader):
    assert _findings(reader) == []


def test_when_the_measurements_say_pd_the_reader_pr_is_queried():
    # 79 mm -> 95 mm: +20 % and +16 mm over the nadir (the baseline): progression (RECIST 1.1 4.3.1).
    [finding] = _findings("PR", target_mm={"T1": 55, "T2": 40})
    assert "time-point response PD" in finding.message
