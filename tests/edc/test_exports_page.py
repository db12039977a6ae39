"""The Exports page and API: coordinators, statisticians and admins build de-identified SDTM, ODM, REDCap and
ClinicalTrials.gov packages of the sites they may read, as a background job, and download one zip;
investigators and monitors get 403; another user's build is 404; every build is in the sealed audit trail.

References: docs/contracts/interop.md (the packages, de-identified, ``USUBJID`` ``NCT06988852-<subject_id>``),
docs/contracts/server.md (roles, site isolation, background jobs, errors ``{"detail", "field"}``); HIPAA
Safe Harbor 45 CFR 164.514(b)(2)(i) (names, dates of birth, medical record numbers); CDISC ODM 1.3.2;
SAS XPORT v5 (read back with pyreadstat); REDCap data dictionary (18 columns).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pyreadstat
import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from haictrial.edc.accounts.services import set_language
from haictrial.edc.audit import chain
from haictrial.edc.audit.models import AuditEntry
from haictrial.edc.crfs import services as crfs
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.exports import packages, scope, services
from haictrial.edc.exports.models import ExportBuild, ExportStatus
from haictrial.edc.subjects.models import Identifiers, Subject

from .crfs.conftest import course_document, payloads
from .enrolment import consent_body
from .test_zh_pages import untranslated  # noqa: F401 - the fixture recording untranslated msgids

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
FORMS = ("baseline", "haic_cycle", "adverse_events", "imaging", "mdt_review", "resection", "follow_up")
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = IMMEDIATE  # the build runs inside the request; the queue test drains a real queue


@pytest.fixture
def trial(api, patient, users):
    """Two enrolled subjects: 001 (alice; a full course, its Baseline form holding the birth date) and 002 (bob,
    a Baseline form only); a third, not eligible screening at 001. Returns the subject ids by site."""
    course = course_document()
    first = api["alice"].post("/api/screenings", patient).json()
    one = api["alice"].post(f"/api/screenings/{first['screening_id']}/enroll", consent_body()).json()["subject_id"]
    enrolment = timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(course["enrolment_date"]), dt.time(9)))
    Subject.objects.filter(subject_id=one).update(enrolled_at=enrolment)
    for form in FORMS:
        for payload in payloads(course, form):
            crfs.save_form(users["alice"], one, form, payload)
    second = dict(copy.deepcopy(patient), site="002", birth_date="1958-02-17")
    second["identifiers"] = {"full_name": "Wang Wu", "hospital_number": "H-9001"}
    screening = api["bob"].post("/api/screenings", second).json()
    two = api["bob"].post(f"/api/screenings/{screening['screening_id']}/enroll", consent_body()).json()["subject_id"]
    Subject.objects.filter(subject_id=two).update(enrolled_at=enrolment)
    (baseline,) = payloads(course, "baseline")
    baseline["demographics"]["birth_date"] = "1958-02-17"
    crfs.save_form(users["bob"], two, "baseline", baseline)
    third = dict(copy.deepcopy(patient), ecog=3, identifiers={"full_name": "Liu Liu", "hospital_number": "H-5555"})
    assert api["carol"].post("/api/screenings", third).json()["eligible"] is False
    return {"001": one, "002": two}


def identifiers() -> list[str]:
    """Every direct identifier the database holds: the Identifiers rows and the Baseline eCRF birth dates."""
    found = []
    for row in Identifiers.objects.all():
        found += [row.full_name, row.hospital_number, row.birth_date.isoformat() if row.birth_date else ""]
    for record in FormRecord.objects.filter(form="baseline"):  # the eCRF's demographics.birth_date
        found.append(record.payload["demographics"]["birth_date"])
    return sorted({value for value in found if value})


def unzip(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


def download(client, build: ExportBuild) -> dict[str, bytes]:
    response = client.get(f"/exports/{build.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="export-{build.kind}.zip"'
    return unzip(response.getvalue())


def assert_deidentified(files: dict[str, bytes]) -> None:
    needles = identifiers()
    assert {"Zhang San", "H-0042", "1961-04-03", "Wang Wu", "H-9001", "1958-02-17", "Liu Liu"} <= set(needles)
    for name, content in files.items():
        for needle in needles:
            assert needle.encode() not in content, (name, needle)
            assert json.dumps(needle)[1:-1].encode() not in content, (name, needle)


def _start(client, kind: str):
    return client.post("/exports/", {"kind": kind})


# --- the packages ----------------------------------------------------------------------------------------


def test_the_statistician_exports_every_site_de_identified_in_one_zip(client, users, trial, tmp_path):
    client.force_login(users["stan"])
    page = client.get("/exports/").content.decode()
    assert 'href="/exports/"' in page and "No export built yet." in page and "every site" in page
    response = _start(client, "all")
    assert response.status_code == 302 and response.url == "/exports/"
    build = ExportBuild.objects.get()
    assert (build.status, build.progress, build.step, build.error) == (ExportStatus.done, 100, "done", "")
    assert (build.all_sites, build.site_codes, build.subject_count, build.built_by_username) == (True, [], 2, "stan")
    assert (tmp_path / "exports" / str(build.pk) / "export-all.zip").is_file()  # HAICTRIAL_DATA_DIR/exports/<id>/
    files = download(client, build)
    # interop.md: every package, each in its own folder, plus the manifest
    for name in (
        "sdtm/dm.xpt", "sdtm/dm.json", "sdtm/ae.xpt", "sdtm/ex.json", "sdtm/define.xml", "sdtm/define.html",
        "odm/odm.xml", "redcap/data_dictionary.csv", "redcap/records.csv", "ctgov/results.json", "manifest.json",
    ):  # fmt: skip
        assert name in files, name
    # SAS XPORT v5 read back by pyreadstat: DM rows = enrolled subjects, USUBJID NCT06988852-<subject_id>
    (tmp_path / "dm.xpt").write_bytes(files["sdtm/dm.xpt"])
    dm, _meta = pyreadstat.read_xport(str(tmp_path / "dm.xpt"))
    assert sorted(dm["USUBJID"]) == [f"NCT06988852-{trial['001']}", f"NCT06988852-{trial['002']}"]
    # ODM 1.3.2: one SubjectData per subject of both sites
    odm = ET.fromstring(files["odm/odm.xml"])
    assert {s.get("SubjectKey") for s in odm.iter(f"{ODM}SubjectData")} == set(trial.values())
    # REDCap: the 18-column dictionary, record_id first; records of both subjects
    header = next(csv.reader(io.StringIO(files["redcap/data_dictionary.csv"].decode())))
    assert len(header) == 18 and header[0] == "Variable / Field Name"
    records = list(csv.DictReader(io.StringIO(files["redcap/records.csv"].decode())))
    assert {r["record_id"] for r in records} == set(trial.values())
    # ClinicalTrials.gov v2 resultsSection
    results = json.loads(files["ctgov/results.json"])
    assert {"participantFlowModule", "baselineCharacteristicsModule", "outcomeMeasuresModule"} <= set(results)
    manifest = json.loads(files["manifest.json"])
    assert (manifest["kind"], manifest["sites"], manifest["subject_count"], manifest["deidentified"]) == (
        "all", "all", 2, True,
    )  # fmt: skip
    for entry in manifest["files"]:  # the manifest's checksums are those of the files in the zip
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"], entry["path"]
    assert_deidentified(files)
    row = client.get("/exports/").content.decode().split(f'data-export="{build.pk}"')[1].split("</tr>")[0]
    assert row.startswith(' data-status="done"')
    assert f'href="/exports/{build.pk}/download/"' in row and "export-all.zip" in row


def test_a_coordinator_exports_only_the_subjects_of_their_sites_without_birth_dates(client, users, trial, tmp_path):
    from haictrial.edc.trial import protocol
    from haictrial.interop.redcap.export import export_redcap

    # The builder itself, given the coordinator (who may see site 001's identifiers), keeps the birth date:
    # the export must not hand it the user.
    direct = tmp_path / "direct"
    export_redcap(direct, protocol(), user=users["carol"])
    birth = FormRecord.objects.get(form="baseline", subject__subject_id=trial["001"]).payload["demographics"]
    birth = birth["birth_date"]
    assert birth in (direct / "records.csv").read_text(encoding="utf-8")

    client.force_login(users["carol"])
    assert "your sites: 001" in client.get("/exports/").content.decode()
    for kind in ("odm", "redcap", "ctgov"):
        assert _start(client, kind).status_code == 302
    builds = list(ExportBuild.objects.order_by("pk"))
    assert [b.status for b in builds] == [ExportStatus.done] * 3
    assert {(b.all_sites, tuple(b.site_codes), b.subject_count) for b in builds} == {(False, ("001",), 1)}
    contents = {b.kind: download(client, b) for b in builds}
    odm = ET.fromstring(contents["odm"]["odm/odm.xml"])
    assert {s.get("SubjectKey") for s in odm.iter(f"{ODM}SubjectData")} == {trial["001"]}
    records = list(csv.DictReader(io.StringIO(contents["redcap"]["redcap/records.csv"].decode())))
    assert {r["record_id"] for r in records} == {trial["001"]}
    results = json.loads(contents["ctgov"]["ctgov/results.json"])
    assert "participantFlowModule" in results
    for files in contents.values():
        assert not any(trial["002"].encode() in content for content in files.values())
        assert_deidentified(files)


def test_a_coordinators_sdtm_package_holds_their_site_only(client, users, trial, tmp_path):
    client.force_login(users["carol"])
    # an ODM export first: its builder resets odmlib's namespace registry, which define.xml needs intact
    assert _start(client, "odm").status_code == 302
    assert _start(client, "sdtm").status_code == 302
    build = ExportBuild.objects.get(kind="sdtm")
    assert not [p for p in build.problems if "define" in p], build.problems
    files = download(client, build)
    assert {"sdtm/dm.xpt", "sdtm/dm.json", "sdtm/define.xml", "sdtm/define.html", "manifest.json"} <= set(files), (
        build.problems
    )
    assert not any(name.startswith(("odm/", "redcap/", "ctgov/")) for name in files)
    (tmp_path / "dm.xpt").write_bytes(files["sdtm/dm.xpt"])
    dm, _meta = pyreadstat.read_xport(str(tmp_path / "dm.xpt"))
    assert list(dm["USUBJID"]) == [f"NCT06988852-{trial['001']}"]
    assert json.loads(files["manifest.json"])["sites"] == ["001"]
    assert_deidentified(files)


def test_the_admin_exports_the_admins_own_sites(api, users, trial):
    # server contract: a user sees only the subjects of the sites they belong to (adam: 001)
    response = api["adam"].post("/api/exports", {"kind": "redcap"})
    assert response.status_code == 202
    body = api["adam"].get(f"/api/exports/{response.json()['export_id']}").json()
    assert (body["status"], body["sites"], body["subject_count"]) == ("done", ["001"], 1)


# --- identifiers never leave -------------------------------------------------------------------------------


def test_a_package_holding_an_identifier_is_deleted_and_never_offered(client, users, trial, monkeypatch, tmp_path):
    real = packages.WRITERS["redcap"]

    def leaky(out, protocol, reader):
        written = real(out, protocol, reader)
        (out / "notes.txt").write_text("seen: Wang Wu", encoding="utf-8")
        return written

    monkeypatch.setitem(packages.WRITERS, "redcap", leaky)
    client.force_login(users["stan"])
    assert _start(client, "redcap").status_code == 302
    build = ExportBuild.objects.get()
    assert build.status == ExportStatus.failed and "redcap/notes.txt" in build.error and "Wang Wu" not in build.error
    folder = tmp_path / "exports" / str(build.pk)
    assert not (folder / "package").exists() and not (folder / "export-redcap.zip").exists()
    page = client.get("/exports/").content.decode()
    assert 'data-status="failed"' in page and "The export failed:" in page and "redcap/notes.txt" in page
    assert client.get(f"/exports/{build.pk}/download/").status_code == 302  # back to the page, nothing served


def test_the_reader_of_a_site_export_may_not_see_identifiers_or_every_site(users):
    reader, site_ids = scope.reader_for(users["carol"])
    assert reader is not None and site_ids == frozenset({users["carol"].sites.get().pk})
    from haictrial.edc.accounts import access

    assert access.readable_site_ids(reader) == site_ids
    assert not access.can_see_identifiers(reader, users["carol"].sites.get().pk)
    assert scope.reader_for(users["stan"]) == (None, None)


@hypothesis_settings(max_examples=50, deadline=None)
@given(
    before=st.binary(max_size=200),
    after=st.binary(max_size=200),
    name=st.text(st.characters(blacklist_categories=("Cs",)), min_size=3, max_size=12),
    escaped=st.booleans(),
)
def test_the_identifier_search_finds_an_identifier_anywhere_in_any_file(tmp_path_factory, before, after, name, escaped):
    # invariant: a name written as UTF-8 or JSON-escaped (ensure_ascii) anywhere in a file is found
    root = tmp_path_factory.mktemp("package")
    needle = json.dumps(name)[1:-1].encode("ascii") if escaped else name.encode("utf-8")
    (root / "kind").mkdir()
    (root / "kind" / "file.bin").write_bytes(before + needle + after)
    needles = {name.encode("utf-8"), json.dumps(name)[1:-1].encode("ascii")}
    assert scope.identifier_hits(root, sorted(needles, key=len, reverse=True)) == ["kind/file.bin"]


@hypothesis_settings(max_examples=100, deadline=None)
@given(
    needles=st.lists(st.binary(min_size=1, max_size=6), min_size=1, max_size=8),
    haystack=st.binary(max_size=60),
)
def test_the_prefix_tree_pattern_matches_exactly_when_a_needle_occurs(needles, haystack):
    # invariant: the trie-factored pattern finds a match iff some needle is a substring of the haystack
    pattern = re.compile(scope.trie_pattern(needles))
    assert (pattern.search(haystack) is not None) == any(n in haystack for n in needles)


# --- roles, the API, the audit trail -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob", "monty"])
def test_investigators_and_monitors_get_403_and_no_link(client, api, users, name):
    build = services.start_export(users["stan"], "redcap")
    client.force_login(users[name])
    assert 'href="/exports/"' not in client.get("/").content.decode()
    assert client.get("/exports/").status_code == 403
    assert _start(client, "redcap").status_code == 403
    assert client.get(f"/exports/{build.pk}/download/").status_code == 403
    assert api[name].post("/api/exports", {"kind": "redcap"}).status_code == 403
    assert api[name].get(f"/api/exports/{build.pk}").status_code == 403
    assert api[name].get(f"/api/exports/{build.pk}/download").status_code == 403
    assert ExportBuild.objects.count() == 1


@pytest.mark.parametrize("name", ["carol", "stan", "adam"])
def test_coordinators_statisticians_and_admins_see_the_link(client, users, name):
    client.force_login(users[name])
    assert 'href="/exports/"' in client.get("/").content.decode()
    assert client.get("/exports/").status_code == 200


def test_anonymous_users_are_sent_to_the_login_page_and_401_in_the_api(client, api, users):
    build = services.start_export(users["stan"], "redcap")
    for url in ("/exports/", f"/exports/{build.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert api["anonymous"].post("/api/exports", {"kind": "odm"}).status_code == 401
    assert api["anonymous"].get(f"/api/exports/{build.pk}").status_code == 401


def test_the_api_builds_follows_and_downloads_an_export(api, users, trial):
    response = api["stan"].post("/api/exports", {"kind": "odm"})
    assert response.status_code == 202, response.content
    export_id = response.json()["export_id"]
    body = api["stan"].get(f"/api/exports/{export_id}").json()
    assert (body["status"], body["progress"], body["step"], body["error"], body["kind"]) == (
        "done", 100, "done", None, "odm",
    )  # fmt: skip
    assert [f["path"] for f in body["files"]] == ["odm/odm.xml"] and body["files"][0]["rows"] > 0
    assert body["download"] == f"/api/exports/{export_id}/download" and body["problems"] == []
    archive = api["stan"].get(body["download"])
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    files = unzip(archive.getvalue())
    assert hashlib.sha256(files["odm/odm.xml"]).hexdigest() == body["files"][0]["sha256"]
    assert [b["export_id"] for b in api["stan"].get("/api/exports").json()] == [export_id]
    # another user's build is not found (never its existence), the admin's list is empty
    assert api["adam"].get(f"/api/exports/{export_id}").status_code == 404
    assert api["adam"].get(f"/api/exports/{export_id}/download").status_code == 404
    assert api["carol"].get(f"/api/exports/{export_id}").json() == {"detail": "not found", "field": None}
    assert api["adam"].get("/api/exports").json() == []
    assert api["stan"].get(f"/api/exports/{export_id + 1}").status_code == 404


@pytest.mark.parametrize("body", [{"kind": "xlsx"}, {"kind": 3}, {}, {"kind": None}])
def test_an_unknown_kind_is_422_naming_kind(api, users, body):
    response = api["stan"].post("/api/exports", body)
    assert response.status_code == 422 and response.json()["field"] == "kind", response.content
    assert set(response.json()) == {"detail", "field"}
    assert not ExportBuild.objects.exists()


def test_an_unknown_kind_on_the_page_is_a_field_error(client, users):
    client.force_login(users["stan"])
    response = _start(client, "xlsx")
    assert response.status_code == 200 and 'class="field has-error"' in response.content.decode()
    assert not ExportBuild.objects.exists()
    with pytest.raises(Exception) as raised:
        services.start_export(users["stan"], "xlsx")
    assert getattr(raised.value, "field", None) == "kind"


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_202_queued_and_the_worker_builds_it(api, client, users, trial, settings):
    # server contract, "Reports as background jobs", as for the reports: queued at once, the worker runs it
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    response = api["carol"].post("/api/exports", {"kind": "redcap"})
    assert response.status_code == 202
    assert (response.json()["status"], isinstance(response.json()["export_id"], int)) == ("queued", True)
    export_id = response.json()["export_id"]
    queued = api["carol"].get(f"/api/exports/{export_id}").json()
    assert (queued["status"], queued["progress"], queued["files"], queued["download"]) == ("queued", 0, [], None)
    early = api["carol"].get(f"/api/exports/{export_id}/download")
    assert early.status_code == 409 and early.json()["detail"].startswith("This export is not ready")
    client.force_login(users["carol"])
    page = client.get("/exports/")
    assert page["Refresh"] == "2" and '<meta http-equiv="refresh" content="2">' in page.content.decode()
    assert "<script" not in page.content.decode().split("<main>")[1]  # CSP self-only: no inline script
    call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
    done = api["carol"].get(f"/api/exports/{export_id}").json()
    assert (done["status"], done["progress"]) == ("done", 100)
    assert api["carol"].get(f"/api/exports/{export_id}/download").status_code == 200
    page = client.get("/exports/")
    assert "Refresh" not in page and 'http-equiv="refresh"' not in page.content.decode()


def test_every_build_is_in_the_sealed_audit_trail(api, users, trial, monkeypatch):
    response = api["carol"].post("/api/exports", {"kind": "redcap"})
    export_id = response.json()["export_id"]
    entries = list(AuditEntry.objects.filter(model=services.AUDIT_LABEL, object_id=str(export_id)))
    assert [e.action for e in entries] == ["create", "update"]
    queued, done = entries
    assert (queued.username, queued.user_id) == ("carol", users["carol"].pk)
    assert queued.new_values["kind"] == "redcap" and queued.new_values["subject_count"] == 1
    assert queued.new_values["sites"] == ["001"] and queued.new_values["requested_at"].endswith("+00:00")
    archive = api["carol"].get(f"/api/exports/{export_id}/download").getvalue()
    assert done.new_values["status"] == "done" and done.new_values["zip_sha256"] == hashlib.sha256(archive).hexdigest()

    def broken(out, protocol, reader):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(packages.WRITERS, "odm", broken)
    failed_id = api["stan"].post("/api/exports", {"kind": "odm"}).json()["export_id"]
    body = api["stan"].get(f"/api/exports/{failed_id}")
    assert body.status_code == 200 and body.json()["status"] == "failed" and "the disk is full" in body.json()["error"]
    last = AuditEntry.objects.filter(model=services.AUDIT_LABEL, object_id=str(failed_id)).last()
    assert last is not None and last.new_values == {"status": "failed"} and "the disk is full" in last.reason
    first = AuditEntry.objects.filter(model=services.AUDIT_LABEL, object_id=str(failed_id)).first()
    assert first is not None and first.new_values["subject_count"] == 2  # the statistician's: both sites
    assert chain.verify().intact


# --- language ------------------------------------------------------------------------------------------------


def test_the_page_is_in_simplified_chinese_for_a_chinese_user(client, users, trial, untranslated):  # noqa: F811
    set_language(users["carol"], "zh-hans")
    client.force_login(users["carol"])
    page = client.get("/exports/").content.decode()
    assert 'lang="zh-hans"' in page
    for text in (">导出</a>", "构建导出", "尚未构建导出。", "去标识化", "您所属中心的受试者：001"):
        assert text in page, text
    assert _start(client, "odm").status_code == 302
    page = client.get("/exports/").content.decode()
    assert "导出已完成" in page and "export-odm.zip" in page and "CDISC ODM 1.3.2（odm.xml）" in page
    for english in ("Build the export", "Your exports", "No export built yet.", "Package", "Export built in"):
        assert english not in page, english
    # GNU gettext manual, "The Format of PO Files": no msgid rendered unchanged (untranslated)
    assert not sorted(untranslated), sorted(untranslated)
