"""``POST /redcap/api/``: the read-only REDCap API subset (docs/contracts/interop.md, "REDCap API subset").

Form-encoded ``token``, ``content`` and ``format`` (json or csv), as REDCap takes them. ``content``:
``metadata`` (the data dictionary; ``fields[]``, ``forms[]``), ``project``, ``instrument``, ``event``,
``formEventMapping``, ``record`` (flat export; ``records[]``, ``fields[]``, ``forms[]``) and ``version``.

The token is a REDCap-format token of a user (``POST /api/auth/token`` with ``"format": "redcap"``), valid
only here; the caller reads what that user may read elsewhere: their own sites' subjects (every site for
the statistician) and the birth date only where :func:`~haictrial.edc.accounts.access.can_see_identifiers`
allows it. Errors are ``{"error", "detail", "field"}`` with a 4xx status: REDCap clients look for ``error``.

References
----------
REDCap API documentation (Export Metadata, Export Project Information, Export Instruments, Export Events,
Export Instrument-Event Mappings, Export Records, Export REDCap Version).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from haictrial import __version__
from haictrial.edc.accounts import access
from haictrial.edc.accounts.services import user_for_token
from haictrial.errors import DomainError

#: The REDCap API version whose export methods this subset answers like.
REDCAP_API_VERSION = "14.0.0"
CONTENTS = ("metadata", "project", "instrument", "event", "formEventMapping", "record", "version")
WRITE_ACTIONS = ("import", "delete", "rename", "switch")


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _error(status: int, message: str, field: str | None) -> JsonResponse:
    return JsonResponse({"error": message, "detail": message, "field": field}, status=status)


def _listed(request: HttpRequest, name: str) -> list[str]:
    """A REDCap array parameter: ``name[0]=a&name[1]=b``, ``name[]=a`` or ``name=a,b``."""
    values = [v for key, vs in request.POST.lists() if key == f"{name}[]" or key.startswith(f"{name}[") for v in vs]
    if not values and request.POST.get(name):
        values = request.POST[name].split(",")
    return [v.strip() for v in values if v.strip()]


def _table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    columns = columns or (list(rows[0]) if rows else [])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


def _respond(fmt: str, rows: Any, columns: list[str] | None = None) -> HttpResponse:
    if fmt == "csv":
        table = rows if isinstance(rows, list) else [rows]
        return HttpResponse(_table(table, columns), content_type="text/csv; charset=utf-8")
    return HttpResponse(json.dumps(rows, ensure_ascii=False), content_type="application/json")


@csrf_exempt
def redcap_api(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "the REDCap API takes POST requests (form-encoded)", "method")
    try:
        return _answer(request)
    except ApiError as exc:
        return _error(exc.status, exc.message, exc.field)
    except DomainError as exc:
        return _error(400, exc.message, exc.field)


def _answer(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    user = user_for_token(token, kind="redcap") if len(token) == 32 else None
    if user is None or not access.can(user, access.Capability.read):
        raise ApiError(403, "You do not have permissions to use the API", "token")
    content = request.POST.get("content", "")
    if content not in CONTENTS:
        raise ApiError(400, f"content {content!r} is not offered: choose one of {', '.join(CONTENTS)}", "content")
    if request.POST.get("action", "export") in WRITE_ACTIONS or "data" in request.POST:
        raise ApiError(400, "this REDCap API is read only: exports only", "action")
    if content == "version":
        return HttpResponse(REDCAP_API_VERSION, content_type="text/plain")
    fmt = request.POST.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, f"format {fmt!r} is not offered: use json or csv", "format")
    return HANDLERS[content](request, user, fmt)


def _metadata(request: HttpRequest, user: Any, fmt: str) -> HttpResponse:
    from haictrial.interop.redcap.dictionary import API_KEYS, fields

    dictionary = fields()
    wanted, forms = set(_listed(request, "fields")), set(_listed(request, "forms"))
    _check_names(dictionary, wanted, forms)
    rows = [f.values for f in dictionary if not (wanted or forms) or f.name in wanted or f.values["form_name"] in forms]
    return _respond(fmt, rows, list(API_KEYS))


def _check_names(dictionary: list[Any], wanted: set[str], forms: set[str]) -> None:
    instruments = {f.values["form_name"] for f in dictionary}
    names = {f.name for f in dictionary} | {f"{i}_complete" for i in instruments}
    unknown = sorted(wanted - names)
    if unknown:
        raise ApiError(
            400, f'The following values in the parameter "fields" are not valid: {", ".join(unknown)}', "fields"
        )
    unknown = sorted(forms - instruments)
    if unknown:
        raise ApiError(
            400, f'The following values in the parameter "forms" are not valid: {", ".join(unknown)}', "forms"
        )


def _project(request: HttpRequest, user: Any, fmt: str) -> HttpResponse:
    from haictrial.edc.trial import protocol

    trial = protocol()
    info = {
        "project_id": trial.registry.nct_id,
        "project_title": f"{trial.protocol_id} ({trial.registry.nct_id}): {trial.registry.brief_title}",
        "creation_time": trial.registry.start_date.isoformat() + " 00:00:00",
        "production_status": "production",
        "in_production": 1,
        "project_language": "English",
        "purpose": 2,
        "purpose_other": "",
        "project_notes": f"haictrial {__version__}, protocol version {trial.version}; read-only REDCap API subset",
        "is_longitudinal": 1,
        "has_repeating_instruments_or_events": 1,
        "surveys_enabled": 0,
        "scheduling_enabled": 0,
        "record_autonumbering_enabled": 0,
        "randomization_enabled": 0,
        "display_today_now_button": 1,
        "missing_data_codes": "",
        "external_modules": "",
        "bypass_branching_erase_field_prompt": 0,
    }
    return _respond(fmt, info)


def _instrument(request: HttpRequest, user: Any, fmt: str) -> HttpResponse:
    from haictrial.interop.odm.ecrf import ecrf_forms
    from haictrial.interop.redcap.dictionary import instrument_label, instrument_name

    rows = [
        {"instrument_name": instrument_name(g), "instrument_label": instrument_label(f, g)}
        for f in ecrf_forms()
        for g in f.groups
    ]
    return _respond(fmt, rows, ["instrument_name", "instrument_label"])


def _event(request: HttpRequest, user: Any, fmt: str) -> HttpResponse:
    from haictrial.edc.trial import protocol
    from haictrial.interop.redcap.records import events

    rows = events(protocol())
    return _respond(fmt, rows, list(rows[0]) if rows else None)


def _form_event_mapping(request: HttpRequest, user: Any, fmt: str) -> HttpResponse:
    from haictrial.edc.trial import protocol
    from haictrial.interop.redcap.records import form_event_mapping

    return _respond(fmt, form_event_mapping(protocol()), ["arm_num", "unique_event_name", "form"])


def _record(request: HttpRequest, user: Any, fmt: str) -> HttpResponse:
    from haictrial.edc.trial import protocol
    from haictrial.interop.odm.ecrf import ecrf_forms
    from haictrial.interop.odm.source import read_database
    from haictrial.interop.redcap.dictionary import fields
    from haictrial.interop.redcap.records import export_columns, record_rows, select

    if request.POST.get("type", "flat") != "flat":
        raise ApiError(400, "only the flat record type is offered", "type")
    forms = ecrf_forms()
    dictionary = fields(forms)
    wanted, instruments = _listed(request, "fields"), _listed(request, "forms")
    _check_names(dictionary, set(wanted), set(instruments))
    rows = record_rows(read_database(user), protocol(), forms)
    chosen, columns = select(
        rows, export_columns(dictionary), dictionary, _listed(request, "records") or None, wanted, instruments
    )
    return _respond(fmt, chosen, columns)


HANDLERS = {
    "metadata": _metadata,
    "project": _project,
    "instrument": _instrument,
    "event": _event,
    "formEventMapping": _form_event_mapping,
    "record": _record,
}
