"""The report page and API: statisticians and admins build the trial's analysis report from the
database and read it back; other roles get 403; the report carries no direct identifier; an empty
database and a bad cut-off are handled; the page and the report follow the user's language."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from haictrial.edc.accounts.services import set_language
from haictrial.edc.crfs import services as crfs
from haictrial.edc.reporting import services
from haictrial.edc.reporting.models import ReportBuild
from haictrial.edc.subjects.models import Subject
from haictrial.reports.efficacy import format_rate

from .crfs.conftest import course_document, payloads
from .enrolment import consent_body

#: Direct identifiers sent with the screenings below (Identifiers model: name, hospital number, birth date).
IDENTIFIERS = ["Zhang San", "H-0042", "1961-04-03", "Wang Wu", "H-9001", "1958-02-17", "Liu Liu", "H-5555"]
FILES = ("report.html", "report.pdf", "results.json")
CTRR_FORMS = ("baseline", "haic_cycle", "adverse_events", "imaging", "mdt_review", "resection", "follow_up")


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # each test's builds in its own directory
    settings.TASKS = IMMEDIATE  # the build task runs inside the request; test_build_queue drains a real queue


@pytest.fixture
def trial(api, patient, users):
    """Three screenings: two enrolled (001 with a full course ending in an R0 resection, 002 without eCRFs)
    and one not eligible (ECOG 3, protocol criterion I3)."""
    course = course_document()
    first = api["alice"].post("/api/screenings", patient).json()
    subject_id = (
        api["alice"].post(f"/api/screenings/{first['screening_id']}/enroll", consent_body()).json()["subject_id"]
    )
    enrolment = timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(course["enrolment_date"]), dt.time(9)))
    Subject.objects.filter(subject_id=subject_id).update(enrolled_at=enrolment)
    for form in CTRR_FORMS:
        for payload in payloads(course, form):
            crfs.save_form(users["alice"], subject_id, form, payload)
    second = dict(copy.deepcopy(patient), site="002", birth_date="1958-02-17")
    second["identifiers"] = {"full_name": "Wang Wu", "hospital_number": "H-9001"}
    screening = api["bob"].post("/api/screenings", second).json()
    assert api["bob"].post(f"/api/screenings/{screening['screening_id']}/enroll", consent_body()).status_code == 201
    third = dict(copy.deepcopy(patient), ecog=3, identifiers={"full_name": "Liu Liu", "hospital_number": "H-5555"})
    assert api["carol"].post("/api/screenings", third).json()["eligible"] is False
    return subject_id


def _build(client, **form):
    return client.post("/reports/", {"cutoff": "", **form})


def test_the_statistician_builds_the_report_of_every_site_and_reads_it(client, users, trial, settings):
    client.force_login(users["stan"])
    page = client.get("/reports/").content.decode()
    assert "Build the report" in page and "No report built yet." in page and 'href="/reports/"' in page
    response = _build(client)
    assert response.status_code == 302 and response.url == "/reports/"
    build = ReportBuild.objects.get()
    assert (build.built_by, build.built_by_username, build.has_pdf) == (users["stan"], "stan", False)
    folder = Path(settings.DATA_DIR) / "reports" / build.directory
    assert folder.is_dir() and build.directory.endswith("Z")
    results = json.loads(client.get(f"/reports/{build.pk}/results.json").getvalue())
    # both sites: 3 screened, 2 enrolled; the 001 subject's R0 resection is the one conversion
    assert (results["consort"]["screened"], results["enrolled"]) == (3, 2)
    assert (results["ctrr"]["x"], results["ctrr"]["n"]) == (1, 2)
    assert build.ctrr == {k: results["ctrr"][k] for k in ("x", "n", "estimate", "lower", "upper", "level")}
    line = format_rate(results["ctrr"])
    assert line.startswith("1/2 (50.0 %; 95 % CI 1.3-98.7)")  # Clopper-Pearson: scipy binomtest(1, 2).proportion_ci
    page = client.get("/reports/").content.decode()
    assert "Report built in" in page
    row = page.split(f'data-build="{build.pk}"')[1].split("</tr>")[0]
    for text in (line, results["report"]["cutoff"], "CHALLENGE-A1 " + build.protocol_version, build.software_version):
        assert text in row
    assert f"/reports/{build.pk}/report.html" in row and f"/reports/{build.pk}/report.pdf" not in row
    html = client.get(f"/reports/{build.pk}/report.html")
    assert html.status_code == 200 and html["Content-Type"] == "text/html; charset=utf-8"
    text = html.getvalue().decode()
    assert "CHALLENGE-A1" in text and line in text
    assert "sandbox" in html["Content-Security-Policy"]
    assert client.get(f"/reports/{build.pk}/report.pdf").status_code == 404  # built without the PDF
    assert client.get(f"/reports/{build.pk}/adsl.csv").status_code == 404  # only the listed files
    assert client.get(f"/reports/{build.pk + 1}/report.html").status_code == 404


def test_the_report_holds_no_direct_identifier(users, trial, settings):
    build = services.build(users["stan"], pdf=False)
    folder = Path(settings.DATA_DIR) / "reports" / build.directory
    texts = [p for p in folder.rglob("*") if p.suffix in (".html", ".json", ".csv", ".md")]
    assert {"report.html", "results.json", "adsl.csv", "screening_log.csv"} <= {p.name for p in texts}
    for path in texts:
        content = path.read_text(encoding="utf-8")
        for identifier in IDENTIFIERS:
            assert identifier not in content, (path.name, identifier)
    assert trial in (folder / "datasets" / "adsl.csv").read_text(encoding="utf-8")  # pseudonymous subject ids only


def test_the_admin_gets_a_report_of_their_own_sites_and_downloads_the_pdf(client, users, trial):
    # Server contract: a user sees only the subjects of the sites they belong to; the report lists subject
    # ids, so an admin's report covers the admin's sites and the statistician's all-site build is not theirs.
    earlier = services.build(users["stan"], pdf=False)
    client.force_login(users["adam"])
    assert 'href="/reports/"' in client.get("/").content.decode()  # the nav link
    assert f'data-build="{earlier.pk}"' not in client.get("/reports/").content.decode()
    assert client.get(f"/reports/{earlier.pk}/report.html").status_code == 404
    assert _build(client, pdf="on").status_code == 302
    build = ReportBuild.objects.first()
    assert build is not None and build.pk != earlier.pk and build.has_pdf and build.built_by_username == "adam"
    assert (build.all_sites, build.site_codes) == (False, ["001"])
    response = client.get(f"/reports/{build.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.getvalue().startswith(b"%PDF")
    results = client.get(f"/reports/{build.pk}/results.json")
    assert results["Content-Type"] == "application/json"
    data = json.loads(results.getvalue())
    assert data["enrolled"] == 1  # site 001 only: the 002 subject is not in the admin's report
    assert "CHA-002-" not in client.get(f"/reports/{build.pk}/report.html").getvalue().decode()
    # the statistician reads every build, the admin's included
    client.force_login(users["stan"])
    assert f'data-build="{build.pk}"' in client.get("/reports/").content.decode()


@pytest.mark.parametrize("role_user", ["alice", "carol", "monty", "bob"])
def test_other_roles_get_403_and_no_link(client, users, role_user):
    build = services.build(users["stan"], pdf=False)
    client.force_login(users[role_user])
    assert 'href="/reports/"' not in client.get("/").content.decode()
    assert client.get("/reports/").status_code == 403
    assert _build(client).status_code == 403
    for name in FILES:
        assert client.get(f"/reports/{build.pk}/{name}").status_code == 403
    assert ReportBuild.objects.count() == 1


def test_anonymous_users_are_sent_to_the_login_page(client, users):
    build = services.build(users["stan"], pdf=False)
    for url in ("/reports/", f"/reports/{build.pk}/report.html", f"/reports/{build.pk}/results.json"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert _build(client).status_code == 302 and ReportBuild.objects.count() == 1


def test_an_empty_database_builds_a_report_that_says_so(client, users, settings):
    client.force_login(users["stan"])
    assert _build(client).status_code == 302
    build = ReportBuild.objects.get()
    assert (build.enrolled, build.ctrr["n"], build.ctrr["estimate"]) == (0, 0, None)
    page = client.get("/reports/").content.decode()
    assert "0/0 (no patients)" in page
    html = client.get(f"/reports/{build.pk}/report.html").getvalue().decode()
    assert "CHALLENGE-A1" in html and "0/0 (no patients)" in html


@pytest.mark.parametrize(
    "cutoff, message",
    [("2025-13-45", "Enter a valid date."), ("yesterday", "Enter a valid date."), ("2999-01-01", "in the future")],
)
def test_a_bad_cutoff_is_a_form_error(client, users, cutoff, message, settings):
    client.force_login(users["stan"])
    response = _build(client, cutoff=cutoff)
    assert response.status_code == 200
    assert 'class="field has-error"' in response.content.decode() and message in response.content.decode()
    assert not ReportBuild.objects.exists()
    assert not any((Path(settings.DATA_DIR) / "reports").glob("*"))


def test_a_cutoff_limits_the_report_to_the_data_known_by_then(client, users, trial):
    client.force_login(users["stan"])
    assert _build(client, cutoff="2020-01-01").status_code == 302
    build = ReportBuild.objects.get()
    assert (build.cutoff, build.cutoff_requested, build.enrolled) == (dt.date(2020, 1, 1), dt.date(2020, 1, 1), 0)


def test_the_page_and_the_report_follow_the_users_language(client, users):
    set_language(users["stan"], "zh-hans")
    client.force_login(users["stan"])
    page = client.get("/reports/").content.decode()
    assert "构建报告" in page and "尚未构建报告。" in page
    assert _build(client).status_code == 302
    build = ReportBuild.objects.get()
    assert build.language == "zh-hans"
    html = client.get(f"/reports/{build.pk}/report.html").getvalue().decode()
    assert 'lang="zh-Hans"' in html and "分析报告" in html
    page = client.get("/reports/").content.decode()
    assert "查看报告" in page and "报告构建完成" in page


def test_the_api_builds_and_returns_the_latest_report(api, trial):
    assert api["stan"].get("/api/reports/latest").status_code == 404
    response = api["stan"].post("/api/reports", {"pdf": False})
    assert response.status_code == 202, response.content
    body = api["stan"].get(f"/api/reports/{response.json()['build_id']}").json()
    assert (body["status"], body["progress"], body["step"], body["error"]) == ("done", 100, "done", None)
    assert (body["ctrr"]["x"], body["ctrr"]["n"], body["enrolled"]) == (1, 2, 2)
    assert body["ctrr_text"] == format_rate(body["ctrr"])
    assert body["files"] == ["report.html", "results.json", "report.zip"]
    assert body["built_by"] == "stan" and body["protocol_id"] == "CHALLENGE-A1"
    # the statistician's all-site build is not the admin's (site 001 only): server contract, site isolation
    assert api["adam"].get("/api/reports/latest").status_code == 404
    assert api["adam"].get("/api/reports").json() == []
    results = api["stan"].get(f"/api/reports/{body['build_id']}/files/results.json")
    assert results.status_code == 200 and json.loads(results.getvalue())["ctrr"]["x"] == 1
    assert api["stan"].get(f"/api/reports/{body['build_id']}/files/report.pdf").status_code == 404
    assert api["stan"].get(f"/api/reports/{2**70}").status_code in (404, 422)


def test_the_api_refuses_other_roles_and_bad_cutoffs(api, users):
    build = services.build(users["stan"], pdf=False)
    for name in ("alice", "carol", "monty", "bob"):
        assert api[name].post("/api/reports", {}).status_code == 403
        assert api[name].get("/api/reports/latest").status_code == 403
        assert api[name].get(f"/api/reports/{build.pk}/files/report.html").status_code == 403
    assert api["anonymous"].get("/api/reports/latest").status_code == 401
    bad = api["stan"].post("/api/reports", {"cutoff": "2025-02-30"})
    assert bad.status_code == 422 and bad.json()["field"] == "cutoff"
    future = api["stan"].post("/api/reports", {"cutoff": "2999-01-01"})
    assert future.status_code == 400 and future.json()["field"] == "cutoff"
    assert ReportBuild.objects.count() == 1


def test_the_ecrfs_have_one_derivation_the_reports_one(users, trial):
    # The EDC's own copy (crfs.services.analysis_records) is gone: the page, the API, the CLI and the worker all
    # read the eCRFs through haictrial.reports.from_database -> from_forms.subject_rows.
    from haictrial.edc.trial import protocol
    from haictrial.reports.datasets import prepare
    from haictrial.reports.from_database import from_database

    assert not hasattr(crfs, "analysis_records") and not hasattr(crfs, "_subject_analysis")
    ds = prepare(from_database(protocol(), users["stan"]), protocol())
    adsl = ds.adsl.set_index("subject_id")
    row = adsl.loc[trial]
    course = course_document()
    assert row["best_overall_response"] == "SD"  # the PR is not confirmed (RECIST 1.1 section 4.4)
    assert row["resection_margin"] == "R0" and row["converted"]
    assert row["resection_date"].date().isoformat() == course["resections"][0]["date"]
    assert row["cea_ng_ml"] == 45.2
    assert ds.adae.loc[ds.adae["subject_id"] == trial, "attribution"].tolist() == ["possible"]
    assert ds.adex.loc[ds.adex["subject_id"] == trial, "cycle"].tolist() == [1, 2]
    assert ds.data_issues == []


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_202_queued_and_the_worker_runs_the_build_with_progress(api, trial, settings):
    # server contract "Reports as background jobs": 202 {"build_id", "status": "queued"} at once, then the
    # worker (django-tasks' database backend, as `haictrial serve` runs it) builds; GET follows it
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    response = api["stan"].post("/api/reports", {"pdf": False})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and isinstance(body["build_id"], int)
    queued = api["stan"].get(f"/api/reports/{body['build_id']}").json()
    assert (queued["status"], queued["progress"], queued["files"]) == ("queued", 0, [])
    assert api["stan"].get(f"/api/reports/{body['build_id']}/files/report.zip").status_code == 404
    call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
    done = api["stan"].get(f"/api/reports/{body['build_id']}").json()
    assert (done["status"], done["progress"]) == ("done", 100) and "report.zip" in done["files"]
    archive = api["stan"].get(f"/api/reports/{body['build_id']}/files/report.zip")
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(archive.getvalue())).namelist()
    assert {"report.html", "results.json", "datasets/adsl.csv", "datasets/data_dictionary.csv"} <= set(names)
    assert any(n.startswith("tables/") for n in names) and any(n.startswith("figures/") for n in names)


def test_a_failed_build_carries_its_reason_never_a_500(api, client, users, monkeypatch):
    import haictrial.reports.build as build_module

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(build_module, "build_report", broken)
    response = api["stan"].post("/api/reports", {"pdf": False})
    assert response.status_code == 202
    body = api["stan"].get(f"/api/reports/{response.json()['build_id']}")
    assert body.status_code == 200
    assert body.json()["status"] == "failed" and "the disk is full" in body.json()["error"]
    assert body.json()["files"] == []
    client.force_login(users["stan"])
    page = client.get("/reports/").content.decode()
    assert 'data-status="failed"' in page and "The build failed:" in page and "the disk is full" in page
