"""The EDC users and the two-site trial of interop_fixtures.py."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "redcap_interop_fixtures", Path(__file__).parents[1] / "odm" / "interop_fixtures.py"
)
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

_fast_password_hasher = _fixtures.edc._fast_password_hasher
sites = _fixtures.edc.sites
users = _fixtures.edc.users
patient = _fixtures.edc.patient
api = _fixtures.edc.api
trial = _fixtures.trial
