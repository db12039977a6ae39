"""The user's language for every user-facing string of the CLI tables and the reports.

The product ships English and Simplified Chinese (``zh-Hans``). Strings go through :func:`gettext`
(``_``), which picks the language in this order:

1. Inside the web app, the language Django has activated for the user (LocaleMiddleware, or
   ``translation.override``); Django reads the same catalogue through ``LOCALE_PATHS``.
2. Otherwise (the command line, or Django configured but no language active), the process language:
   the environment variable ``HAICTRIAL_LANG`` (``en`` or ``zh-Hans``); unset, ``zh-Hans`` when the
   first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set starts with ``zh``, else English.

The catalogue is ``haictrial/locale/zh_Hans/LC_MESSAGES/django.po`` (and its compiled ``.mo``),
read with Python's :mod:`gettext`, so the CLI needs no Django settings. ``scripts/extract-messages``
refreshes it from the sources and ``scripts/compile-messages`` compiles it (:mod:`haictrial.catalogue`).

Clinical codes (CTCAE terms, RECIST codes, drug names) are data, never translated; neither are JSON
keys or values. The screening engine's reasons are stored in English with their templates and
parameters (:mod:`haictrial.clinical.messages`); :func:`render_reason` shows them in the current
language, and falls back to the stored English reason when they cannot be rendered. The planning
engine's reasons (targeted agent, dose modifications, delay) are rendered the same way by
:func:`render_parts` from their ``*_parts``.
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from haictrial.errors import DomainError, InputError

#: The languages the product ships, as BCP 47 tags (also the HTML ``lang`` values).
ENGLISH = "en"
CHINESE = "zh-Hans"
LANGUAGES = (ENGLISH, CHINESE)
#: Where the catalogues live, and their gettext domain (Django's, so the web app reads them too).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "django"
#: The variable that chooses the CLI's language.
LANGUAGE_VARIABLE = "HAICTRIAL_LANG"
#: Locale variables read, first set wins, when HAICTRIAL_LANG is unset (POSIX precedence).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_CHINESE_ALIASES = {"zh", "zh-hans", "zh-cn", "zh-sg"}


def to_locale(language: str) -> str:
    """The catalogue directory name of a language tag: ``zh-Hans`` -> ``zh_Hans``."""
    return language.replace("-", "_")


def parse_language(value: str, field: str = LANGUAGE_VARIABLE) -> str:
    """``en`` or ``zh-Hans`` for a language a user wrote, or :class:`InputError` naming ``field``.

    Case and ``-``/``_`` do not matter, nor an encoding suffix (``zh_CN.UTF-8``); ``zh``, ``zh-CN`` and
    ``zh-SG`` mean Simplified Chinese, ``en-*`` English. Anything else (``zh-TW``, ``fr``) is an error:
    the product ships no other language.
    """
    tag = value.strip().split(".", 1)[0].split("@", 1)[0].replace("_", "-").lower()
    if tag == "en" or tag.startswith("en-"):
        return ENGLISH
    if tag in _CHINESE_ALIASES or tag.startswith("zh-hans-"):
        return CHINESE
    raise InputError(f"unsupported language {value!r} (use en or zh-Hans)", field=field)


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """The process language from the environment (see the module docstring).

    Raises :class:`InputError` (field ``HAICTRIAL_LANG``) for an explicit unsupported value; the
    CLI calls this first, so that the user gets one line and exit code 2.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(LANGUAGE_VARIABLE, "").strip()
    if explicit:
        return parse_language(explicit)
    for name in LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return CHINESE if value.lower().startswith("zh") else ENGLISH
    return ENGLISH


def _process_language() -> str:
    """:func:`cli_language`, or English for an invalid HAICTRIAL_LANG (the CLI reports that; library use never fails)."""
    try:
        return cli_language()
    except InputError:
        return ENGLISH


@cache
def translation(language: str) -> _gettext.NullTranslations:
    """The catalogue of ``language`` (English: the identity)."""
    if language == ENGLISH:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[to_locale(language)], fallback=True)


def _django_language() -> str | None:
    """The language Django has activated in this thread, or None (Django not configured, or nothing active)."""
    conf = sys.modules.get("django.conf")  # never import Django here: the CLI starts without it
    if conf is None or not conf.settings.configured:
        return None
    from django.utils.translation import trans_real

    active = getattr(trans_real._active, "value", None)
    if active is None:
        return None
    return str(trans_real.get_language() or ENGLISH)


