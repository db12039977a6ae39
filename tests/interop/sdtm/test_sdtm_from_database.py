"""The SDTM package from a small EDC database filled by the demo loader (docs/contracts/interop.md: the row
counts agree with the EDC: DM = enrolled, AE = adverse-event records, EX = administrations given)."""

from __future__ import annotations

import pytest

from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.demo import load_demo
from haictrial.edc.subjects.models import Subject
from haictrial.interop.sdtm import checks
from haictrial.interop.sdtm.build import build_domains
from haictrial.interop.sdtm.source import from_database
from haictrial.protocol import load_protocol


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_edc_package_counts_agree_with_the_database():
    load_demo(subjects=4, seed=2)
    protocol = load_protocol()
    study = from_database()
    package = build_domains(study, protocol)
    assert len(package.frames["DM"]) == Subject.objects.count() == 4
    assert len(package.frames["AE"]) == FormRecord.objects.filter(form="adverse_events").count()
    given = sum(
        1
        for r in FormRecord.objects.filter(form="haic_cycle")
        for i in r.payload.get("infusions", [])
        if (i.get("given_dose_mg") or 0) > 0
    )
    given += sum(
        1 for r in FormRecord.objects.filter(form="targeted_agent") if (r.payload.get("given_dose_mg") or 0) > 0
    )
    assert len(package.frames["EX"]) == given
    assert checks.count_problems(package) == []
    assert checks.oncology_problems(package.frames) == []
    _failed, problems = checks.conformance(package)
    assert problems == []
