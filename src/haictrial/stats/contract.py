"""Plain JSON values for the statistics results' ``as_contract()`` documents (docs/contracts/stats.md).

Rounding here is for the published document only; every result keeps its full-precision fields.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def rounded(value: float | None, digits: int) -> float | None:
    """``value`` rounded to ``digits`` places; None (R's NA) and NaN stay null."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def time_value(value: float | None) -> float | int | None:
    """A time as read: whole numbers print as integers (310, not 310.0); None and NaN stay null."""
    if value is None or math.isnan(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def plain(value: Any) -> Any:
    """numpy scalars (group labels read by pandas) as Python values."""
    return value.item() if isinstance(value, np.generic) else value
