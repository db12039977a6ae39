"""Small shared pieces of the report: time units and the summary of a numeric column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


def describe(values: pd.Series) -> dict[str, Any]:
    """n (known values), missing, median, quartiles (numpy's linear interpolation, as R's type 7), min, max."""
    known = values.dropna().astype(float)
    missing = int(values.isna().sum())
    if known.empty:
        return {"n": 0, "missing": missing, "median": None, "q1": None, "q3": None, "min": None, "max": None}
    q1, median, q3 = np.percentile(known, [25, 50, 75])
    return {
        "n": int(known.size),
        "missing": missing,
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(known.min()),
        "max": float(known.max()),
    }
