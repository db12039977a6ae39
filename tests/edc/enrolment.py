"""The body of an enrolment: the informed consent record the contract requires (docs/contracts/server.md,
"Enrolment"; ICH E6(R2) 4.8.8: signed and dated before participation, on an approved ICF version)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def consent_record(signed_on: dt.date | None = None, **changes: Any) -> dict[str, Any]:
    """Signed today in the site's time zone on ICF version 1.0 (protocol ``settings.consent.icf_versions``)."""
    record = {
        "signed_on": (signed_on or timezone.localdate()).isoformat(),
        "icf_version": "1.0",
        "obtained_by": "Dr Li Wei",
    }
    record.update(changes)
    return record


def consent_body(**changes: Any) -> dict[str, Any]:
    return {"consent": consent_record(**changes)}
