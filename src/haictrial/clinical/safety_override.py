"""The investigator's override of a safety stop, as recorded on the HAIC cycle and targeted-agent eCRFs.

A cycle or drug given while the plan for that cycle delays or holds it is refused
(:mod:`haictrial.clinical.safety_stops`) unless the payload carries this override: the investigator's
reason, and (filled in by the EDC, never by the client) who recorded it and when. The override stays in
the stored payload, so a later protocol-deviation check finds every such cycle.
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from haictrial.clinical.crf_base import CrfModel, ShortText, Text


class SafetyOverride(CrfModel):
    """Given although the plan said delay or hold: why, and which investigator decided it."""

    reason: Text = Field(description="Why the cycle or drug was given although the plan delayed or held it.")
    investigator: ShortText | None = Field(None, description="Set by the EDC: the investigator's user name.")
    recorded_at: AwareDatetime | None = Field(None, description="Set by the EDC: when the override was recorded.")


__all__ = ["SafetyOverride"]
