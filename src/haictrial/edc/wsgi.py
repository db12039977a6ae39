"""WSGI entry point (gunicorn: ``haictrial.edc.wsgi:application``)."""

from __future__ import annotations

from django.core.wsgi import get_wsgi_application

from haictrial.edc import setup

setup()
application = get_wsgi_application()
