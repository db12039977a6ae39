"""Data management: queries (monitors open and close, coordinators answer), source data verification,
the investigator's e-signature of a casebook and the unlocking of a signed form, counts per site."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from haictrial.edc.api.schemas import responses
from haictrial.edc.crfs import services as crfs
from haictrial.edc.dm import services as dm
from haictrial.edc.dm.models import QueryStatus
from haictrial.edc.subjects import services as subjects

queries_router = Router(tags=["queries"])
dm_router = Router(tags=["data management"])
casebook_router = Router(tags=["data management"])


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class QueryOut(_Open):
    query_id: int
    subject_id: str
    form: str
    field: str
    status: str
    message: str


class QueryIn(Schema):
    """A monitor's query on one field of one record (``field``: path in the payload)."""

    subject_id: str
    form: str
    record_id: int
    field: str = Field(min_length=1, max_length=300)
    message: str = Field(min_length=1, max_length=2000)


class AnswerIn(Schema):
    answer: str = Field(min_length=1, max_length=2000)


class CloseIn(Schema):
    note: str = Field("", max_length=2000)


class VersionIn(Schema):
    version: int = Field(ge=1)


class UnlockIn(Schema):
    version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)


class SignIn(Schema):
    """Re-enter your password: the signature means what ``GET .../signature-meaning`` says."""

    password: str = Field(min_length=1, max_length=500)


class SignatureOut(_Open):
    signature_id: int
    subject_id: str
    signer: str
    signed_at: str
    meaning: str
    records: list[dict[str, Any]]


class SiteSummaryOut(_Open):
    site: str
    open: int
    answered: int
    closed: int


@queries_router.get("", response=responses(list[QueryOut]))
def list_queries(
    request: HttpRequest, status: str | None = None, subject_id: str | None = None, site: str | None = None
):
    """Queries of the caller's sites, newest first (filter by status, subject, site code)."""
    rows = dm.queries_for(request.user)
    if status in QueryStatus.values:
        rows = rows.filter(status=status)
    if subject_id:
        rows = rows.filter(subject__subject_id=subject_id)
    if site:
        rows = rows.filter(subject__site__code=site)
    return [dm.query_contract(q) for q in rows[:1000]]


@queries_router.post("", response=responses(QueryOut, 201))
def open_query(request: HttpRequest, body: QueryIn):
    record = crfs.record_for(request.user, body.subject_id, body.form, body.record_id)
    return Status(201, dm.query_contract(dm.open_query(request.user, record, body.field, body.message)))


@queries_router.get("/{query_id}", response=responses(QueryOut))
def get_query(request: HttpRequest, query_id: int):
    return dm.query_contract(dm.query_for(request.user, query_id))


@queries_router.post("/{query_id}/answer", response=responses(QueryOut))
def answer_query(request: HttpRequest, query_id: int, body: AnswerIn):
    return dm.query_contract(dm.answer_query(request.user, query_id, body.answer))


@queries_router.post("/{query_id}/close", response=responses(QueryOut))
def close_query(request: HttpRequest, query_id: int, body: CloseIn):
    return dm.query_contract(dm.close_query(request.user, query_id, body.note))


@dm_router.get("/summary", response=responses(list[SiteSummaryOut]))
def summary(request: HttpRequest):
    """Per site: queries open / answered / closed, records, verified and locked records."""
    return dm.site_summary(request.user)


@casebook_router.post("/{subject_id}/forms/{form}/{record_id}/verify", response=responses(dict[str, Any]))
def verify(request: HttpRequest, subject_id: str, form: str, record_id: int, body: VersionIn):
    """Source data verified (monitor); any later change of the payload resets it."""
    record = crfs.record_for(request.user, subject_id, form, record_id)
    return crfs.record_contract(request.user, dm.verify_record(request.user, record, body.version))


@casebook_router.post("/{subject_id}/forms/{form}/{record_id}/unlock", response=responses(dict[str, Any]))
def unlock(request: HttpRequest, subject_id: str, form: str, record_id: int, body: UnlockIn):
    """Unlock a signed form so it can be corrected (investigator); the reason is in the audit trail."""
    record = crfs.record_for(request.user, subject_id, form, record_id)
    return crfs.record_contract(request.user, dm.unlock_record(request.user, record, body.version, body.reason))


@casebook_router.get("/{subject_id}/signature-meaning", response=responses(dict[str, str]))
def signature_meaning(request: HttpRequest, subject_id: str):
    subject = subjects.subject_for(request.user, subject_id)
    return {"meaning": dm.signature_meaning(subject)}


@casebook_router.post("/{subject_id}/sign", response=responses(SignatureOut, 201))
def sign(request: HttpRequest, subject_id: str, body: SignIn):
    """The investigator signs the casebook (password re-entered); every form is locked."""
    signature = dm.sign_casebook(request.user, subject_id, body.password, request)
    return Status(201, dm.signature_contract(signature))


@casebook_router.get("/{subject_id}/signatures", response=responses(list[SignatureOut]))
def signatures(request: HttpRequest, subject_id: str):
    subject = subjects.subject_for(request.user, subject_id)
    return [dm.signature_contract(s) for s in subject.signatures.select_related("signer", "subject")]
