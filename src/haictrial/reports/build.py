"""Build the whole report from analysis data sets: data sets, results, tables, figures, HTML and PDF.

:func:`build_report` is the one entry point, for the ``haictrial report`` command and for the web
app's report page. Output directory layout::

    report.html  report.pdf  results.json
    datasets/  adsl, adrs, adae, adex, adtte, screening_log (.csv and .parquet), data_dictionary.csv/.md
    tables/    one CSV per table of the report
    figures/   one PNG and one SVG per figure
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from haictrial.documents import json_safe
from haictrial.protocol.schema import Protocol
from haictrial.reports import accrual, consort, patient_plots
from haictrial.reports.datasets import AnalysisDatasets, prepare, write_datasets
from haictrial.reports.figures import km_figure, save_figure
from haictrial.reports.html import render_html
from haictrial.reports.i18n import _, current_language, figure_fonts
from haictrial.reports.pdf import write_pdf
from haictrial.reports.results import Results, compute_results
from haictrial.reports.survival import LANDMARK_DAYS

#: The steps :func:`build_report` reports through ``on_step``, in order.
STEPS = (
    "data sets",
    "results",
    "figure consort",
    "figure accrual",
    "figure waterfall",
    "figure spider",
    "figure swimmer",
    "figure km_os",
    "figure km_pfs",
    "figure km_rfs",
    "figure km_landmark",
    "html",
    "pdf",
)


@dataclass
class ReportResult:
    """What :func:`build_report` wrote, the results document, and how long each step took (seconds)."""

    out_dir: Path
    html: Path
    pdf: Path | None
    results_json: Path
    results: dict[str, Any]
    datasets: dict[str, list[Path]]
    tables: dict[str, Path]
    figures: dict[str, tuple[Path, Path]]
    timings: dict[str, float] = field(default_factory=dict)


def _figures(results: Results, ds: AnalysisDatasets) -> dict[str, tuple[Callable[[], Figure], str]]:
    """Each figure's builder and caption, in the order of :data:`STEPS`."""
    d, c = results.data, results.curves
    return {
        "consort": (lambda: consort.consort_figure(d["consort"]), _("Figure 1. CONSORT flow diagram.")),
        "accrual": (
            lambda: accrual.accrual_figure(ds.adsl, d["accrual"]),
            _("Figure 2. Accrual against the target of {n} patients and the registered completion date.").format(
                n=d["accrual"]["target"]
            ),
        ),
        "waterfall": (
            lambda: patient_plots.waterfall_figure(ds.adsl),
            _("Figure 3. Waterfall plot: best percent change of the sum of diameters, by best overall response."),
        ),
        "spider": (
            lambda: patient_plots.spider_figure(ds.adsl, ds.adrs),
            _("Figure 4. Spider plot: percent change of the sum of diameters over time."),
        ),
        "swimmer": (
            lambda: patient_plots.swimmer_figure(ds.adsl, ds.adrs, ds.adex),
            _("Figure 5. Swimmer plot: cycles, response, resection, progression and death of each patient."),
        ),
        "km_os": (
            lambda: km_figure(
                c.get("os", []), _("Overall survival"), _("No enrolled patient."), _("Months from enrolment")
            ),
            _("Figure 6. Overall survival from enrolment (Kaplan-Meier, 95 % band)."),
        ),
        "km_pfs": (
            lambda: km_figure(
                c.get("pfs", []), _("Progression-free survival"), _("No enrolled patient."), _("Months from enrolment")
            ),
            _("Figure 7. Progression-free survival from enrolment."),
        ),
        "km_rfs": (
            lambda: km_figure(
                c.get("rfs", []),
                _("Recurrence-free survival"),
                _("No patient had an R0/R1 resection by the cut-off."),
                _("Months from resection"),
            ),
            _("Figure 8. Recurrence-free survival from R0/R1 resection."),
        ),
        "km_landmark": (
            lambda: km_figure(
                c.get("landmark", []),
                _("Overall survival from the {days}-day landmark").format(days=d["landmark"]["landmark_days"]),
                _("No patient alive and followed at the landmark."),
                _("Months from the landmark"),
            ),
            _("Figure 9. Overall survival from the landmark, converted (R0 before it) versus not converted."),
        ),
    }


def build_report(
    datasets: AnalysisDatasets,
    out_dir: Path | str,
    protocol: Protocol,
    cutoff: dt.date | None = None,
    *,
    pdf: bool = True,
    landmark_days: int = LANDMARK_DAYS,
    on_step: Callable[[str], None] | None = None,
) -> ReportResult:
    """Write the full report of ``datasets`` (as adapters return them) to ``out_dir``.

    ``cutoff`` None: the last date in the data. ``on_step`` is called with each name of :data:`STEPS`
    as it starts (for a progress bar). Raises :class:`~haictrial.errors.InputError` for data sets that
    break the data dictionary.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    marks: list[tuple[str, float]] = []

    def step(name: str) -> None:
        marks.append((name, time.perf_counter()))
        if on_step is not None:
            on_step(name)

    step("data sets")
    ds = prepare(datasets, protocol, cutoff)
    written = write_datasets(ds, out / "datasets")
    step("results")
    results = compute_results(ds, protocol, landmark_days)
    results_json = out / "results.json"
    results_json.write_text(json.dumps(json_safe(results.data), indent=2, ensure_ascii=False), encoding="utf-8")
    tables_dir = out / "tables"
    tables_dir.mkdir(exist_ok=True)
    tables = {}
    for name, frame in results.tables.items():
        tables[name] = tables_dir / f"{name}.csv"
        frame.to_csv(tables[name], index=False)
    figures: dict[str, tuple[Path, Path]] = {}
    captions = {}
    with figure_fonts():  # Chinese labels need a CJK font
        for name, (build, caption) in _figures(results, ds).items():
            step(f"figure {name}")
            figures[name] = save_figure(build(), out / "figures", name)
            captions[name] = caption
    step("html")
    html_text = render_html(results, {k: v[0] for k, v in figures.items()}, captions, lang=current_language())
    html_path = out / "report.html"
    html_path.write_text(html_text, encoding="utf-8")
    pdf_path = None
    if pdf:
        step("pdf")
        pdf_path = write_pdf(html_text, out / "report.pdf", base_url=str(out))
    ends = [start for _name, start in marks[1:]] + [time.perf_counter()]
    timings = {name: end - start for (name, start), end in zip(marks, ends, strict=True)}
    return ReportResult(
        out_dir=out,
        html=html_path,
        pdf=pdf_path,
        results_json=results_json,
        results=results.data,
        datasets=written,
        tables=tables,
        figures=figures,
        timings=timings,
    )
