"""Informed consent at enrolment (docs/contracts/server.md, "Enrolment: consent, ...").

References: ICH E6(R2) 4.8.8 (written informed consent, signed and personally dated, before participation)
and 4.8.1 (the consent form approved by the ethics committee; protocol ``settings.consent.icf_versions``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from haictrial.edc.subjects.models import Consent
from haictrial.edc.validation import no_nul
from haictrial.errors import UnprocessableError
from haictrial.protocol.schema import Protocol

#: The earliest date any date of the EDC may be (docs/contracts/server.md: before 1900-01-01 is refused).
EARLIEST_DATE = dt.date(1900, 1, 1)

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(no_nul)]


class ConsentIn(BaseModel):
    """The consent record sent with an enrolment: ``{"signed_on", "icf_version", "obtained_by"}``."""

    model_config = ConfigDict(extra="forbid")

    signed_on: dt.date = Field(description="Date the patient signed the informed consent form (YYYY-MM-DD).")
    icf_version: Annotated[_Text, Field(max_length=20)] = Field(
        description="Version of the signed form; one of the protocol's settings.consent.icf_versions."
    )
    obtained_by: Annotated[_Text, Field(max_length=200)] = Field(description="Who obtained the consent.")


def check_consent(consent: ConsentIn, protocol: Protocol, *, today: dt.date, enrolment_date: dt.date) -> None:
    """Raise :class:`UnprocessableError` naming ``consent.signed_on`` (after today or the enrolment, or
    before 1900) or ``consent.icf_version`` (not an approved version)."""
    if consent.signed_on > today:
        raise UnprocessableError(
            _("is after today (%(today)s, site time zone)") % {"today": today.isoformat()}, field="consent.signed_on"
        )
    if consent.signed_on > enrolment_date:
        raise UnprocessableError(
            _("is after the enrolment (%(date)s): consent comes first") % {"date": enrolment_date.isoformat()},
            field="consent.signed_on",
        )
    if consent.signed_on < EARLIEST_DATE:
        raise UnprocessableError(_("is before 1900-01-01"), field="consent.signed_on")
    approved = protocol.settings.consent.icf_versions.value
    if consent.icf_version not in approved:
        raise UnprocessableError(
            _("%(version)r is not an approved ICF version (approved: %(approved)s)")
            % {"version": consent.icf_version, "approved": ", ".join(approved)},
            field="consent.icf_version",
        )


def consent_contract(consent: Consent | None) -> dict[str, Any] | None:
    if consent is None:
        return None
    return {
        "signed_on": consent.signed_on.isoformat(),
        "icf_version": consent.icf_version,
        "obtained_by": consent.obtained_by,
    }
