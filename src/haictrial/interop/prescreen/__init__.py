"""Pre-screening a whole hospital population: the protocol's criteria compiled to ibis expressions.

The flat layout (docs/prescreen-columns.md) and OMOP CDM 5.4 (docs/prescreen-omop.md) are the sources;
DuckDB runs the compiled query by default, and the same ibis expressions run on PostgreSQL, Spark or Trino.
Verdicts are identical to ``haictrial screen`` (docs/contracts/prescreen.md).
"""

from __future__ import annotations

from haictrial.interop.prescreen.run import prescreen_table, screen_document, summary

__all__ = ["prescreen_table", "screen_document", "summary"]
