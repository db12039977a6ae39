"""Statistics of the trial: binomial intervals, survival (Kaplan-Meier, log-rank, Cox), Simon's
two-stage designs and Bayesian monitoring (predictive probability, toxicity stopping).

Pure functions over arrays and pydantic models; no file I/O (the CLI and the reports read the data).
"""

from haictrial.stats.bayesian import (
    Decision,
    InterimLook,
    PredictiveDesign,
    ToxicityRule,
    predictive_design,
    predictive_probability,
    toxicity_rule,
)
from haictrial.stats.binomial import (
    BinomialInterval,
    CohortPrecision,
    IntervalMethod,
    binomial_ci,
    cohort_precision,
    exact_test,
)
from haictrial.stats.cox import CoxCoefficient, CoxResult, cox_regression
from haictrial.stats.simon import SimonDesign, SimonDesigns, operating_characteristics, simon_two_stage
from haictrial.stats.survival import (
    ConfType,
    GroupedSurvival,
    KaplanMeierResult,
    KaplanMeierRow,
    LogRankResult,
    SurvivalAt,
    kaplan_meier,
    kaplan_meier_by_group,
    logrank,
)

__all__ = [
    "BinomialInterval",
    "CohortPrecision",
    "ConfType",
    "CoxCoefficient",
    "CoxResult",
    "Decision",
    "GroupedSurvival",
    "InterimLook",
    "IntervalMethod",
    "KaplanMeierResult",
    "KaplanMeierRow",
    "LogRankResult",
    "PredictiveDesign",
    "SimonDesign",
    "SimonDesigns",
    "SurvivalAt",
    "ToxicityRule",
    "binomial_ci",
    "cohort_precision",
    "cox_regression",
    "exact_test",
    "kaplan_meier",
    "kaplan_meier_by_group",
    "logrank",
    "operating_characteristics",
    "predictive_design",
    "predictive_probability",
    "simon_two_stage",
    "toxicity_rule",
]
