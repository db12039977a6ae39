"""Translation of the report's user-facing strings.

Every heading, label and sentence of the report goes through :func:`gettext` (``_``). Inside the
web app (Django configured, a language activated per user) that is Django's gettext, so the report
comes out in the user's language (English or Simplified Chinese); on the command line without Django
settings the strings stay English. Clinical codes (CTCAE terms, RECIST codes, drug names) are data
and are never translated.
"""

from __future__ import annotations


def gettext(message: str) -> str:
    """``message`` in the active language (Django's catalogue), or as written without Django."""
    try:
        from django.conf import settings

        if not settings.configured:
            return message
        from django.utils.translation import gettext as django_gettext
    except ImportError:  # pragma: no cover - Django is a dependency
        return message
    return str(django_gettext(message))


_ = gettext

__all__ = ["gettext", "_"]
