"""Statistics of the trial: binomial intervals, survival (Kaplan-Meier, log-rank, Cox), Simon's
two-stage designs and Bayesian monitoring (predictive probability, toxicity stopping).

Pure functions over arrays and pydantic models; no file I/O (the CLI and the reports read the data).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, eagerly, for type checkers
    from haictrial.stats.bayesian import (
        Decision,
        InterimLook,
        PredictiveDesign,
        ToxicityRule,
        predictive_design,
        predictive_probability,
        toxicity_rule,
    )
    from haictrial.stats.binomial import BinomialInterval, CohortPrecision, binomial_ci, cohort_precision, exact_test
    from haictrial.stats.cox import CoxCoefficient, CoxResult, cox_regression
    from haictrial.stats.options import ConfType, IntervalMethod
    from haictrial.stats.simon import SimonDesign, SimonDesigns, operating_characteristics, simon_two_stage
    from haictrial.stats.survival import (
        GroupedSurvival,
        KaplanMeierResult,
        KaplanMeierRow,
        LogRankResult,
        SurvivalAt,
        kaplan_meier,
        kaplan_meier_by_group,
        logrank,
    )

# Names load on first use (PEP 562): importing haictrial.stats, or its light `options`, does not pull in
# scipy and lifelines, so the CLI starts fast.
_WHERE: dict[str, str] = {
    "BinomialInterval": "binomial",
    "CohortPrecision": "binomial",
    "ConfType": "options",
    "CoxCoefficient": "cox",
    "CoxResult": "cox",
    "Decision": "bayesian",
    "GroupedSurvival": "survival",
    "InterimLook": "bayesian",
    "IntervalMethod": "options",
    "KaplanMeierResult": "survival",
    "KaplanMeierRow": "survival",
    "LogRankResult": "survival",
    "PredictiveDesign": "bayesian",
    "SimonDesign": "simon",
    "SimonDesigns": "simon",
    "SurvivalAt": "survival",
    "ToxicityRule": "bayesian",
    "binomial_ci": "binomial",
    "cohort_precision": "binomial",
    "cox_regression": "cox",
    "exact_test": "binomial",
    "kaplan_meier": "survival",
    "kaplan_meier_by_group": "survival",
    "logrank": "survival",
    "operating_characteristics": "simon",
    "predictive_design": "bayesian",
    "predictive_probability": "bayesian",
    "simon_two_stage": "simon",
    "toxicity_rule": "bayesian",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"haictrial.stats.{_WHERE[name]}"), name)
