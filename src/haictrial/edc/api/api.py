"""The NinjaAPI instance: token auth on every call but ``POST /api/auth/token``; errors mapped once."""

from __future__ import annotations

from ninja import NinjaAPI

from haictrial import __version__
from haictrial.edc.api import errors, openapi
from haictrial.edc.api.auth import BearerToken
from haictrial.edc.api.routers import auth, crfs, dm, exports, operations, prescreen, reports, screenings, subjects

api = NinjaAPI(
    title="haictrial EDC API",
    version=__version__,
    description="CHALLENGE-A1 (NCT06988852) EDC: screening, enrolment, subjects, plans and audit trail "
    "(docs/contracts/server.md). Authenticate with POST /api/auth/token, then send Authorization: Bearer TOKEN.",
    auth=BearerToken(),
    urls_namespace="api",
)
errors.install(api)
openapi.install(api)  # declare 400/422/401 and the form and site formats
api.add_router("/auth", auth.router)
api.add_router("/screenings", screenings.router)
api.add_router("/subjects", subjects.router)
api.add_router("/subjects", crfs.router)
api.add_router("/subjects", dm.casebook_router)
api.add_router("/queries", dm.queries_router)
api.add_router("/dm", dm.dm_router)
api.add_router("/reports", reports.router)
api.add_router("/exports", exports.router)
api.add_router("/prescreen", prescreen.router)
api.add_router("/", operations.router)  # deviations, safety/sae, status-grid
