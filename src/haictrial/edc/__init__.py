"""The EDC: a Django project inside the package (sites, users, screening, subjects, audit, API, pages).

Apps, one per concern: ``accounts`` (sites, users, roles, API tokens, the site-isolation layer),
``subjects`` (screening, enrolment, subject record), ``audit`` (history and its hash chain),
``api`` (django-ninja) and ``web`` (pages). Each app's ``services.py`` is the only place that
converts ORM objects to the core's pydantic models and back.
"""

from __future__ import annotations

import os

SETTINGS_MODULE = "haictrial.edc.settings"


def setup() -> None:
    """Configure Django with the EDC settings (idempotent); used by the CLI and the WSGI entry point."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
