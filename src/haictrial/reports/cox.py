"""The prespecified Cox model of overall survival: sidedness, RAS, number of liver metastases and CEA.

Covariates (complete cases; a patient with unknown RAS or no baseline CEA is left out and counted):

* ``sidedness``: right versus left primary (reference left);
* ``ras_status``: mutant versus wild type (reference wild type);
* ``lesion_count``: number of liver metastases, per additional lesion;
* ``cea_above_200``: baseline CEA above 200 ng/mL (Fong 1999 clinical risk score cut-off), 1/0.

The fit itself is :func:`haictrial.stats.cox.cox_regression` (Efron ties, as R's ``coxph``).

References
----------
Fong Y et al., Ann Surg 1999;230:309-318, doi:10.1097/00000658-199909000-00004.
Arnold D et al., Ann Oncol 2017;28:1713-1729, doi:10.1093/annonc/mdx175 (sidedness).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from haictrial.errors import DomainError
from haictrial.reports.baseline import CEA_HIGH_NG_ML
from haictrial.reports.i18n import _
from haictrial.stats.cox import cox_regression

COVARIATES = ("sidedness", "ras_status", "lesion_count", "cea_above_200")
REFERENCES = {"sidedness": "left", "ras_status": "wild_type"}


def cox_model(adsl: pd.DataFrame, adtte: pd.DataFrame) -> dict[str, Any]:
    """The OS Cox model; ``coefficients`` null with a ``note`` when the data cannot support it (no events,
    one level, a coefficient running off to infinity under separation, no convergence)."""
    os_ = adtte[adtte["endpoint"] == "OS"][["subject_id", "time_days", "event"]]
    data = adsl.merge(os_, on="subject_id")
    frame = pd.DataFrame(
        {
            "time_days": data["time_days"].astype(float),
            "event": data["event"].astype(int),
            "sidedness": data["sidedness"].astype("object"),
            "ras_status": data["ras_status"].astype("object").where(data["ras_status"] != "unknown"),
            "lesion_count": data["lesion_count"].astype(float),
            "cea_above_200": (data["cea_ng_ml"] > CEA_HIGH_NG_ML).astype(float).where(data["cea_ng_ml"].notna()),
        }
    )
    recorded = [c for c in COVARIATES if frame[c].notna().any()]
    references = {k: v for k, v in REFERENCES.items() if k in recorded}
    base: dict[str, Any] = {
        "endpoint": "OS",
        "covariates": recorded,
        "not_recorded": [c for c in COVARIATES if c not in recorded],
        "references": references,
    }
    base |= {"n": None, "events": None, "coefficients": None}
    if frame.empty:
        return base | {"note": _("no enrolled patient")}
    if not recorded:
        return base | {"note": _("no prespecified factor is recorded")}
    try:
        fit = cox_regression(frame, "time_days", "event", recorded, reference=references)
    except DomainError as exc:  # NotEstimableError: separation, no events, no convergence
        return base | {"note": _("not estimable: {reason}").format(reason=exc)}
    return base | {
        "n": fit.n,
        "events": fit.events,
        "excluded_missing": fit.excluded_missing,
        "ties": fit.ties,
        "concordance": fit.concordance,
        "coefficients": [
            {"name": c.name, "coef": c.coef, "se": c.se, "hr": c.hr, "hr_ci": list(c.hr_ci), "p": c.p}
            for c in fit.coefficients
        ],
    }


def cox_table(result: dict[str, Any]) -> pd.DataFrame:
    """Hazard ratios with 95 % CI and Wald p, or the reason the model was not fitted."""
    columns = [_("Term"), _("Hazard ratio"), _("95 % CI"), "p"]
    if not result.get("coefficients"):
        return pd.DataFrame([[_("Model not fitted"), result.get("note", ""), "", ""]], columns=columns)
    rows = [
        [c["name"], f"{c['hr']:.2f}", f"{c['hr_ci'][0]:.2f}-{c['hr_ci'][1]:.2f}", f"{c['p']:.3g}"]
        for c in result["coefficients"]
    ]
    return pd.DataFrame(rows, columns=columns)