def current_language() -> str:
    """``en`` or ``zh-Hans``: the language :func:`gettext` translates into right now."""
    django_language = _django_language()
    if django_language is not None:
        return CHINESE if django_language.lower().startswith("zh") else ENGLISH
    return _process_language()


def gettext(message: str) -> str:
    """``message`` in the current language (:func:`current_language`), or as written if untranslated."""
    if _django_language() is not None:
        from django.utils.translation import gettext as django_gettext

        return str(django_gettext(message))
    return translation(_process_language()).gettext(message)


_ = gettext

#: How the parts of a rendered reason, and the terms of a ``*_terms`` parameter, are joined per language.
_PART_SEPARATORS = {ENGLISH: "; ", CHINESE: "；"}
_TERM_SEPARATORS = {ENGLISH: ", ", CHINESE: "、"}


def _render_params(params: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The parameters to format a translated template with: ``*_term(s)`` vocabulary translated, data as is."""
    out = dict(params)
    for name, value in params.items():
        if name.endswith("_term") and isinstance(value, str):
            out[name] = gettext(value)
        elif name.endswith("_terms") and isinstance(value, str):
            out[name] = _TERM_SEPARATORS[language].join(gettext(t) for t in value.split(", "))
        elif name.endswith("_parts") and isinstance(value, list):  # a nested reason (messages.parts_param)
            out[name] = _render_nested(value, language)
    return out


def _render_nested(parts: Sequence[Any], language: str) -> str:
    """A ``*_parts`` parameter in ``language``; raises like :func:`render_parts` catches when it cannot be rendered."""
    texts = []
    for p in parts:
        template, params = (p["template"], p.get("params")) if isinstance(p, Mapping) else (p.template, p.params)
        texts.append(gettext(template).format(**_render_params(params or {}, language)))
    return _PART_SEPARATORS[language].join(texts)


def render_parts(parts: Sequence[Any] | None, english: str) -> str:
    """Translatable reason ``parts`` (``{template, params}`` mappings or :class:`ReasonPart`) in the current language.

    Used for every engine's reasons (screening criteria, the targeted agent, dose modifications).
    Falls back to the stored ``english`` text when there are no parts (a document stored before they
    existed) or when a template or its params cannot be rendered (a placeholder missing).
    """
    if not parts:
        return english
    try:
        return _render_nested(parts, current_language())
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return english


def render_reason(criterion: Mapping[str, Any]) -> str:
    """A screening criterion's reason (a stored ``criteria[]`` entry) in the current language.

    Translates each of its ``reason_parts`` (or its one ``reason_template``) and formats it with its
    params. Falls back to the stored English ``reason`` for an older criterion stored without
    templates, or when a template or its params cannot be rendered (a placeholder missing).
    """
    english = str(criterion.get("reason", ""))
    parts = criterion.get("reason_parts")
    if not parts:
        if not criterion.get("reason_template"):
            return english
        parts = [{"template": criterion["reason_template"], "params": criterion.get("reason_params") or {}}]
    return render_parts(parts, english)


def render_error(exc: DomainError) -> str:
    """A core error's message (without its field) in the current language.

    Formats the translated ``exc.template`` with ``exc.params`` (vocabulary parameters translated as in
    :func:`render_parts`); falls back to the English ``exc.message`` for an error raised without a
    template, or when the template or its params cannot be rendered (a placeholder missing).
    """
    if not exc.template:
        return exc.message
    return render_parts([{"template": exc.template, "params": exc.params}], exc.message)


def render_error_line(exc: DomainError) -> str:
    """:func:`render_error` with the ``field: `` prefix of ``str(exc)`` (the field path is data, never translated)."""
    message = render_error(exc)
    return f"{exc.field}: {message}" if exc.field else message


__all__ = [
    "CHINESE",
    "ENGLISH",
    "LANGUAGES",
    "LOCALE_DIR",
    "_",
    "cli_language",
    "current_language",
    "gettext",
    "parse_language",
    "render_error",
    "render_error_line",
    "render_parts",
    "render_reason",
    "to_locale",
    "translation",
]
