"""The Pre-screening page and API: coordinators and investigators of a site pre-screen an uploaded extract or
the configured OMOP warehouse as a background job; the worklist lists eligible patients first, then those
whose only obstacles are unknowns (fewest first), each with what to obtain; CSV export; a new screening
prefilled from the patient's row; other roles 403, other sites 404; errors 4xx ``{"detail", "field"}``.

References: docs/contracts/prescreen.md (the worklist; verdicts identical to ``haictrial screen``),
docs/prescreen-columns.md (the flat layout), docs/contracts/server.md (roles, site isolation, errors),
docs/prescreen-worklist.md (what is kept); OWASP "CSV Injection" (cells starting with = + - @);
HIPAA Safe Harbor 45 CFR 164.514(b)(2)(i) (names, medical record numbers stay out until screening).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from haictrial import screen_document
from haictrial.edc.prescreening import services
from haictrial.edc.prescreening.models import PrescreenRun, RunStatus, WorklistEntry
from haictrial.edc.subjects.models import Identifiers, Screening
from haictrial.errors import InputError
from haictrial.interop.prescreen.omop import LOINC
from haictrial.vocabulary.flat_layout import flatten

from .conftest import EXAMPLE

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
#: The worklist order of the extract below: eligible, then 1 unknown (source order), then 2 unknowns.
ORDER = ["P1", "P3", "P6", "P4"]


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = IMMEDIATE
    settings.HAICTRIAL_PRESCREEN_OMOP_URL = ""


def _document() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _rows() -> list[dict]:
    """P1 eligible; P2 ECOG 3 (I6 fails); P3 LVEF unknown; P4 LVEF and pathology unknown; P5 a platelet
    count in furlongs (the engine refuses the row); P6 other-malignancy history unknown."""
    base = _document()
    docs = {f"P{i}": copy.deepcopy(base) for i in range(1, 7)}
    docs["P2"]["ecog"] = 3
    del docs["P3"]["lvef_percent"]
    del docs["P4"]["lvef_percent"], docs["P4"]["pathology_confirmed_crlm"]
    docs["P5"]["labs"]["platelets"]["unit"] = "furlongs"
    del docs["P6"]["other_malignancy_history"]
    rows = []
    for pid, doc in docs.items():
        doc.pop("subject_id")
        row = {"person_id": pid, **flatten(doc), "full_name": f"Patient {pid}", "mrn": f"MRN-{pid}"}
        row.pop("subject_id")
        rows.append(row)
    return rows


def _parquet(rows: list[dict] | None = None) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows or _rows()), sink)
    return sink.getvalue()


def _upload(client, site="001", data: bytes | None = None, name="extract.parquet"):
    file = SimpleUploadedFile(name, data if data is not None else _parquet())
    return client.post("/prescreening/", {"site": site, "source": "upload", "file": file})


@pytest.fixture
def done_run(client, users) -> PrescreenRun:
    client.force_login(users["carol"])
    response = _upload(client)
    assert response.status_code == 302, response.content
    run = PrescreenRun.objects.get()
    assert response.url == f"/prescreening/{run.pk}/" and run.status == RunStatus.done, run.error
    return run


def test_it_lists_eligible_patients_first_then_those_short_of_data(client, done_run):
    assert list(done_run.entries.values_list("person_id", flat=True)) == ORDER
    assert (done_run.patients, done_run.eligible, done_run.to_obtain, done_run.ineligible, done_run.errors) == (
        6,
        1,
        3,
        1,
        1,
    )
    entries = {e.person_id: e for e in done_run.entries.all()}
    assert entries["P1"].group == "eligible" and entries["P1"].to_obtain == []
    assert entries["P3"].to_obtain == ["lvef_percent"] and entries["P4"].n_unknown == 2
    page = client.get(f"/prescreening/{done_run.pk}/").content.decode()
    assert [page.index(f'data-person="{pid}"') for pid in ORDER] == sorted(
        page.index(f'data-person="{pid}"') for pid in ORDER
    )
    assert "P2" not in page and "P5" not in page and "lvef_percent" in page


def test_the_verdicts_are_the_engines(done_run):
    # docs/contracts/prescreen.md: the verdict of every patient is identical to `haictrial screen`.
    for entry in done_run.entries.all():
        row = next(r for r in _rows() if r["person_id"] == entry.person_id)
        from haictrial.vocabulary.flat_layout import unflatten

        want = screen_document(unflatten(row))
        assert entry.criteria == {c["id"]: c["status"] for c in want["criteria"]}
        assert entry.to_obtain == want["missing"]


def test_direct_identifiers_stay_out_of_haictrial(done_run):
    folder = services.run_dir(done_run)
    assert sorted(p.name for p in folder.iterdir()) == ["source.parquet"]  # the raw upload is gone
    kept = pq.read_table(folder / "source.parquet")
    assert "full_name" not in kept.column_names and "mrn" not in kept.column_names
    assert "labs_platelets_value" in kept.column_names
    stored = json.dumps(list(WorklistEntry.objects.values())) + json.dumps(
        list(PrescreenRun.objects.values()), default=str
    )
    assert "Patient P" not in stored and "MRN-" not in stored


def test_the_worklist_api_returns_the_same_order(api, done_run):
    response = api["alice"].get(f"/api/prescreen/{done_run.pk}/worklist")
    assert response.status_code == 200
    body = response.json()
    assert [e["person_id"] for e in body] == ORDER
    assert body[0]["group"] == "eligible" and body[0]["eligible"] is True
    assert body[1] == {**body[1], "group": "to_obtain", "eligible": None, "to_obtain": ["lvef_percent"]}
    assert set(body[0]["criteria"]) == {f"I{i}" for i in range(1, 9)} | {f"E{i}" for i in range(1, 9)}
    status = api["carol"].get(f"/api/prescreen/{done_run.pk}").json()
    assert status["status"] == "done" and status["eligible"] == 1 and status["to_obtain"] == 3


def test_the_csv_export_has_the_page_order(client, done_run):
    response = client.get(f"/prescreening/{done_run.pk}/worklist.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["person_id"] for r in rows] == ORDER
    assert rows[0]["position"] == "1" and rows[0]["group"] == "eligible" and rows[0]["I1"] == "pass"
    assert rows[3]["to_obtain"] == "pathology_confirmed_crlm; lvef_percent" or rows[3]["to_obtain"].count(";") == 1


def test_a_csv_cell_is_never_a_formula(client, users):
    rows = _rows()[:1]
    rows[0]["person_id"] = "=HYPERLINK(1)"
    client.force_login(users["carol"])
    _upload(client, data=_parquet(rows))
    run = PrescreenRun.objects.get()
    text = client.get(f"/prescreening/{run.pk}/worklist.csv").content.decode()
    assert "'=HYPERLINK(1)" in text and "\n1,=" not in text


def test_a_patient_opens_a_new_screening_prefilled_from_the_row(client, done_run, users):
    entry = done_run.entries.get(person_id="P3")
    page = client.get(f"/prescreening/{done_run.pk}/entries/{entry.pk}/screen/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "P3" in html and 'value="182"' in html and 'value="2026-11-20"' in html  # platelets, screening date
    assert "Patient P3" not in html and "MRN-P3" not in html  # identifiers are entered here, not prefilled
    _run, _entry, initial = services.prefill(users["carol"], done_run.pk, entry.pk)
    data = {k: ("" if v is None else v) for k, v in initial.items()}
    data.update(full_name="Li Si", hospital_number="H-7", lvef_percent="58")
    response = client.post(f"/prescreening/{done_run.pk}/entries/{entry.pk}/screen/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    screening = Screening.objects.get()
    assert response.url == f"/screenings/{screening.pk}/" and screening.eligible is True
    assert Identifiers.objects.get(screening=screening).full_name == "Li Si"
    entry.refresh_from_db()
    assert entry.screening_id == screening.pk
    assert "screened" in client.get(f"/prescreening/{done_run.pk}/").content.decode()


@pytest.mark.parametrize("name", ["monty", "stan", "adam"])
def test_other_roles_get_403(client, api, users, done_run, name):
    client.force_login(users[name])
    assert client.get("/prescreening/").status_code == 403
    assert client.get(f"/prescreening/{done_run.pk}/").status_code == 403
    response = api[name].get(f"/api/prescreen/{done_run.pk}/worklist")
    assert response.status_code == 403 and set(response.json()) == {"detail", "field"}


def test_another_sites_run_is_not_found(client, api, users, done_run):
    client.force_login(users["bob"])  # investigator at 002
    entry = done_run.entries.first()
    for url in (
        f"/prescreening/{done_run.pk}/",
        f"/prescreening/{done_run.pk}/worklist.csv",
        f"/prescreening/{done_run.pk}/entries/{entry.pk}/screen/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/prescreening/{done_run.pk}/delete/").status_code == 404
    response = api["bob"].get(f"/api/prescreen/{done_run.pk}/worklist")
    assert response.status_code == 404 and response.json() == {"detail": "not found", "field": None}
    assert "data-run" not in client.get("/prescreening/").content.decode()
    assert api["bob"].get("/api/prescreen").json() == []


def test_a_user_cannot_pre_screen_another_site(client, api, users):
    client.force_login(users["carol"])
    response = _upload(client, site="002")  # not one of the form's choices
    assert response.status_code == 422 and not PrescreenRun.objects.exists()
    with pytest.raises(PermissionDenied):
        services.start_run(users["carol"], "002", upload=SimpleUploadedFile("x.csv", b"person_id\n1\n"))
    with pytest.raises(InputError) as refused:
        services.start_run(users["carol"], "999", upload=SimpleUploadedFile("x.csv", b"person_id\n1\n"))
    assert refused.value.field == "site"
    upload = SimpleUploadedFile("extract.parquet", _parquet())
    other = api["carol"].client.post(
        "/api/prescreen/upload", {"site": "002", "file": upload}, headers=api["carol"].headers
    )
    assert other.status_code == 403 and not PrescreenRun.objects.exists()


def test_anonymous_users_go_to_the_login_page_and_401_in_the_api(client, api, done_run):
    client.logout()
    response = client.get("/prescreening/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert api["anonymous"].get(f"/api/prescreen/{done_run.pk}/worklist").status_code == 401


def test_api_errors_are_4xx_json_naming_the_field(api, users, settings, sites):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # stays queued
    upload = SimpleUploadedFile("extract.parquet", _parquet())
    queued = api["carol"].client.post(
        "/api/prescreen/upload", {"site": "001", "file": upload}, headers=api["carol"].headers
    )
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    run_id = queued.json()["run_id"]
    busy = api["carol"].get(f"/api/prescreen/{run_id}/worklist")
    assert busy.status_code == 409 and busy.json()["field"] == "run_id"
    wrong = api["carol"].client.post(
        "/api/prescreen/upload",
        {"site": "001", "file": SimpleUploadedFile("extract.xlsx", b"x")},
        headers=api["carol"].headers,
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "file"
    no_warehouse = api["carol"].post("/api/prescreen", {"site": "001"})
    assert no_warehouse.status_code == 400 and no_warehouse.json()["field"] == "source"
    no_site = api["carol"].post("/api/prescreen", {"site": "999"})
    assert no_site.status_code == 400 and no_site.json() == {"detail": "no site with code '999'", "field": "site"}
    missing = api["carol"].get("/api/prescreen/999999/worklist")
    assert missing.status_code == 404 and set(missing.json()) == {"detail", "field"}


def test_a_bad_extract_fails_the_run_with_one_line_naming_the_column(client, users):
    client.force_login(users["carol"])
    _upload(client, data=b"person_id,lvef_percent\nP1,sixty\n", name="extract.csv")
    run = PrescreenRun.objects.get()
    assert run.status == RunStatus.failed and "lvef_percent" in run.error and "\n" not in run.error
    assert "lvef_percent" in client.get(f"/prescreening/{run.pk}/").content.decode()


def test_the_page_form_names_the_missing_file(client, users):
    client.force_login(users["carol"])
    response = client.post("/prescreening/", {"site": "001", "source": "upload"})
    assert response.status_code == 422 and "Choose the extract to upload." in response.content.decode()


def _omop(path: Path) -> Path:
    """An OMOP CDM with one person (10) whose screening laboratory panel is within range on 2026-11-20."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE concept (concept_id BIGINT, vocabulary_id VARCHAR, concept_code VARCHAR)")
    for i, code in enumerate(LOINC.values()):
        con.execute("INSERT INTO concept VALUES (?, 'LOINC', ?)", [3000000 + i, code])
    con.execute("INSERT INTO concept VALUES (9444, 'UCUM', '10*9/L'), (8636, 'UCUM', 'g/L')")
    con.execute(
        "CREATE TABLE person (person_id BIGINT, gender_concept_id BIGINT, year_of_birth INT, month_of_birth INT,"
        " day_of_birth INT, birth_datetime TIMESTAMP, person_source_value VARCHAR)"
    )
    con.execute("INSERT INTO person VALUES (10, 8532, 1961, 4, 3, NULL, 'MRN-SECRET')")
    con.execute(
        "CREATE TABLE measurement (measurement_id BIGINT, person_id BIGINT, measurement_concept_id BIGINT,"
        " measurement_date DATE, value_as_number DOUBLE, unit_concept_id BIGINT, unit_source_value VARCHAR)"
    )
    con.execute("INSERT INTO measurement VALUES (1, 10, 3000002, DATE '2026-11-20', 182, 9444, '10*9/L')")
    con.close()
    return path


