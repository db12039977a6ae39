"""RECIST 1.1 engine, case by case from the guideline.

Every case cites Eisenhauer EA et al., Eur J Cancer 2009;45:228-47 (doi:10.1016/j.ejca.2008.10.026):
section 3.1.1 (measurability), 4.2 (target selection, sum of diameters), 4.3.1 (target response),
4.3.2 (non-target response), 4.3.4 (new lesions), Table 1 / Table 2 (time-point response),
4.4.3 + Table 3 + 4.6.1 (best overall response with confirmation), and docs/contracts/recist.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.recist import (
    NonTargetState,
    RecistInput,
    Response,
    best_overall_response,
    evaluate_recist,
    non_target_response,
    overall_response,
    target_response,
)
from haictrial.documents import parse_model
from haictrial.errors import InputError

CR, PR, SD, PD, NE, NN = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE, Response.NON_CR_NON_PD
BASELINE = dt.date(2026, 1, 5)
CONFIRM, MIN_SD = 28, 42  # CHALLENGE-A1 settings recist_confirmation_days / recist_min_sd_days


def day(n: int) -> dt.date:
    return BASELINE + dt.timedelta(days=n)


def document(
    sizes: list[dict[str, float | None]],
    *,
    nodes: tuple[str, ...] = (),
    non_target: list[dict[str, str]] | None = None,
    new: list[bool] | None = None,
    days: list[int] | None = None,
) -> dict[str, Any]:
    """An input document: ``sizes[0]`` is the baseline; all targets in distinct organs unless nodes."""
    ids = list(sizes[0])
    days = days or [0] + [56 * i for i in range(1, len(sizes))]
    doc: dict[str, Any] = {
        "subject_id": "CHA-001-0001",
        "target_lesions": [
            {"id": i, "organ": f"organ-{i}", **({"lymph_node": True} if i in nodes else {})} for i in ids
        ],
        "non_target_lesions": [{"id": n, "organ": "liver"} for n in (non_target[0] if non_target else {})],
        "assessments": [],
    }
    for k, size in enumerate(sizes):
        assessment: dict[str, Any] = {"date": day(days[k]).isoformat(), "target_mm": size, "new_lesions": False}
        if non_target:
            assessment["non_target"] = non_target[k]
        if new and k:
            assessment["new_lesions"] = new[k]
        doc["assessments"].append(assessment)
    return doc


def evaluate(doc: dict[str, Any], confirmation_days: int = CONFIRM, min_sd_days: int = MIN_SD) -> dict[str, Any]:
    return evaluate_recist(parse_model(RecistInput, doc), confirmation_days, min_sd_days).as_contract()


# --------------------------------------------------------------------------- Table 1 and Table 2

TABLE_1 = [
    # (target, non-target, new lesions) -> overall; RECIST 1.1 Table 1, row by row.
    (CR, CR, False, CR),
    (CR, NN, False, PR),
    (CR, NE, False, PR),
    (PR, NN, False, PR),
    (PR, CR, False, PR),
    (PR, NE, False, PR),
    (SD, NN, False, SD),
    (SD, CR, False, SD),
    (SD, NE, False, SD),
    (NE, NN, False, NE),
    (NE, CR, False, NE),
    (NE, NE, False, NE),
    (PD, CR, False, PD),
    (PD, NN, False, PD),
    (PD, NE, False, PD),
    (CR, PD, False, PD),
    (PR, PD, False, PD),
    (SD, PD, False, PD),
    (NE, PD, False, PD),
    (CR, CR, True, PD),
    (PR, NN, True, PD),
    (SD, NE, True, PD),
    # No non-target lesions at baseline: the target response decides (Table 1, non-target "CR").
    (CR, None, False, CR),
    (PR, None, False, PR),
    (SD, None, False, SD),
    (NE, None, False, NE),
    (PD, None, False, PD),
    (CR, None, True, PD),
]


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TABLE_1)
def test_it_applies_recist_table_1(target, non_target, new, expected):
    assert overall_response(target, non_target, new) == expected


TABLE_2 = [
    # Non-target disease only: RECIST 1.1 Table 2.
    (CR, False, CR),
    (NN, False, NN),
    (NE, False, NE),
    (PD, False, PD),
    (PD, True, PD),
    (CR, True, PD),
    (NN, True, PD),
    (NE, True, PD),
]


@pytest.mark.parametrize(("non_target", "new", "expected"), TABLE_2)
def test_it_applies_recist_table_2_for_non_target_disease_only(non_target, new, expected):
    assert overall_response(None, non_target, new) == expected


@pytest.mark.parametrize(("target", "non_target"), [(NN, CR), (CR, PR), (CR, SD), (None, None)])
def test_it_rejects_responses_outside_tables_1_and_2(target, non_target):
    with pytest.raises(InputError):
        overall_response(target, non_target, False)


# --------------------------------------------------------------------------- section 4.3.1: target lesions

TARGET_CASES = [
    # (sizes, lymph-node flags, baseline sum, nadir, expected, why)
    ([0, 0], [False, False], 60, 60, CR, "4.3.1 CR: disappearance of all target lesions"),
    ([0, 9], [False, True], 40, 40, CR, "4.3.1 CR: node < 10 mm short axis, sum 9 > 0 still CR"),
    ([0, 9.9], [False, True], 40, 40, CR, "4.3.1 CR: node 9.9 mm is < 10 mm"),
    ([0, 10], [False, True], 40, 40, PR, "4.3.1: node of 10 mm is not normal; -75 % is PR"),
    ([1, 0], [False, False], 60, 60, PR, "4.3.1: a non-nodal target of 1 mm is not gone (not CR)"),
    ([70], [False], 100, 100, PR, "4.3.1 PR: exactly 30 % decrease from baseline"),
    ([70.1], [False], 100, 100, SD, "4.3.1: 29.9 % decrease is SD"),
    ([35, 35], [False, False], 100, 50, PD, "4.3.1 PD uses the nadir: +40 % over nadir 50 though -30 % from baseline"),
    ([30], [False], 25, 25, PD, "4.3.1 PD: exactly +20 % and exactly +5 mm over the nadir"),
    ([24], [False], 20, 20, SD, "4.3.1: +20 % but only +4 mm is not PD"),
    ([119], [False], 100, 100, SD, "4.3.1: +19 mm but only +19 % is not PD"),
    ([120], [False], 100, 100, PD, "4.3.1 PD: +20 % and +20 mm"),
    ([36, 4], [False, False], 100, 30, PD, "4.3.1 PD after CR-level nadir: sum 40 vs nadir 30 (+33 %, +10 mm)"),
    ([9, 9], [True, True], 40, 6, CR, "4.3.1 CR: nodes all < 10 mm are normal even if the sum grew from 6 mm"),
    ([50, None], [False, False], 80, 80, NE, "4.4.2: a target not evaluated makes the time point NE"),
    ([100, None], [False, False], 80, 80, PD, "4.4.2: NE unless PD is met by the lesions measured"),
    ([0, None], [False, False], 80, 80, NE, "4.4.2: cannot be CR with a target not evaluated"),
]


@pytest.mark.parametrize(("sizes", "nodes", "baseline", "nadir", "expected", "why"), TARGET_CASES)
def test_it_assigns_target_response_per_section_4_3_1(sizes, nodes, baseline, nadir, expected, why):
    assert target_response(sizes, nodes, baseline, nadir) == expected, why


NON_TARGET_CASES = [
    # RECIST 1.1 section 4.3.2.
    (["absent", "absent"], CR),
    (["absent", "present"], NN),
    (["present"], NN),
    (["present", "unequivocal_progression"], PD),
    (["not_evaluated", "unequivocal_progression"], PD),
    (["absent", "not_evaluated"], NE),
    (["present", "not_evaluated"], NE),
]


@pytest.mark.parametrize(("states", "expected"), NON_TARGET_CASES)
def test_it_assigns_non_target_response_per_section_4_3_2(states, expected):
    assert non_target_response(NonTargetState(s) for s in states) == expected


# --------------------------------------------------------------------------- Table 3: best overall response

TABLE_3 = [
    # (time points as (day, response), expected best, confirmed, why). Baseline is day 0;
    # confirmation needs >= 28 days, SD >= 42 days from baseline (CHALLENGE-A1 settings).
    ([(56, CR), (84, CR)], CR, True, "Table 3 CR then CR -> CR"),
    ([(56, CR), (84, PR)], PR, True, "Table 3 CR then PR -> PR (footnote a: the first 'CR' was a PR)"),
    ([(56, CR), (84, SD)], SD, False, "Table 3 CR then SD -> SD, minimum SD duration met"),
    ([(56, CR), (84, PD)], SD, False, "Table 3 CR then PD -> SD, the CR was >= 42 days after baseline"),
    ([(35, CR), (63, PD)], PD, False, "Table 3 CR then PD -> PD, SD duration not met (35 < 42 days)"),
    ([(56, CR), (84, NE)], SD, False, "Table 3 CR then NE -> SD, minimum SD duration met"),
    ([(35, CR), (63, NE)], NE, False, "Table 3 CR then NE -> NE, SD duration not met"),
    ([(56, PR), (84, CR)], PR, True, "Table 3 PR then CR -> PR"),
    ([(56, PR), (84, PR)], PR, True, "Table 3 PR then PR -> PR"),
    ([(56, PR), (84, SD)], SD, False, "Table 3 PR then SD -> SD"),
    ([(56, PR), (84, PD)], SD, False, "Table 3 PR then PD -> SD, minimum SD duration met"),
    ([(35, PR), (63, PD)], PD, False, "Table 3 PR then PD -> PD, SD duration not met"),
    ([(56, PR), (84, NE)], SD, False, "Table 3 PR then NE -> SD, minimum SD duration met"),
    ([(35, PR), (63, NE)], NE, False, "Table 3 PR then NE -> NE, SD duration not met"),
    ([(56, NE), (84, NE)], NE, False, "Table 3 NE then NE -> NE"),
    ([(56, PR)], SD, False, "single PR, no confirmation: counts as SD (>= 42 days after baseline)"),
    ([(35, PR)], NE, False, "single PR at day 35: neither confirmed nor SD long enough -> NE"),
    ([(35, SD)], NE, False, "4.4.3 SD too early (35 < 42 days) -> NE"),
    ([(35, SD), (63, PD)], PD, False, "4.4.3 SD too early, then PD -> PD"),
    ([(42, SD)], SD, False, "4.4.3 SD exactly at the 42-day minimum"),
    ([(41, SD)], NE, False, "4.4.3 SD at day 41 is one day short"),
    ([(56, PD), (84, PR), (112, PR)], PD, False, "4.4.3 nothing after the first PD counts"),
    ([(56, PR), (83, PR)], SD, False, "4.6.1 confirmation 27 days later is too soon"),
    ([(56, PR), (84, PR)], PR, True, "4.6.1 confirmation exactly 28 days later"),
    ([(56, PR), (70, NE), (98, PR)], PR, True, "4.6.1 one NE between PR and its confirmation is allowed"),
    ([(56, PR), (70, NE), (84, NE), (112, PR)], SD, False, "4.6.1 two NE between: not confirmed"),
    ([(56, PR), (70, SD), (98, PR)], SD, False, "4.6.1 an SD between PR and PR breaks the confirmation"),
    ([(56, CR), (70, PR), (98, CR)], CR, True, "4.6.1 CR confirmed by CR with a PR between"),
    ([(56, PR), (84, PR), (112, CR)], PR, True, "unconfirmed CR after a confirmed PR: best is PR"),
    ([(56, PR), (84, PR), (112, CR), (140, CR)], CR, True, "CR confirmed later beats the earlier PR"),
    ([(56, SD), (84, PR), (112, PD)], SD, False, "unconfirmed PR before PD: SD (SD >= 42 days)"),
    ([], NE, False, "no follow-up assessment -> NE"),
]


@pytest.mark.parametrize(("points", "expected", "confirmed", "why"), TABLE_3)
def test_it_applies_recist_table_3(points, expected, confirmed, why):
    best = best_overall_response(BASELINE, [(day(d), r) for d, r in points], CONFIRM, MIN_SD)
    assert (best.response, best.confirmed) == (expected, confirmed), why


def test_it_dates_the_confirmation_and_the_first_progression():
    points = [(day(56), PR), (day(70), NE), (day(98), PR), (day(150), PD), (day(200), CR)]
    best = best_overall_response(BASELINE, points, CONFIRM, MIN_SD)
    assert (best.response_date, best.confirmation_date, best.progression_date) == (day(56), day(98), day(150))


def test_it_reports_non_cr_non_pd_as_best_for_non_target_disease_only():
    # Table 2 footnote: "non-CR/non-PD" is preferred over SD for non-target disease.
    best = best_overall_response(BASELINE, [(day(56), NN)], CONFIRM, MIN_SD, stable=NN)
    assert best.response == NN and not best.confirmed


# --------------------------------------------------------------------------- the engine end to end


def test_it_matches_the_contract_example():
    # docs/contracts/recist.md: baseline 48 + 31 = 79 mm; 2026-02-20: 30 + 20 = 50 mm, (50 - 79) / 79 = -36.7 %,
    # a PR (>= 30 % below baseline; section 4.3.1), NT1 present -> NON_CR_NON_PD, Table 1 -> PR.
    # Best overall response: the PR has no later assessment to confirm it (section 4.6.1), so it counts
    # as SD because it is 46 days after baseline, >= the 42-day minimum (section 4.4.3): SD, not confirmed.
    doc = document(
        [{"T1": 48, "T2": 31}, {"T1": 30, "T2": 20}],
        non_target=[{"NT1": "present"}, {"NT1": "present"}],
        days=[0, 46],
    )
    doc["target_lesions"] = [{"id": "T1", "organ": "liver"}, {"id": "T2", "organ": "liver"}]
    out = evaluate(doc)
    assert out["timepoints"] == [
        {
            "date": "2026-02-20",
            "sum_mm": 50,
            "change_from_baseline_pct": -36.7,
            "change_from_nadir_pct": -36.7,
            "target_response": "PR",
            "non_target_response": "NON_CR_NON_PD",
            "new_lesions": False,
            "overall_response": "PR",
            "days_from_baseline": 46,
            "nadir_sum_mm": 79,
            "source": "measured",
        }
    ]
    assert (out["best_overall_response"], out["confirmed"], out["best_percent_change"]) == ("SD", False, -36.7)
    assert out["confirmation_date"] is None
    # With a 50-day minimum SD duration the lone PR (day 46) is neither confirmed nor SD: NE.
    assert evaluate(doc, min_sd_days=50)["best_overall_response"] == "NE"


def test_it_tracks_the_nadir_and_percent_changes():
    # Section 4.3.1: PD is judged against the smallest sum on study (baseline included).
    out = evaluate(document([{"T1": 100}, {"T1": 60}, {"T1": 50}, {"T1": 62}]))
    tps = out["timepoints"]
    assert [tp["sum_mm"] for tp in tps] == [60, 50, 62]
    assert [tp["nadir_sum_mm"] for tp in tps] == [100, 60, 50]
    assert [tp["change_from_baseline_pct"] for tp in tps] == [-40.0, -50.0, -38.0]
    assert [tp["change_from_nadir_pct"] for tp in tps] == [-40.0, -16.7, 24.0]
    # 62 is -38 % from baseline (PR criteria) but +24 % and +12 mm over the nadir 50: PD wins.
    assert [tp["overall_response"] for tp in tps] == ["PR", "PR", "PD"]
    assert (out["best_overall_response"], out["confirmed"]) == ("PR", True)
    assert (out["best_response_date"], out["confirmation_date"]) == (day(56).isoformat(), day(112).isoformat())
    assert out["progression_date"] == day(168).isoformat()
    assert out["best_percent_change"] == -50.0


def test_it_sums_node_short_axes_and_calls_cr_with_a_non_zero_sum():
    # Section 4.3.1: nodes < 10 mm short axis at CR; the sum then is not zero.
    out = evaluate(document([{"T1": 20, "N1": 16}, {"T1": 0, "N1": 8}, {"T1": 0, "N1": 9}], nodes=("N1",)))
    tps = out["timepoints"]
    assert [tp["sum_mm"] for tp in tps] == [8, 9]
    assert [tp["target_response"] for tp in tps] == ["CR", "CR"]
    assert [tp["change_from_baseline_pct"] for tp in tps] == [-77.8, -75.0]
    assert (out["best_overall_response"], out["confirmed"]) == ("CR", True)


def test_it_gives_ne_when_a_target_is_not_evaluated():
    # Section 4.4.2: missing target -> NE, no sum; the nadir is not moved.
    out = evaluate(document([{"T1": 40, "T2": 40}, {"T1": 20, "T2": None}, {"T1": 20, "T2": 20}]))
    first, second = out["timepoints"]
    assert (first["sum_mm"], first["change_from_baseline_pct"], first["overall_response"]) == (None, None, "NE")
    assert (second["nadir_sum_mm"], second["overall_response"]) == (80, "PR")
    # PR (day 56 NE, day 112 PR): one PR with no later confirmation -> SD.
    assert out["best_overall_response"] == "SD"


def test_it_calls_pd_from_the_measured_targets_alone():
    # Section 4.4.2: "...unless the lesions measured already meet PD".
    out = evaluate(document([{"T1": 40, "T2": 40}, {"T1": 100, "T2": None}]))
    assert out["timepoints"][0]["target_response"] == "PD"
    assert out["best_overall_response"] == "PD"


def test_it_calls_pd_for_new_lesions_and_unequivocal_non_target_progression():
    # Section 4.3.4 (new lesions) and 4.3.2 (unequivocal progression).
    doc = document(
        [{"T1": 40}, {"T1": 20}, {"T1": 20}],
        non_target=[{"NT1": "present"}, {"NT1": "unequivocal_progression"}, {"NT1": "present"}],
        new=[False, False, True],
    )
    tps = evaluate(doc)["timepoints"]
    assert [(tp["target_response"], tp["non_target_response"], tp["overall_response"]) for tp in tps] == [
        ("PR", "PD", "PD"),
        ("PR", "NON_CR_NON_PD", "PD"),
    ]


def test_it_evaluates_non_target_disease_only_by_table_2():
    doc = {
        "subject_id": "S",
        "non_target_lesions": [{"id": "NT1", "organ": "liver"}, {"id": "NT2", "organ": "lung"}],
        "assessments": [
            {"date": "2026-01-05", "non_target": {"NT1": "present", "NT2": "present"}, "new_lesions": False},
            {"date": "2026-03-02", "non_target": {"NT1": "absent", "NT2": "present"}, "new_lesions": False},
            {"date": "2026-04-27", "non_target": {"NT1": "absent", "NT2": "absent"}, "new_lesions": False},
        ],
    }
    out = evaluate(doc)
    assert [tp["overall_response"] for tp in out["timepoints"]] == ["NON_CR_NON_PD", "CR"]
    assert [tp["target_response"] for tp in out["timepoints"]] == [None, None]
    assert (out["best_overall_response"], out["best_percent_change"], out["baseline_sum_mm"]) == (
        "NON_CR_NON_PD",
        None,
        None,
    )


def test_it_takes_reader_responses_as_given_with_a_date_only_baseline():
    # docs/contracts/recist.md "Reader responses": every follow-up gives overall_response; sums are null.
    doc = {
        "subject_id": "S",
        "target_lesions": [{"id": "T1", "organ": "liver"}],
        "assessments": [
            {"date": "2026-01-05"},
            {"date": "2026-03-02", "overall_response": "PR"},
            {"date": "2026-03-30", "overall_response": "CR"},
            {"date": "2026-05-25", "overall_response": "PD", "new_lesions": True},
        ],
    }
    out = evaluate(doc)
    assert [(tp["sum_mm"], tp["source"], tp["overall_response"]) for tp in out["timepoints"]] == [
        (None, "reader", "PR"),
        (None, "reader", "CR"),
        (None, "reader", "PD"),
    ]
    assert (out["best_overall_response"], out["confirmed"], out["best_percent_change"]) == ("PR", True, None)
    assert out["confirmation_date"] == "2026-03-30"


def test_it_mixes_reader_responses_and_measurements():
    doc = document([{"T1": 50}, {"T1": 30}, {"T1": 30}])
    doc["assessments"][1] = {"date": day(56).isoformat(), "overall_response": "PR"}
    out = evaluate(doc)
    assert [tp["source"] for tp in out["timepoints"]] == ["reader", "measured"]
    # The reader time point has no sum: the nadir of the measured one stays the baseline sum.
    assert out["timepoints"][1]["nadir_sum_mm"] == 50
    assert (out["best_overall_response"], out["confirmed"]) == ("PR", True)


def test_it_calls_pd_when_a_lesion_reappears_after_a_zero_nadir():
    # Section 4.3.1: +20 % of a 0 mm nadir is 0 mm, so the 5 mm absolute increase decides; the change from
    # a 0 mm nadir has no percentage (null).
    out = evaluate(document([{"T1": 20}, {"T1": 0}, {"T1": 6}]))
    assert [tp["target_response"] for tp in out["timepoints"]] == ["CR", "PD"]
    assert out["timepoints"][1]["change_from_nadir_pct"] is None
    assert out["timepoints"][1]["change_from_baseline_pct"] == -70.0


def test_it_keeps_the_waterfall_value_after_progression():
    # best_percent_change covers every time point with a sum, as a waterfall plot does.
    out = evaluate(document([{"T1": 100}, {"T1": 130}, {"T1": 50}]))
    assert out["best_overall_response"] == "PD"
    assert out["best_percent_change"] == -50.0


def test_it_rounds_percentages_half_away_from_zero():
    out = evaluate(document([{"T1": 80}, {"T1": 79.96}]))
    assert out["timepoints"][0]["change_from_baseline_pct"] == -0.1  # -0.05 exactly -> -0.1
    assert out["timepoints"][0]["sum_mm"] == 79.96


def test_it_uses_exact_decimal_arithmetic_for_the_thresholds():
    # 0.7 * 30.1 is 21.07 exactly; a float product would be 21.069999999999997 and call SD.
    assert target_response([21.07], [False], 30.1, 30.1) == PR


# --------------------------------------------------------------------------- malformed input

INVALID = [
    # (change to the valid 2-target document, field, words the message must contain)
    (
        lambda d: d["target_lesions"].extend({"id": f"X{i}", "organ": f"o{i}"} for i in range(4)),
        "target_lesions[5]",
        "X3",
    ),
    (
        lambda d: d["target_lesions"].append({"id": "T3", "organ": "Liver"}),
        "target_lesions[2]",
        "T3 is a third target lesion",
    ),
    (lambda d: d["assessments"][0]["target_mm"].update(T1=9.9), "assessments[0].target_mm.T1", "T1"),
    (
        lambda d: (d["target_lesions"][1].update(lymph_node=True), d["assessments"][0]["target_mm"].update(T2=14)),
        "assessments[0].target_mm.T2",
        "lymph node T2",
    ),
    (lambda d: d["assessments"][1]["target_mm"].update(T9=3), "assessments[1].target_mm.T9", "T9"),
    (lambda d: d["assessments"][1]["non_target"].update(NT9="absent"), "assessments[1].non_target.NT9", "NT9"),
    (lambda d: d["assessments"][1]["target_mm"].update(NT1=3), "assessments[1].target_mm.NT1", "non-target"),
    (lambda d: d["assessments"][1].update(date="2026-01-05"), "assessments[1].date", "not after"),
    (lambda d: d["assessments"][0]["target_mm"].pop("T2"), "assessments[0].target_mm.T2", "T2"),
    (lambda d: d["assessments"][0]["target_mm"].update(T2=None), "assessments[0].target_mm.T2", "T2"),
    (lambda d: d["assessments"][1]["target_mm"].pop("T1"), "assessments[1].target_mm.T1", "null"),
    (lambda d: d["assessments"][1]["non_target"].pop("NT1"), "assessments[1].non_target.NT1", "not_evaluated"),
    (lambda d: d["assessments"][1].pop("new_lesions"), "assessments[1].new_lesions", "required"),
    (lambda d: d["assessments"][1]["target_mm"].update(T1=-3), "assessments[1].target_mm.T1", "greater than"),
    (lambda d: d["assessments"][1]["target_mm"].update(T1=True), "assessments[1].target_mm.T1", "valid number"),
    (lambda d: d["assessments"][1].update(overall_response="PR"), "assessments[1]", "not both"),
    (lambda d: d["assessments"][0].update(overall_response="PR"), "assessments[0]", "baseline"),
    (lambda d: d["non_target_lesions"].append({"id": "T1", "organ": "lung"}), "non_target_lesions[1]", "T1"),
    (lambda d: d["assessments"][1]["non_target"].update(NT1="gone"), "assessments[1].non_target.NT1", "absent"),
]


@pytest.mark.parametrize(("mutate", "field", "words"), INVALID)
def test_it_rejects_malformed_input_naming_the_lesion(mutate, field, words):
    doc = document([{"T1": 40, "T2": 30}, {"T1": 20, "T2": 20}], non_target=[{"NT1": "present"}, {"NT1": "present"}])
    doc["target_lesions"] = [{"id": "T1", "organ": "liver"}, {"id": "T2", "organ": "liver"}]
    mutate(doc)
    with pytest.raises(InputError) as caught:
        evaluate(doc)
    assert caught.value.field == field
    assert words in caught.value.message
    assert "\n" not in str(caught.value)


def test_it_accepts_a_node_of_15_mm_and_a_lesion_of_10_mm_at_baseline():
    # Section 3.1.1: >= 10 mm (CT) and >= 15 mm short axis for a node are measurable.
    out = evaluate(document([{"T1": 10, "N1": 15}, {"T1": 10, "N1": 15}], nodes=("N1",)))
    assert out["baseline_sum_mm"] == 25


# --------------------------------------------------------------------------- properties

responses = st.sampled_from([CR, PR, SD, PD, NE])
non_target_responses = st.one_of(st.none(), st.sampled_from([CR, NN, PD, NE]))


@settings(max_examples=200, deadline=None)
@given(target=st.one_of(st.none(), responses), non_target=non_target_responses)
def test_property_new_lesions_always_make_the_time_point_pd(target, non_target):
    # Section 4.3.4, Tables 1 and 2 (last rows): "Any / Any / Yes -> PD".
    if target is None and non_target is None:
        return
    assert overall_response(target, non_target, True) == PD


def tenths(low: int, high: int) -> st.SearchStrategy[float]:
    """Millimetres with one decimal, as a CT reader records them."""
    return st.integers(low * 10, high * 10).map(lambda t: t / 10)


sizes = tenths(0, 200)


@settings(max_examples=200, deadline=None)
@given(
    baseline=st.lists(tenths(15, 200), min_size=1, max_size=5),
    data=st.data(),
)
def test_property_new_lesions_make_pd_through_the_engine(baseline, data):
    follow_up = data.draw(st.lists(st.one_of(st.none(), sizes), min_size=len(baseline), max_size=len(baseline)))
    ids = [f"T{i}" for i in range(len(baseline))]
    doc = document([dict(zip(ids, baseline, strict=True)), dict(zip(ids, follow_up, strict=True))], new=[False, True])
    out = evaluate(doc)
    assert out["timepoints"][0]["overall_response"] == "PD"


RANK = {PD: 0, SD: 1, PR: 2, CR: 3}


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    n=st.integers(min_value=1, max_value=5),
)
def test_property_a_larger_sum_never_improves_the_target_response(data, n):
    # Section 4.3.1: growing lesions can never turn PR into CR (or SD into PR, PD into SD).
    nodes = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    baseline = data.draw(st.lists(tenths(15, 100), min_size=n, max_size=n))
    nadir = data.draw(st.integers(0, round(sum(baseline) * 10))) / 10
    smaller = data.draw(st.lists(sizes, min_size=n, max_size=n))
    growth = data.draw(st.lists(tenths(0, 50), min_size=n, max_size=n))
    larger = [round(s + g, 1) for s, g in zip(smaller, growth, strict=True)]
    before = target_response(smaller, nodes, sum(baseline), nadir)
    after = target_response(larger, nodes, sum(baseline), nadir)
    assert RANK[after] <= RANK[before]
    if any(size > 0 and not node for size, node in zip(larger, nodes, strict=True)):
        assert after != CR  # a non-nodal target still visible is never a complete response


@settings(max_examples=200, deadline=None)
@given(points=st.lists(st.tuples(st.integers(1, 20), st.sampled_from([CR, PR, SD, PD, NE])), max_size=6))
def test_property_confirmed_only_for_cr_or_pr_and_nothing_after_pd_counts(points):
    dated, current = [], 0
    for gap, response in points:
        current += gap * 7
        dated.append((day(current), response))
    best = best_overall_response(BASELINE, dated, CONFIRM, MIN_SD)
    assert best.confirmed == (best.response in (CR, PR))
    first_pd = next((i for i, (_, r) in enumerate(dated) if r == PD), None)
    if first_pd is not None:
        later = dated[: first_pd + 1] + [(d, CR) for d, _ in dated[first_pd + 1 :]]
        assert best_overall_response(BASELINE, later, CONFIRM, MIN_SD) == best
