"""Cox proportional-hazards regression (Efron ties, as R's ``coxph``), fitted by lifelines.

String columns are categorical: one indicator per level against a reference level (default: the
first level in sorted order, as R's ``factor``), named ``column=level``. Rows with a missing
covariate are left out and counted, as R's ``na.omit`` ("1 observation deleted due to missingness").

A model the data cannot support raises :class:`~haictrial.stats.errors.NotEstimableError` naming the
term, never an arithmetic error: no events; Newton-Raphson not converging (lifelines'
``ConvergenceError`` or its ``ConvergenceWarning`` of a failed or suspicious fit); a coefficient or
standard error that is not finite or whose hazard ratio overflows; or a coefficient that runs off to
infinity under (quasi-)complete separation (monotone likelihood: Bryson and Johnson 1981), detected as
R's ``coxph`` does ("Loglik converged before variable; coefficient may be infinite"): |coef| above
:data:`INFINITE_COEF`, i.e. a hazard ratio beyond e^15 = 3.3 million.

References
----------
Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
doi:10.1111/j.2517-6161.1972.tb00899.x.
Efron B. The efficiency of Cox's likelihood function for censored data. J Am Stat Assoc
1977;72:557-565. doi:10.1080/01621459.1977.10480613.
Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of medical tests.
JAMA 1982;247:2543-2546 (concordance). doi:10.1001/jama.1982.03320430047030.
Bryson MC, Johnson ME. The incidence of monotone likelihood in the Cox model. Technometrics
1981;23:381-383. doi:10.1080/00401706.1981.10487683.
Heinze G, Schemper M. A solution to the problem of monotone likelihood in Cox regression. Biometrics
2001;57:114-119. doi:10.1111/j.0006-341x.2001.00114.x.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from pydantic import BaseModel, ConfigDict
from scipy import stats

from haictrial.errors import InputError
from haictrial.stats.binomial import check_level
from haictrial.stats.errors import NotEstimableError
from haictrial.stats.survival import check_survival_data

#: A |log hazard ratio| above this is taken as running off to infinity (separation): no real covariate of a
#: trial multiplies the hazard by e^15 (3.3 million); lifelines stops such a fit where the likelihood flattens.
INFINITE_COEF = 15.0

#: lifelines' ConvergenceWarning texts that mean the fit failed (not its low-variance advice before the fit).
_FAILED_FIT = ("failed to converge", "separation", "non-unique")


class CoxCoefficient(BaseModel):
    """One model term: log hazard ratio, its standard error, the hazard ratio with its CI, Wald p."""

    model_config = ConfigDict(frozen=True)

    name: str
    covariate: str
    level: str | None
    coef: float
    se: float
    hr: float
    hr_ci: tuple[float, float]
    z: float
    p: float


class CoxResult(BaseModel):
    """A fitted Cox model: numbers used, coefficients, reference levels of categorical covariates."""

    model_config = ConfigDict(frozen=True)

    n: int
    events: int
    excluded_missing: int
    level: float
    ties: str
    coefficients: list[CoxCoefficient]
    references: dict[str, str]
    concordance: float
    log_likelihood: float

    def as_contract(self) -> dict[str, Any]:
        """The ``survival cox`` document (docs/contracts/stats.md)."""
        return {
            "n": self.n,
            "events": self.events,
            "excluded_missing": self.excluded_missing,
            "ties": self.ties,
            "references": self.references,
            "concordance": self.concordance,
            "coefficients": [
                {
                    "name": c.name,
                    "covariate": c.covariate,
                    "level": c.level,
                    "coef": c.coef,
                    "se": c.se,
                    "hr": c.hr,
                    "hr_ci": list(c.hr_ci),
                    "z": c.z,
                    "p": c.p,
                }
                for c in self.coefficients
            ],
        }


def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def cox_regression(
    df: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    reference: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> CoxResult:
    """Fit ``coxph(Surv(time, event) ~ covariates, ties="efron")`` and summarise it as R's ``summary``.

    ``df`` holds one row per patient; ``event`` is 1 (event) or 0 (censored). Numeric columns enter
    as they are; string columns become indicators against ``reference[column]`` (default: the first
    level in sorted order). ``p`` is the Wald test, ``hr_ci`` is ``exp(coef -/+ z * se)``, as R.

    References
    ----------
    Cox, J R Stat Soc B 1972;34:187-220. Efron, J Am Stat Assoc 1977;72:557-565.
    doi:10.1080/01621459.1977.10480613.
    """
    level = check_level(level)
    reference = dict(reference or {})
    covariates = list(covariates)
    if not covariates:
        raise InputError("give at least one covariate", field="covariate")
    for column in (time, event, *covariates):
        if column not in df.columns:
            raise InputError(f"no such column in the data (columns: {', '.join(map(str, df.columns))})", field=column)
    if len(set(covariates)) != len(covariates):
        raise InputError("a covariate is listed twice", field="covariate")
    for column in (time, event):
        if column in covariates:
            raise InputError("the time and event columns cannot also be covariates", field=column)
    for column in reference:
        if column not in covariates:
            raise InputError("a reference level is given for a column that is not a covariate", field=column)

    times = pd.to_numeric(df[time], errors="coerce")
    bad = df[time].notna() & times.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"not a number in row {row + 1} (got {df[time].iloc[row]!r})", field=time)
    t, e = check_survival_data(times.to_numpy(dtype=float), df[event].to_numpy(), time_field=time, event_field=event)

    complete = df[covariates].notna().all(axis=1).to_numpy()
    excluded = int((~complete).sum())
    data = df.loc[complete, covariates]
    t, e = t[complete], e[complete]

    columns: dict[str, np.ndarray] = {}
    terms: list[tuple[str, str | None]] = []
    references: dict[str, str] = {}
    for column in covariates:
        series = data[column]
        if _is_categorical(series):
            values = series.astype(str)
            levels = sorted(values.unique())
            ref = reference.get(column, levels[0] if levels else "")
            if ref not in levels:
                raise InputError(
                    f"reference level {ref!r} is not in the data (levels: {', '.join(levels)})", field=column
                )
            if len(levels) < 2:
                raise InputError(f"has only one level ({ref!r}): nothing to compare", field=column)
            references[column] = ref
            for value in levels:
                if value != ref:
                    columns[f"x{len(columns)}"] = (values == value).to_numpy(dtype=float)
                    terms.append((column, value))
        else:
            if column in reference:
                raise InputError("a reference level applies to a text (categorical) column only", field=column)
            x = series.to_numpy(dtype=float)
            if not np.all(np.isfinite(x)):
                raise InputError("non-finite value", field=column)
            columns[f"x{len(columns)}"] = x
            terms.append((column, None))
    for key, (column, value) in zip(columns, terms, strict=True):
        if len(np.unique(columns[key])) < 2:
            what = f"level {value!r}" if value is not None else "the column"
            raise InputError(
                f"{what} has the same value in every complete row: its effect cannot be estimated", field=column
            )
    if e.sum() == 0:
        raise NotEstimableError("no events among the complete rows: a Cox model needs events", field=event)

    frame = pd.DataFrame(columns)
    frame["__time"] = t
    frame["__event"] = e
    fitter = CoxPHFitter(penalizer=0.0, baseline_estimation_method="breslow")
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            fitter.fit(
                frame,
                duration_col="__time",
                event_col="__event",
                fit_options={"precision": 1e-12, "r_precision": 1e-14, "max_steps": 200},
            )
    except (ConvergenceError, np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise NotEstimableError(
            f"the Cox model did not converge (collinear or separating covariates?): {str(exc).splitlines()[0]}",
            field="covariate",
        ) from None
    failed = [
        str(w.message).splitlines()[0]
        for w in caught
        if issubclass(w.category, ConvergenceWarning) and any(k in str(w.message) for k in _FAILED_FIT)
    ]
    if failed:
        reason = failed[0].split(" For example")[0]
        for key, (column, value) in zip(columns, terms, strict=True):
            reason = reason.replace(f"Column {key} ", f"Column {column if value is None else f'{column}={value}'} ")
        raise NotEstimableError(f"the Cox model did not converge: {reason}", field="covariate")

    z_crit = stats.norm.ppf(1.0 - (1.0 - level) / 2.0)
    coefficients = []
    for key, (column, value) in zip(columns, terms, strict=True):
        name = column if value is None else f"{column}={value}"
        coef = float(fitter.params_[key])
        se = float(fitter.standard_errors_[key])
        if not (math.isfinite(coef) and math.isfinite(se) and se > 0):
            raise NotEstimableError(f"{name}: the coefficient or its standard error is not finite", field=column)
        if abs(coef) + z_crit * se > 700 or abs(coef) > INFINITE_COEF:
            raise NotEstimableError(
                f"{name}: the coefficient runs off to infinity (log hazard ratio {coef:.3g}): the covariate "
                "separates patients with and without events (monotone likelihood)",
                field=column,
            )
        z = coef / se
        coefficients.append(
            CoxCoefficient(
                name=name,
                covariate=column,
                level=value,
                coef=coef,
                se=se,
                hr=math.exp(coef),
                hr_ci=(math.exp(coef - z_crit * se), math.exp(coef + z_crit * se)),
                z=z,
                p=float(2.0 * stats.norm.sf(abs(z))),
            )
        )
    return CoxResult(
        n=len(t),
        events=int(e.sum()),
        excluded_missing=excluded,
        level=level,
        ties="efron",
        coefficients=coefficients,
        references=references,
        concordance=float(fitter.concordance_index_),
        log_likelihood=float(fitter.log_likelihood_),
    )
