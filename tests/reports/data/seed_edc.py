"""Seeds a fresh EDC database (HAICTRIAL_DATA_DIR): one site, three screenings, two subjects, eCRFs of one.

Run in a subprocess by tests/reports/test_from_database.py, so that Django's set-up stays out of the
other report tests.
"""

import datetime as dt
import json
import sys

from haictrial.edc import setup

setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from haictrial.edc.accounts.models import Site  # noqa: E402
from haictrial.edc.audit.records import create_record  # noqa: E402
from haictrial.edc.subjects.models import Screening, Subject  # noqa: E402

site = Site.objects.create(code="001", name="Tongji")


def patient(site_name, kras, lesions):
    return {
        "age_years": 61,
        "sex": "female",
        "ecog": 1,
        "primary_tumor": {"site": site_name},
        "molecular": {"kras": kras, "nras": "wild_type", "braf": "wild_type"},
        "liver_lesions": [{"id": f"L{i}", "longest_diameter_mm": 10.0 + 5 * i} for i in range(lesions)],
    }


def result(statuses):
    return {"criteria": [{"id": k, "status": v} for k, v in statuses.items()]}


rows = [
    (patient("sigmoid_colon", "wild_type", 3), True, {"I1": "pass"}, "cetuximab"),
    (patient("splenic_flexure", "mutant", 5), True, {"I1": "pass"}, "bevacizumab"),
    (patient("cecum", "wild_type", 2), False, {"I6": "fail", "E1": "unknown", "I1": "pass"}, None),
]
for number, (doc, eligible, statuses, agent) in enumerate(rows, start=1):
    screening = create_record(
        Screening(
            site=site,
            screening_date=dt.date(2025, 3, number),
            patient=doc,
            result=result(statuses),
            eligible=eligible,
            failed_criteria=[k for k, v in statuses.items() if v == "fail"],
            protocol_version="1.0",
            engine_version="test",
        ),
        user=None,
    )
    if agent:
        create_record(
            Subject(
                subject_id=f"CHA-001-{number:04d}",
                site=site,
                screening=screening,
                enrolled_at=dt.datetime(2025, 3, 10 + number, 18, 30, tzinfo=dt.UTC),
                treatment_start_date=dt.date(2025, 3, 20),
                targeted_agent=agent,
                protocol_version="1.0",
                engine_version="test",
            ),
            user=None,
        )
# eCRFs of subject 1: baseline (CEA), two HAIC cycles, a confirmed PR, MDT "resect", an R0 resection, follow-up
from haictrial.edc.crfs.models import FormRecord  # noqa: E402

subject = Subject.objects.get(subject_id="CHA-001-0001")
lesions = [
    {"id": "T1", "segments": ["S7"], "longest_diameter_mm": 48, "role": "target"},
    {"id": "T2", "segments": ["S4"], "longest_diameter_mm": 31, "role": "target"},
]
forms = [
    (
        "baseline",
        None,
        "2025-03-10",
        {
            "visit_date": "2025-03-10",
            "ecog": 0,
            "baseline_imaging_date": "2025-03-08",
            "tumour_markers": {"cea_ng_per_ml": 245.0},
            "lesions": lesions,
        },
    ),
    ("haic_cycle", 1, "2025-03-20", {"cycle": 1, "admission_date": "2025-03-20"}),
    ("haic_cycle", 2, "2025-04-14", {"cycle": 2, "admission_date": "2025-04-14"}),
    ("imaging", None, "2025-05-01", {"date": "2025-05-01", "target_mm": {"T1": 30, "T2": 20}, "new_lesions": False}),
    ("imaging", None, "2025-06-05", {"date": "2025-06-05", "target_mm": {"T1": 28, "T2": 18}, "new_lesions": False}),
    ("mdt_review", None, "2025-06-08", {"date": "2025-06-08", "decision": "resect"}),
    (
        "resection",
        None,
        "2025-06-20",
        {"date": "2025-06-20", "macroscopic_residual": False, "pathology": {"margin_mm": 3.0}},
    ),
    ("follow_up", None, "2025-09-20", {"date": "2025-09-20", "vital_status": "alive"}),
]
for form, number, date, payload in forms:
    create_record(
        FormRecord(
            subject=subject,
            form=form,
            payload=payload,
            cycle=number,
            event_date=dt.date.fromisoformat(date),
            protocol_version="1.0",
            engine_version="test",
        ),
        user=None,
    )
json.dump({"ok": True}, sys.stdout)
