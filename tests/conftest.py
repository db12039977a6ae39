"""Django wiring for pytest-django: the EDC settings, a test secret key and a throwaway data directory.

Set before pytest-django loads the settings. ``DATABASE_URL`` is left as given: unset, the tests run on
SQLite; the PostgreSQL suite (tests/edc/test_postgres.py) re-runs the multi-site tests with it set.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haictrial.edc.settings")
os.environ.setdefault("HAICTRIAL_SECRET_KEY", "test-only-secret-key-0123456789abcdef")
os.environ.setdefault("HAICTRIAL_AUDIT_KEY", "test-only-audit-key-0123456789abcdef")
_data_dir = tempfile.mkdtemp(prefix="haictrial-test-data-")
os.environ["HAICTRIAL_DATA_DIR"] = _data_dir
atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)

import django  # noqa: E402 - after the environment above

django.setup()  # pytest-django loads the settings before this file; the apps are set up here


import pytest  # noqa: E402
from django.utils import translation  # noqa: E402


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """A page test activates its user's language for the thread (as each request does in production);
    switch it off afterwards so that a later in-process test starts from the environment's language."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _own_audit_anchor_file(settings, tmp_path_factory):
    """Each test its own anchor file: the database is emptied between tests, the anchors must be too."""
    settings.HAICTRIAL_AUDIT_ANCHOR_FILE = str(tmp_path_factory.mktemp("anchors") / "audit-anchors.jsonl")
