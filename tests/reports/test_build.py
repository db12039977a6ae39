"""The whole report: files, figures, the PDF's pages rendered, and the edge cases that must not crash."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess

import pytest
from report_sources import empty_source, make_source
from test_datasets import datasets, subject

from haictrial import __version__
from haictrial.documents import json_safe
from haictrial.reports.build import STEPS, build_report

FIGURES = ("consort", "accrual", "waterfall", "spider", "swimmer", "km_os", "km_pfs", "km_rfs", "km_landmark")


def rendered_pages(pdf, tmp_path) -> list:
    """Render every page with poppler's pdftoppm; returns the PNG files."""
    assert shutil.which("pdftoppm"), "pdftoppm missing: run scripts/system-deps (poppler-utils)"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    return sorted(tmp_path.glob("page*.png"))


@pytest.fixture(scope="module")
def report(protocol, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    steps: list[str] = []
    result = build_report(make_source(120, seed=21), out, protocol, dt.date(2026, 6, 30), on_step=steps.append)
    return result, steps


def test_it_writes_every_file_with_the_steps_reported(report):
    result, steps = report
    assert tuple(steps) == STEPS and set(result.timings) == set(STEPS)
    for path in (result.html, result.pdf, result.results_json):
        assert path is not None and path.stat().st_size > 1000
    assert set(result.figures) == set(FIGURES)
    for png, svg in result.figures.values():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert b"<svg" in svg.read_bytes()[:2000] and svg.stat().st_size > 5000
    for name in ("adsl", "adrs", "adae", "adex", "adtte", "screening_log"):
        assert all(p.stat().st_size > 0 for p in result.datasets[name])
    assert (result.out_dir / "datasets" / "data_dictionary.md").stat().st_size > 1000
    for name in ("consort", "baseline", "rates", "safety_summary", "adverse_events_by_term", "survival", "cox"):
        assert result.tables[name].stat().st_size > 0


def test_results_json_holds_the_primary_endpoint_and_the_metadata(report, protocol):
    result, _steps = report
    doc = json.loads(result.results_json.read_text())
    assert isinstance(doc["enrolled"], int) and doc["enrolled"] == 120
    assert {"x", "n", "estimate", "lower", "upper"} <= set(doc["ctrr"])
    assert doc["ctrr"]["n"] == 120 and doc["ctrr"]["lower"] < doc["ctrr"]["estimate"] < doc["ctrr"]["upper"]
    assert doc["report"]["protocol_version"] == protocol.version
    assert doc["report"]["cutoff"] == "2026-06-30"
    assert doc["report"]["software_version"] == __version__
    assert doc == json_safe(result.results)


def test_the_html_is_self_contained_and_states_version_and_cutoff(report, protocol):
    result, _steps = report
    html = result.html.read_text()
    assert html.count('src="data:image/png;base64,') == len(FIGURES)
    assert not re.search(r'(src|href)="(https?:|/|\.)', html)
    assert "2026-06-30" in html and f"haictrial {__version__}" in html
    assert f"<dd>{protocol.version}</dd>" in html
    ctrr = result.results["ctrr"]
    assert f"{ctrr['x']}/{ctrr['n']} ({100 * ctrr['estimate']:.1f} %" in html


def test_the_pdf_pages_render(report, tmp_path):
    result, _steps = report
    pages = rendered_pages(result.pdf, tmp_path)
    assert len(pages) >= 6
    assert all(p.stat().st_size > 1000 for p in pages)


def _edge_report(protocol, tmp_path, source, cutoff=None):
    result = build_report(source, tmp_path / "out", protocol, cutoff)
    assert all(png.stat().st_size > 0 and svg.stat().st_size > 0 for png, svg in result.figures.values())
    assert len(rendered_pages(result.pdf, tmp_path)) >= 3
    return result, result.html.read_text()


def test_no_enrolled_patient_gives_a_report_that_says_so(protocol, tmp_path):
    result, html = _edge_report(protocol, tmp_path, empty_source())
    doc = json.loads(result.results_json.read_text())
    assert doc["enrolled"] == 0
    assert doc["ctrr"]["estimate"] is None and doc["ctrr"]["n"] == 0 and doc["ctrr"]["x"] == 0
    assert doc["consort"]["screened"] == 1 and doc["consort"]["not_eligible"] == 1
    assert "No patient is enrolled by the data cut-off" in html
    assert doc["survival"]["OS"]["note"] and doc["cox"]["note"]


def test_no_event_gives_a_report_that_says_so(protocol, tmp_path):
    subjects = [subject(f"CHA-001-{i:04d}", last_contact_date="2025-01-01") for i in range(1, 6)]
    result, html = _edge_report(protocol, tmp_path, datasets(subjects))
    doc = result.results
    assert doc["survival"]["OS"]["events"] == 0 and doc["survival"]["OS"]["median_days"] is None
    assert "No OS event by the data cut-off: the median is not reached." in html
    assert "not estimable" in doc["cox"]["note"]
    assert doc["landmark"]["logrank"] is None


def test_no_resection_gives_a_report_that_says_so(protocol, tmp_path):
    subjects = [
        subject(
            f"CHA-001-{i:04d}",
            death_date="2024-09-01" if i % 2 else None,
            last_contact_date="2024-09-01" if i % 2 else "2025-01-01",
        )
        for i in range(1, 9)
    ]
    result, html = _edge_report(protocol, tmp_path, datasets(subjects))
    doc = result.results
    assert (doc["ctrr"]["x"], doc["ctrr"]["n"], doc["ctrr"]["estimate"], doc["ctrr"]["lower"]) == (0, 8, 0.0, 0.0)
    assert doc["survival"]["RFS"]["n"] == 0 and "no patient had an R0/R1 resection" in doc["survival"]["RFS"]["note"]
    assert "No patient has had a liver resection by the data cut-off" in html
    assert doc["survival"]["OS"]["events"] == 4