def test_a_warehouse_run_reads_the_configured_omop_cdm(client, users, settings, tmp_path):
    settings.HAICTRIAL_PRESCREEN_OMOP_URL = str(_omop(tmp_path / "cdm.duckdb"))
    client.force_login(users["alice"])
    assert "The site&#x27;s warehouse (OMOP CDM)" in client.get("/prescreening/").content.decode()
    response = client.post("/prescreening/", {"site": "001", "source": "warehouse", "index_date": "2026-11-20"})
    assert response.status_code == 302
    run = PrescreenRun.objects.get()
    assert run.status == RunStatus.done and run.index_date == dt.date(2026, 11, 20)
    entry = run.entries.get()
    assert entry.person_id == "10" and entry.group == "to_obtain" and "pathology_confirmed_crlm" in entry.to_obtain
    html = client.get(f"/prescreening/{run.pk}/entries/{entry.pk}/screen/").content.decode()
    assert 'value="182"' in html and 'value="1961-04-03"' in html
    assert "MRN-SECRET" not in html and not services.run_dir(run).exists()  # nothing kept: read again


def test_the_page_is_in_chinese_for_a_chinese_user(client, users, done_run):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(users["carol"])
    html = client.get(f"/prescreening/{done_run.pk}/").content.decode()
    assert "预筛" in html and "Export the worklist as CSV" not in html


