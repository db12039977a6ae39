"""The coordinator's Pre-screening worklist in a real browser: ``haictrial serve`` (its background worker runs
the job) driven by Debian's chromium through Playwright (never ``playwright install``).

A coordinator of site 001 uploads a small flat extract (Parquet written here, docs/prescreen-columns.md, with a
name and a hospital-number column the job must drop), waits for the background job, reads the worklist
(eligible patients first, then those whose only obstacles are unknowns, fewest first, each with what to
obtain: docs/contracts/prescreen.md), downloads the CSV (OWASP "CSV Injection" quoting is tested in
tests/edc/test_prescreening_page.py), follows "New screening" to the screening form prefilled from the row
(no identifiers: HIPAA Safe Harbor 45 CFR 164.514(b)(2)(i) - they are entered there), screens the patient and
sees the worklist entry link to the screening.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from haictrial import screen_document
from haictrial.vocabulary.flat_layout import flatten

from .serving import new_page, sign_in

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).parents[2] / "src" / "haictrial" / "protocols" / "examples" / "patient.example.json"
#: The background job on two shared cores: queued, picked up by the worker, screened.
JOB_TIMEOUT_MS = 240_000
#: Worklist order: P1 eligible; P3 one unknown (LVEF); P4 two unknowns (LVEF, pathology). P2 fails I6.
ORDER = ["P1", "P3", "P4"]


def _extract(path: Path) -> list[dict]:
    base = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    docs = {f"P{i}": copy.deepcopy(base) for i in range(1, 5)}
    docs["P2"]["ecog"] = 3
    del docs["P3"]["lvef_percent"]
    del docs["P4"]["lvef_percent"], docs["P4"]["pathology_confirmed_crlm"]
    rows = []
    for pid, doc in docs.items():
        doc.pop("subject_id")
        row = {"person_id": pid, **flatten(doc), "full_name": f"Patient {pid}", "mrn": f"MRN-{pid}"}
        row.pop("subject_id")
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return [d for d in docs.values()]


def test_a_coordinator_runs_a_prescreen_reads_the_worklist_and_screens_from_it(server, browser, tmp_path):
    docs = _extract(tmp_path / "oncology-extract.parquet")
    # The engine's verdicts on the same patients: what the worklist must show.
    verdicts = [screen_document(d) for d in docs]
    assert [v["eligible"] for v in verdicts] == [True, False, None, None]
    context, page = new_page(browser, server, accept_downloads=True)
    try:
        sign_in(page, server, "carol")
        page.click("nav a[href='/prescreening/']")
        page.wait_for_url(server + "/prescreening/")
        page.select_option("#id_site", "001")
        page.check("input[name=source][value=upload]")
        page.set_input_files("#id_file", str(tmp_path / "oncology-extract.parquet"))
        page.click("#start-prescreen button[type=submit]")
        page.wait_for_url(f"{server}/prescreening/*/")
        run_url = page.url
        # The page follows the job (meta refresh) until the worker has screened the extract.
        page.wait_for_selector("#prescreen-run[data-status=done], #prescreen-run[data-status=failed]",
                               timeout=JOB_TIMEOUT_MS)  # fmt: skip
        assert page.get_attribute("#prescreen-run", "data-status") == "done", page.inner_text("main")
        facts = page.inner_text("#prescreen-run")
        assert "4" in facts and "oncology-extract.parquet" in facts

        rows = page.locator("#worklist tbody tr")
        assert [rows.nth(i).get_attribute("data-person") for i in range(rows.count())] == ORDER
        assert [rows.nth(i).get_attribute("data-group") for i in range(rows.count())] == [
            "eligible",
            "to_obtain",
            "to_obtain",
        ]
        # What to obtain is the engine's ``missing``, in criterion order; the eligible patient has nothing.
        for pid, verdict in (("P3", verdicts[2]), ("P4", verdicts[3])):
            listed = page.locator(f"#worklist tr[data-person={pid}] code").all_inner_texts()
            assert listed == verdict["missing"] and "lvef_percent" in listed
        assert page.locator("#worklist tr[data-person=P1] code").count() == 0
        html = page.content()
        assert "P2" not in page.inner_text("#worklist")  # ineligible: counted, not listed
        assert "Patient P" not in html and "MRN-P" not in html  # identifiers were dropped by the job

        with page.expect_download() as info:
            page.click("a.csv")
        download = tmp_path / "worklist.csv"
        info.value.save_as(download)
        with download.open(encoding="utf-8-sig") as handle:
            table = list(csv.DictReader(handle))
        assert [r["person_id"] for r in table] == ORDER
        assert [r["position"] for r in table] == ["1", "2", "3"]
        assert table[1]["to_obtain"] == "; ".join(verdicts[2]["missing"])

        page.click("#worklist tr[data-person=P3] a.screen")
        page.wait_for_selector("#prefill-source")
        assert "P3" in page.inner_text("#prefill-source")
        doc = docs[2]
        assert page.input_value("#id_screening_date") == doc["screening_date"]
        assert page.input_value("#id_labs__platelets__value") == str(doc["labs"]["platelets"]["value"])
        assert page.input_value("#id_lvef_percent") == ""  # the value to obtain
        assert page.input_value("#id_full_name") == "" and page.input_value("#id_hospital_number") == ""
        page.fill("#id_full_name", "Li Si")
        page.fill("#id_hospital_number", "H-7")
        page.fill("#id_lvef_percent", "58")
        page.click("form.screening button[type=submit]")
        page.wait_for_url(f"{server}/screenings/*/")

        page.goto(run_url)
        screened = page.locator("#worklist tr[data-person=P3] a[href^='/screenings/']")
        assert screened.count() == 1
        assert page.locator("#worklist tr[data-person=P4] a.screen").count() == 1
    finally:
        context.close()
