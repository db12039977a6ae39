"""Translation of the report's user-facing strings: :mod:`haictrial.i18n`, re-exported, and the
figure fonts that draw them.

Every heading, label and sentence of the report goes through :func:`gettext` (``_``): in the web app
the user's language (Django), on the command line ``HAICTRIAL_LANG`` or the locale (English or
Simplified Chinese). Clinical codes (CTCAE terms, RECIST codes, drug names) are data and are never
translated.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache

from haictrial.i18n import _, current_language, gettext

#: Figure text: DejaVu Sans (matplotlib's own) for Latin, then a CJK font for the Chinese glyphs
#: (matplotlib >= 3.6 falls back glyph by glyph along ``font.family``). Debian: fonts-noto-cjk.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")


@lru_cache(maxsize=1)
def figure_font_family() -> tuple[str, ...]:
    """The figure font list: DejaVu Sans, then the installed CJK fonts of :data:`CJK_FONTS`.

    Only installed fonts are named, so a machine without a CJK font gets no font warnings for English
    reports (and, for Chinese ones, matplotlib's own missing-glyph warning).
    """
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *(name for name in CJK_FONTS if name in installed))


def figure_fonts() -> AbstractContextManager[None]:
    """A ``with`` block in which matplotlib draws Chinese labels (figures made and saved inside it)."""
    from matplotlib import rc_context

    return rc_context({"font.family": list(figure_font_family())})


__all__ = ["CJK_FONTS", "_", "current_language", "figure_font_family", "figure_fonts", "gettext"]