def test_a_run_is_deleted_with_its_kept_extract(client, done_run):
    folder = services.run_dir(done_run)
    assert client.post(f"/prescreening/{done_run.pk}/delete/").status_code == 302
    assert not PrescreenRun.objects.exists() and not folder.exists()


def test_the_chinese_catalogue_is_complete_and_compiled():
    from haictrial.catalogue import HEADER, compile_mo, parse_po, problems

    po = Path(services.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    _header, messages = parse_po(po.read_text(encoding="utf-8"))
    assert messages and problems(messages) == [] and all(m.msgstr for m in messages)
    assert po.with_suffix(".mo").read_bytes() == compile_mo(messages, header=HEADER)


def test_every_run_is_in_the_sealed_audit_trail(client, done_run, users):
    from haictrial.edc.audit import chain
    from haictrial.edc.audit.models import AuditEntry

    entries = list(AuditEntry.objects.filter(model=services.AUDIT_LABEL, object_id=str(done_run.pk)))
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].username == "carol" and entries[0].site_code == "001"
    assert entries[0].new_values["file_name"] == "extract.parquet" and entries[1].new_values["eligible"] == 1
    assert "Patient P" not in json.dumps([e.new_values for e in entries])
    client.post(f"/prescreening/{done_run.pk}/delete/")
    assert AuditEntry.objects.filter(model=services.AUDIT_LABEL, action="delete").count() == 1
    assert chain.verify().intact


