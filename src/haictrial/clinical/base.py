"""Base models of the clinical core: one definition of "strict" for every document the core reads.

- :class:`StrictModel`: unknown fields are errors (a misspelt field must not be silently ignored) and
  values are frozen once validated.
- :class:`MeasurementModel`: also refuses NaN and Infinity, which Python's JSON reader accepts but which
  are never a measurement.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MeasurementModel(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
