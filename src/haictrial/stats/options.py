"""Option enums of the statistics (no numerical imports, so the CLI can build its options cheaply)."""

from __future__ import annotations

from enum import StrEnum


class IntervalMethod(StrEnum):
    """How a binomial confidence interval is computed."""

    clopper_pearson = "clopper-pearson"
    wilson = "wilson"


class ConfType(StrEnum):
    """Confidence band of the survival curve, as R ``survfit(conf.type=...)``."""

    log = "log"
    log_log = "log-log"
    plain = "plain"
