"""The PDF report: the HTML report printed by WeasyPrint (A4, page numbers, the cut-off in the footer)."""

from __future__ import annotations

import logging
from pathlib import Path


def write_pdf(html_text: str, path: Path, base_url: str | None = None) -> Path:
    """Print ``html_text`` to ``path`` with WeasyPrint; returns ``path``."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment and only this step needs it

    for name in ("weasyprint", "fontTools"):  # font subsetting and CSS notes are not the user's concern
        logging.getLogger(name).setLevel(logging.ERROR)
    HTML(string=html_text, base_url=base_url).write_pdf(path)
    return path
