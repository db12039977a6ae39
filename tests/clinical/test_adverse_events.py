"""Adverse events: CTCAE v5.0 terms and grades, ICH E2A seriousness, attribution, the SAE clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial.clinical.adverse_events import (
    KNOWN_TERMS,
    VASCULAR_OTHER,
    AdverseEvent,
    Attribution,
    SaeStatus,
    hepatic_artery_injury,
    known_term,
    sae_report_due,
    sae_status,
)
from haictrial.documents import parse_model
from haictrial.errors import InputError
from haictrial.protocol import default_protocol_path, load_protocol, parse_protocol
from haictrial.vocabulary.enums import Drug

UTC = dt.UTC
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
AWARE = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
#: The bundled CHALLENGE-A1 protocol (settings.sae_initial_report_hours: 24).
PROTOCOL = load_protocol()


def event(**fields):
    data = {
        "term": "Diarrhea",
        "grade": 2,
        "onset_date": "2026-03-01",
        "action_taken": "dose_delayed",
        "outcome": "recovering",
    }
    data.update(fields)
    return parse_model(AdverseEvent, data)


def serious(**fields):
    base = {"grade": 3, "seriousness": ["hospitalisation"], "aware_at": AWARE.isoformat()}
    base.update(fields)
    return event(**base)


# --- terms -----------------------------------------------------------------------------------------

# CTCAE v5.0 system organ class of each pre-listed regimen term (CTCAE v5.0, 27 Nov 2017).
EXPECTED_SOC = {
    "Peripheral sensory neuropathy": "Nervous system disorders",
    "Diarrhea": "Gastrointestinal disorders",
    "Nausea": "Gastrointestinal disorders",
    "Vomiting": "Gastrointestinal disorders",
    "Mucositis oral": "Gastrointestinal disorders",
    "Fatigue": "General disorders and administration site conditions",
    "Abdominal pain": "Gastrointestinal disorders",
    "Hypertension": "Vascular disorders",
    "Proteinuria": "Renal and urinary disorders",
    "Thromboembolic event": "Vascular disorders",
    "Rash acneiform": "Skin and subcutaneous tissue disorders",
    "Hypomagnesemia": "Metabolism and nutrition disorders",
    "Infusion related reaction": "Injury, poisoning and procedural complications",
    "Allergic reaction": "Immune system disorders",
    "Vascular access complication": "Injury, poisoning and procedural complications",
    "Injection site reaction": "General disorders and administration site conditions",
    "Vascular disorders - Other, specify": "Vascular disorders",
    "Biliary tract infection": "Infections and infestations",
    "Cholecystitis": "Hepatobiliary disorders",
    "Hepatic failure": "Hepatobiliary disorders",
    "Neutrophil count decreased": "Investigations",
    "Anemia": "Blood and lymphatic system disorders",
}


@pytest.mark.parametrize(("term", "soc"), EXPECTED_SOC.items())
def test_pre_listed_terms_carry_their_ctcae_soc(term, soc):
    entry = known_term(term)
    assert entry is not None and entry.soc == soc


def test_the_protocol_dose_modification_terms_are_all_pre_listed():
    rules = load_protocol().settings.dose_modification.value.rules
    missing = sorted({rule.term for rule in rules} - {k.term for k in KNOWN_TERMS})
    assert missing == []


def test_generic_hemorrhage_is_kept_but_marked_as_a_grouping():
    generic = known_term("Hemorrhage")
    assert generic is not None and not generic.ctcae_v5 and "Upper gastrointestinal hemorrhage" in generic.note
    assert known_term("Upper gastrointestinal hemorrhage").ctcae_v5  # type: ignore[union-attr]


def test_terms_are_matched_case_insensitively_and_spelled_as_ctcae():
    ae = event(term="  mucositis ORAL ")
    assert ae.term == "Mucositis oral" and ae.pre_listed and ae.soc == "Gastrointestinal disorders"


def test_a_free_text_term_is_allowed_and_flagged():
    ae = event(term="Hiccups")
    assert ae.term == "Hiccups" and not ae.pre_listed and ae.soc is None


def test_hepatic_artery_injury_is_coded_as_vascular_other_specify():
    ae = hepatic_artery_injury(grade=3, onset_date="2026-03-01", action_taken="drug_interrupted", outcome="recovered")
    assert (ae.term, ae.verbatim, ae.soc) == (VASCULAR_OTHER, "Hepatic artery injury", "Vascular disorders")


def test_other_specify_needs_a_verbatim():
    with pytest.raises(InputError) as err:
        event(term="Vascular disorders - Other, specify")
    assert err.value.field == "verbatim"


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"grade": 0}, "grade"),
        ({"grade": 6}, "grade"),
        ({"resolution_date": "2026-02-28"}, "resolution_date"),
        # CTCAE v5.0 grade 5 = death related to AE: outcome fatal and seriousness death (ICH E2A)
        ({"grade": 5, "seriousness": ["death"], "aware_at": AWARE.isoformat()}, "outcome"),
        ({"grade": 5, "outcome": "fatal"}, "seriousness"),
        ({"grade": 4, "outcome": "fatal", "seriousness": ["death"], "aware_at": AWARE.isoformat()}, "grade"),
        ({"seriousness": ["death"], "aware_at": AWARE.isoformat()}, "outcome"),
        ({"seriousness": ["hospitalisation"]}, "aware_at"),
        ({"seriousness": ["hospitalisation", "hospitalisation"], "aware_at": AWARE.isoformat()}, "seriousness"),
        ({"seriousness": ["hospitalization"]}, "seriousness[0]"),
        ({"seriousness": ["hospitalisation"], "aware_at": "2026-03-02T09:30:00"}, "aware_at"),
        (
            {
                "seriousness": ["hospitalisation"],
                "aware_at": AWARE.isoformat(),
                "reported_at": (AWARE - dt.timedelta(hours=1)).isoformat(),
            },
            "reported_at",
        ),
        ({"attribution": {"oxaliplatin": "likely"}}, "attribution.oxaliplatin"),
        ({"attribution": {"capecitabine": "possible"}}, "attribution.capecitabine"),
        ({"action_taken": "stopped"}, "action_taken"),
        ({"outcome": "resolved"}, "outcome"),
        ({"outcome": None}, "outcome"),
    ],
)
def test_invalid_events_name_the_field(fields, field):
    with pytest.raises(InputError) as err:
        event(**fields)
    assert err.value.field == field


def test_a_fatal_event_is_valid_when_consistent():
    ae = event(
        grade=5, outcome="fatal", seriousness=["death"], aware_at=AWARE.isoformat(), resolution_date="2026-03-04"
    )
    assert ae.is_serious and ae.grade == 5


def test_resolution_on_the_onset_day_is_valid():
    assert event(resolution_date="2026-03-01").resolution_date == dt.date(2026, 3, 1)


# --- seriousness and attribution ---------------------------------------------------------------------


def test_severity_is_not_seriousness():
    """ICH E2A: seriousness is by criteria; a grade 4 lab event is not an SAE by its grade."""
    assert not event(term="Neutrophil count decreased", grade=4).is_serious
    assert serious(grade=2).is_serious


@pytest.mark.parametrize(
    ("attribution", "related"),
    [("unrelated", False), ("unlikely", False), ("possible", True), ("probable", True), ("definite", True)],
)
def test_possible_probable_and_definite_count_as_related(attribution, related):
    ae = event(attribution={"oxaliplatin": attribution, "haic_procedure": attribution})
    assert ae.related(Drug.oxaliplatin) is related
    assert ae.related("oxaliplatin") is related
    assert ae.related("haic_procedure") is related


def test_an_unassessed_drug_is_not_related():
    ae = event(attribution={"bevacizumab": "probable"})
    assert ae.related("bevacizumab") and not ae.related("cetuximab")


def test_an_unknown_attribution_target_is_an_error():
    with pytest.raises(InputError) as err:
        event().related("capecitabine")
    assert "capecitabine" in str(err.value)


# --- SAE clock (protocol setting sae_initial_report_hours, default 24 h) ---------------------------


@pytest.fixture(scope="module")
def protocol():
    return load_protocol()


def test_the_report_is_due_24_hours_after_awareness(protocol):
    assert protocol.settings.sae_initial_report_hours.value == 24
    assert sae_report_due(AWARE, protocol) == AWARE + dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (dt.timedelta(0), SaeStatus.due),
        (dt.timedelta(hours=23, minutes=59, seconds=59), SaeStatus.due),
        (dt.timedelta(hours=24), SaeStatus.due),  # at the deadline it is still due
        (dt.timedelta(hours=24, seconds=1), SaeStatus.overdue),
        (dt.timedelta(days=3), SaeStatus.overdue),
    ],
)
def test_sae_status_around_the_24_hour_boundary(protocol, offset, status):
    assert sae_status(serious(), AWARE + offset, protocol) == status


def test_the_clock_compares_instants_across_time_zones(protocol):
    # aware 09:30 +08:00 = 01:30 UTC; due 01:30 UTC next day
    ae = serious()
    assert sae_status(ae, dt.datetime(2026, 3, 3, 1, 30, tzinfo=UTC), protocol) == SaeStatus.due
    assert sae_status(ae, dt.datetime(2026, 3, 3, 1, 30, 1, tzinfo=UTC), protocol) == SaeStatus.overdue


def test_reported_and_not_serious(protocol):
    late = AWARE + dt.timedelta(days=5)
    assert sae_status(serious(reported_at=late.isoformat()), late, protocol) == SaeStatus.reported
    assert sae_status(event(grade=4), late, protocol) == SaeStatus.not_serious


def test_now_without_a_utc_offset_is_an_error(protocol):
    with pytest.raises(InputError) as err:
        sae_status(serious(), dt.datetime(2026, 3, 2, 12, 0), protocol)
    assert err.value.field == "now"


def test_the_deadline_follows_the_protocol_setting(tmp_path: Path):
    data = yaml.safe_load(default_protocol_path().read_text(encoding="utf-8"))
    data["settings"]["sae_initial_report_hours"]["value"] = 12
    site = parse_protocol(yaml.safe_dump(data), source="site.yaml")
    assert sae_report_due(AWARE, site) == AWARE + dt.timedelta(hours=12)
    assert sae_status(serious(), AWARE + dt.timedelta(hours=12, seconds=1), site) == SaeStatus.overdue


@settings(max_examples=100, deadline=None)
@given(seconds=st.integers(min_value=-86_400, max_value=10 * 86_400))
def test_sae_status_flips_once_at_the_deadline(seconds):
    ae = serious()
    now = AWARE + dt.timedelta(seconds=seconds)
    expected = SaeStatus.overdue if seconds > 24 * 3600 else SaeStatus.due
    assert sae_status(ae, now, PROTOCOL) == expected


def test_attribution_enum_has_the_five_point_scale():
    assert [a.value for a in Attribution] == ["unrelated", "unlikely", "possible", "probable", "definite"]


def test_it_knows_whether_a_term_is_a_ctcae_v5_term():
    # CTCAE v5.0: "Rectal hemorrhage" is a term (GI disorders); "<SOC> - Other, specify" is the way to code
    # any other event; free text is neither.
    from haictrial.clinical.ctcae_terms import ctcae_v5_term

    assert ctcae_v5_term("rectal  HEMORRHAGE") == "Rectal hemorrhage"
    assert ctcae_v5_term("Vascular disorders - Other, specify") == "Vascular disorders - Other, specify"
    assert ctcae_v5_term("Felt odd") is None
    assert ctcae_v5_term("Made-up organ class - Other, specify") is None