_verdicts = st.fixed_dictionaries(
    {
        "eligible": st.sampled_from([True, False, None]),
        "n_fail": st.integers(0, 3),
        "n_unknown": st.integers(0, 4),
        "error": st.sampled_from([None, None, None, "labs.alt.unit: unknown unit"]),
    }
)


@given(st.lists(_verdicts, max_size=30))
@hypothesis_settings(max_examples=60, deadline=None)
def test_the_worklist_order_invariant(rows):
    # docs/contracts/prescreen.md: eligible patients first, then those whose only obstacles are unknowns.
    table = pa.Table.from_pylist(
        [{"person_id": str(i), **r} for i, r in enumerate(rows)],
        schema=pa.schema(
            [
                ("person_id", pa.string()),
                ("eligible", pa.bool_()),
                ("n_fail", pa.int32()),
                ("n_unknown", pa.int32()),
                ("error", pa.string()),
            ]
        ),
    )
    listed = services.worklist_rows(table)
    groups = [group for group, _row, _r in listed]
    assert groups == sorted(groups, key=lambda g: g != "eligible")
    eligible = [i for g, i, _r in listed if g == "eligible"]
    unknown = [(rows[i]["n_unknown"], i) for g, i, _r in listed if g == "to_obtain"]
    assert eligible == sorted(eligible) and unknown == sorted(unknown)
    want_eligible = {i for i, r in enumerate(rows) if r["error"] is None and r["eligible"] is True}
    want_unknown = {i for i, r in enumerate(rows) if r["error"] is None and r["eligible"] is None and r["n_fail"] == 0}
    assert set(eligible) == want_eligible and {i for _n, i in unknown} == want_unknown
