"""Marginal rates of a 10 000-patient cohort stay within stated tolerances of their cited targets
(haictrial.synth.distributions gives each target and its source)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from haictrial.clinical.recist import evaluate_recist
from haictrial.clinical.recist_models import RecistInput, Response
from haictrial.synth.cohort import generate_cohort


@pytest.fixture(scope="module")
def big(protocol):
    return generate_cohort(10_000, 2024, dt.date(2023, 5, 1), 0.0, protocol, verify=0)


def _months(days: np.ndarray) -> np.ndarray:
    return days / (365.25 / 12)


def test_marginal_rates_are_near_their_targets(big, protocol):
    s = big.tables["screening"]
    # demographics [Ye2013], [Chen2016]; sidedness about a quarter [Arnold2017]
    assert abs((s["sex"] == "male").mean() - 0.60) < 0.03
    assert abs(s["age_years"].mean() - 58) < 1.5
    assert (s["ecog"] <= 1).mean() > 0.9
    right = s["primary_site"].isin(["cecum", "ascending_colon", "hepatic_flexure", "transverse_colon"]).mean()
    assert abs(right - 0.24) < 0.03
    # RAS near half [Douillard2013], BRAF V600E under a tenth [Tran2011]
    ras = ((s["kras"] == "mutant") | (s["nras"] == "mutant")).mean()
    assert 0.42 < ras < 0.54
    assert 0.02 < (s["braf"] == "mutant").mean() < 0.10
    # screen failures: believable share, spread over the criteria
    failure = (~s["eligible"].fillna(False).astype(bool)).mean()
    assert 0.35 < failure < 0.50


def test_conversion_surgery_and_survival_rates(big):
    subjects = big.tables["subjects"].set_index("subject_id")
    res = big.tables["resections"].set_index("subject_id")
    conversion = len(res) / len(subjects)
    assert abs(conversion - 0.40) < 0.05  # registered HAIC range 17.8-66 %, centre about 40 % [Kemeny2009]
    assert abs((res["r_status"] == "R0").mean() - 0.85) < 0.05  # [Pawlik2005]
    fu = big.tables["follow_up"].set_index("subject_id")
    enrol = fu["enrolment_date"]
    last = fu["death_date"].where(fu["death_date"].notna(), fu["last_known_alive_date"])
    # not resected: median OS 20-24 months from enrolment [Saltz2008]
    never = fu.index.difference(res.index)
    km = KaplanMeierFitter().fit(
        _months((last[never] - enrol[never]).map(lambda d: d.days).to_numpy()), fu.loc[never, "death_date"].notna()
    )
    assert 19.0 < km.median_survival_time_ < 25.0
    # after complete (R0) resection: median about 35 months from surgery [Adam2004]
    r0 = res.index[res["r_status"] == "R0"]
    days = (last[r0] - res.loc[r0, "date"]).map(lambda d: d.days).to_numpy()
    km = KaplanMeierFitter().fit(_months(days), fu.loc[r0, "death_date"].notna())
    assert 29.0 < km.median_survival_time_ < 42.0


def test_resection_is_more_frequent_in_responders(big, protocol):
    # [Folprecht2005]: resection rate rises with response; response by the RECIST engine
    settings = protocol.settings
    resected = set(big.tables["resections"]["subject_id"])
    responders, others = [], []
    for doc in big.recist_documents():
        result = evaluate_recist(
            RecistInput.model_validate(doc), settings.recist_confirmation_days.value, settings.recist_min_sd_days.value
        )
        group = responders if result.best_overall_response in (Response.CR, Response.PR) else others
        group.append(doc["subject_id"] in resected)
    assert 0.45 < len(responders) / (len(responders) + len(others)) < 0.75
    assert np.mean(responders) > np.mean(others) + 0.15


def test_toxicity_frequencies_are_typical_of_haic_folfox(big):
    ae = big.tables["adverse_events"].assign(subject_id=lambda f: f["subject_id"].astype(str))
    subjects = big.tables["subjects"].set_index("subject_id")
    treated = subjects[subjects["cycles_given"] > 0]

    def incidence(term: str, agent: str | None = None, grade: int = 1) -> float:
        pool = treated if agent is None else treated[treated["targeted_agent"] == agent]
        hit = set(ae.loc[(ae["term"] == term) & (ae["grade"] >= grade), "subject_id"])
        return len(hit & set(pool.index)) / len(pool)

    assert 0.40 < incidence("Neutrophil count decreased") < 0.65  # [deGramont2000], [Li2022]
    assert 0.05 < incidence("Neutrophil count decreased", grade=3) < 0.30
    assert 0.40 < incidence("Abdominal pain") < 0.65  # during HAIC [Li2022]
    assert 0.30 < incidence("Peripheral sensory neuropathy") < 0.60
    assert 0.35 < incidence("Alanine aminotransferase increased") < 0.60
    assert 0.65 < incidence("Rash acneiform", "cetuximab") < 0.90  # [VanCutsem2009]
    assert 0.15 < incidence("Hypertension", "bevacizumab") < 0.35  # [Hurwitz2004]
