"""Cox regression (Efron ties) against R 4.2.2 / survival 3.5-3 ``coxph``.

Data: lifelines' ``load_lung`` (= R's survival::lung, status - 1), ``load_rossi`` (Rossi et al. recidivism)
and tests/data/stats/synthetic_survival.csv. Each expected value is pinned with its R call.
References: Cox, J R Stat Soc B 1972;34:187-220; Efron, JASA 1977;72:557-565 (doi:10.1080/01621459.1977.10480613).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from lifelines.datasets import load_lung, load_rossi

from haictrial.errors import InputError
from haictrial.stats.cox import cox_regression

SYNTHETIC = Path(__file__).parent.parent / "data" / "stats" / "synthetic_survival.csv"


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    return load_lung()


def _by_name(result):
    return {c.name: c for c in result.coefficients}


def test_lung_sex_matches_r(lung):
    # R: summary(coxph(Surv(time, status) ~ sex, data=lung))
    #    coef -0.5310235376, se 0.1671785832, exp(coef) 0.5880028, lower .95 0.4237178, upper .95 0.8159848,
    #    Pr(>|z|) 0.0014912; cx$concordance["concordance"] 0.578644948536
    fit = cox_regression(lung, "time", "status", ["sex"])
    assert (fit.n, fit.events, fit.excluded_missing, fit.ties) == (228, 165, 0, "efron")
    (sex,) = fit.coefficients
    assert sex.name == "sex"
    assert sex.coef == pytest.approx(-0.5310235376, rel=1e-6)
    assert sex.se == pytest.approx(0.1671785832, rel=1e-6)
    assert sex.hr == pytest.approx(0.5880028, rel=1e-6)
    assert sex.hr_ci == pytest.approx((0.4237178, 0.8159848), rel=1e-6)
    assert sex.p == pytest.approx(0.0014912, rel=1e-4)
    assert fit.concordance == pytest.approx(0.578644948536, rel=1e-9)


def test_lung_three_covariates_drop_missing_rows_as_r(lung):
    # R: coxph(Surv(time, status) ~ sex + age + ph.ecog, data=lung): n= 227, number of events= 164,
    #    (1 observation deleted due to missingness); coef / se / p below; concordance 0.637135493
    fit = cox_regression(lung, "time", "status", ["sex", "age", "ph.ecog"])
    assert (fit.n, fit.events, fit.excluded_missing) == (227, 164, 1)
    expected = {
        "sex": (-0.55261239570, 0.167739053787, 0.000986051372138),
        "age": (0.01106676456, 0.009267411014, 0.232415681),
        "ph.ecog": (0.46372847537, 0.113577266162, 4.44706665186e-05),
    }
    coefs = _by_name(fit)
    for name, (coef, se, p) in expected.items():
        assert coefs[name].coef == pytest.approx(coef, rel=1e-6)
        assert coefs[name].se == pytest.approx(se, rel=1e-6)
        assert coefs[name].p == pytest.approx(p, rel=1e-5)
    assert fit.concordance == pytest.approx(0.637135493, rel=1e-8)


def test_text_columns_use_the_first_sorted_level_as_reference(lung):
    # R: lung$sex_label <- ifelse(lung$sex == 1, "male", "female"); coef(coxph(... ~ sex_label)) sex_labelmale 0.5310235376
    data = lung.assign(sex_label=lung["sex"].map({1: "male", 2: "female"}))
    fit = cox_regression(data, "time", "status", ["sex_label"])
    assert fit.references == {"sex_label": "female"}
    (term,) = fit.coefficients
    assert (term.name, term.covariate, term.level) == ("sex_label=male", "sex_label", "male")
    assert term.coef == pytest.approx(0.5310235376, rel=1e-6)
    # R: lung$sex_label <- relevel(factor(lung$sex_label), ref="male") -> sex_labelfemale -0.5310235376
    fit = cox_regression(data, "time", "status", ["sex_label"], reference={"sex_label": "male"})
    assert fit.references == {"sex_label": "male"}
    assert fit.coefficients[0].name == "sex_label=female"
    assert fit.coefficients[0].coef == pytest.approx(-0.5310235376, rel=1e-6)


def test_synthetic_factors_match_r():
    # R: syn <- read.csv("synthetic_survival.csv"); cx <- coxph(Surv(time_days, event) ~ arm + stage + age, data=syn)
    #    coef(cx); sqrt(diag(vcov(cx))); summary(cx)$coefficients[, 5]; exp(confint(cx)); concordance 0.606308411215
    syn = pd.read_csv(SYNTHETIC)
    fit = cox_regression(syn, "time_days", "event", ["arm", "stage", "age"])
    assert fit.references == {"arm": "control", "stage": "I"}
    expected = {
        "arm=haic": (-0.32468138252, 0.219240479007, 0.138623307231, (0.470299842311, 1.11073511322)),
        "stage=II": (0.68189384666, 0.318969965989, 0.032533016347, (1.058363874620, 3.69530646768)),
        "stage=III": (1.04182821046, 0.316694635764, 0.001002966521, (1.523664258642, 5.27267746102)),
        "age": (0.01250871258, 0.008298252976, 0.131710441920, (0.996251478922, 1.02919093085)),
    }
    coefs = _by_name(fit)
    assert list(coefs) == list(expected)
    for name, (coef, se, p, ci) in expected.items():
        assert coefs[name].coef == pytest.approx(coef, rel=1e-6)
        assert coefs[name].se == pytest.approx(se, rel=1e-6)
        assert coefs[name].p == pytest.approx(p, rel=1e-5)
        assert coefs[name].hr_ci == pytest.approx(ci, rel=1e-6)
    assert fit.concordance == pytest.approx(0.606308411215, rel=1e-9)
    # R: syn$stage <- relevel(factor(syn$stage), ref="II"): stageI -0.68189384666, stageIII 0.35993436380
    fit = cox_regression(syn, "time_days", "event", ["arm", "stage", "age"], reference={"stage": "II"})
    coefs = _by_name(fit)
    assert coefs["stage=I"].coef == pytest.approx(-0.68189384666, rel=1e-6)
    assert coefs["stage=III"].coef == pytest.approx(0.35993436380, rel=1e-6)


def test_rossi_matches_r():
    # R: coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data=rossi)
    rossi = load_rossi()
    covariates = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    fit = cox_regression(rossi, "week", "arrest", covariates)
    coef = [
        -0.3794221664859,
        -0.0574377426841,
        0.3138997878425,
        -0.1497956976665,
        -0.4337038779373,
        -0.0848710825004,
        0.0914970809853,
    ]
    se = [
        0.1913794807135,
        0.0219994706007,
        0.3079927765574,
        0.2122242962486,
        0.3818680576688,
        0.1957566719066,
        0.0286485499600,
    ]
    p = [
        0.04741609486577,
        0.00903123990442,
        0.30811796697728,
        0.48028969400903,
        0.25606424338064,
        0.66461236567925,
        0.00140424527933,
    ]
    assert [c.coef for c in fit.coefficients] == pytest.approx(coef, rel=1e-6)
    assert [c.se for c in fit.coefficients] == pytest.approx(se, rel=1e-6)
    assert [c.p for c in fit.coefficients] == pytest.approx(p, rel=1e-5)
    assert fit.concordance == pytest.approx(0.6403292471, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"covariates": ["weight"]}, "weight", "no such column"),
        ({"covariates": ["sex"], "reference": {"sex": "1"}}, "sex", "text (categorical) column"),
        ({"covariates": ["sex_label"], "reference": {"sex_label": "other"}}, "sex_label", "not in the data"),
        ({"covariates": ["constant"]}, "constant", "same value"),
        ({"covariates": []}, "covariate", "at least one"),
        ({"covariates": ["sex"], "reference": {"age": "1"}}, "age", "not a covariate"),
    ],
)
def test_it_rejects_bad_models(lung, kwargs, field, words):
    data = lung.assign(sex_label=lung["sex"].map({1: "male", 2: "female"}), constant=1.0)
    with pytest.raises(InputError) as err:
        cox_regression(data, "time", "status", **kwargs)
    assert err.value.field == field
    assert words in err.value.message


def test_it_rejects_bad_event_and_time_columns(lung):
    bad_event = lung.assign(status=lung["status"] + 1)  # R's 1/2 coding is not the contract's 0/1
    with pytest.raises(InputError) as err:
        cox_regression(bad_event, "time", "status", ["sex"])
    assert err.value.field == "status"
    bad_time = lung.assign(time=lung["time"].astype(object))
    bad_time.loc[3, "time"] = "soon"
    with pytest.raises(InputError) as err:
        cox_regression(bad_time, "time", "status", ["sex"])
    assert err.value.field == "time"
    assert "row 4" in err.value.message


def test_ties_are_efron_not_breslow():
    # The synthetic file has 43 tied event times (weekly visits), so the tie method matters.
    # R: coef(coxph(Surv(time_days, event) ~ arm + stage + age, data=syn, ties="breslow"))[1] = -0.31734929506
    #    (ties="efron", R's default: -0.32468138252)
    syn = pd.read_csv(SYNTHETIC)
    arm = cox_regression(syn, "time_days", "event", ["arm", "stage", "age"]).coefficients[0]
    assert arm.coef == pytest.approx(-0.32468138252, rel=1e-6)
    assert arm.coef != pytest.approx(-0.31734929506, rel=1e-3)
