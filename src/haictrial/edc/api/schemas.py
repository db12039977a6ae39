"""Request and response schemas of the API (field names as in the contracts; extra fields allowed out)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from haictrial.clinical.patient import Patient
from haictrial.edc.subjects.consent import ConsentIn
from haictrial.edc.subjects.services import IdentifiersIn
from haictrial.edc.validation import no_nul


class ErrorOut(Schema):
    """Every error: what is wrong, and the field (dotted path) when one field is the cause."""

    detail: str
    field: str | None = None


class TokenIn(Schema):
    username: Annotated[str, AfterValidator(no_nul)] = Field(max_length=150)
    password: Annotated[str, AfterValidator(no_nul)] = Field(max_length=4096)
    format: Literal["bearer", "redcap"] = Field(
        "bearer", description="redcap: a REDCap-format token, valid only for the read-only REDCap API /redcap/api/"
    )


class TokenOut(Schema):
    token: str


class EnrolmentIn(Schema):
    """An enrolment: the informed consent record (required; docs/contracts/server.md)."""

    consent: ConsentIn | None = Field(None, description="{signed_on, icf_version, obtained_by}; required.")


class ScreeningAmendmentIn(Schema):
    """An amendment of a screening: a JSON Merge Patch (RFC 7396) of the patient document, and why."""

    changes: dict[str, Any] = Field(description="Part of a patient document; null removes a key, lists replace.")
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), AfterValidator(no_nul)
    ]
    version: int | None = Field(None, ge=1, description="The screening version you read (409 if it moved on).")


class ScreeningIn(Patient):
    """A patient document (docs/contracts/screen.md) plus the screening ``site`` and optional direct identifiers.

    ``birth_date`` and ``identifiers`` are stored apart and shown only to staff of the site.
    """

    site: str = Field(description="Three-digit code of the screening site (one of the caller's sites).")
    identifiers: IdentifiersIn | None = None


class _Open(BaseModel):
    """An output document: the named fields are guaranteed, extra fields pass through."""

    model_config = ConfigDict(extra="allow")


class CriterionOut(_Open):
    id: str
    kind: str
    status: str
    reason: str


class ScreenOut(_Open):
    """The ``haictrial screen`` output (docs/contracts/screen.md) plus ``screening_id``."""

    screening_id: int
    subject_id: str | None = None
    eligible: bool | None
    criteria: list[CriterionOut]
    child_pugh: dict[str, Any] | None
    missing: list[str]
    possible_duplicates: list[dict[str, Any]] = []


class ScreeningLogOut(_Open):
    screening_id: int
    site: str
    screening_date: str | None
    eligible: bool | None
    failed_criteria: list[str]
    missing: list[str]
    subject_id: str | None
    status: str


class SubjectOut(_Open):
    subject_id: str
    site: str
    status: str


class PlanOut(_Open):
    """The ``haictrial plan`` output (docs/contracts/plan.md)."""

    subject_id: str | None
    cycle: int
    cycle_length_days: int
    bsa_m2: float
    targeted_agent: str | None
    targeted_agent_reason: str
    administrations: list[dict[str, Any]]


class VisitOut(_Open):
    kind: str
    label: str
    cycle: int
    date: str
    window_start: str
    window_end: str


class AuditEntryOut(_Open):
    seq: int
    recorded_at: str
    user: str
    action: str
    model: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    reason: str
    hash: str


#: Error responses declared on every operation (so OpenAPI documents them, 422 included).
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    return {status: ok, **ERRORS}
