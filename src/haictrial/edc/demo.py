"""``haictrial demo``: a synthetic, clearly labelled demo cohort (sites, users for every role,
screened and enrolled subjects with their course).

Patients come from :func:`haictrial.synth.generate_cohort` when it is installed, otherwise from a
small seeded fixture below. Nothing here is real: site names start with ``[DEMO]``, patient names
with ``DEMO``, and the pages show a banner. Demo passwords are random, printed once and kept in
``HAICTRIAL_DATA_DIR/demo-logins.txt`` (mode 600) so that ``make run`` can show them again.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from haictrial.edc.accounts.models import Site, User
from haictrial.edc.accounts.services import create_site, create_user
from haictrial.edc.demo_label import DEMO_NAME_PREFIX, DEMO_SITE_PREFIX
from haictrial.edc.subjects import services
from haictrial.edc.subjects.models import Screening, SubjectStatus

SITES = [("001", "Tongji Hospital, Wuhan"), ("002", "Second Site")]
#: (username, role, site codes)
USERS = [
    ("demo-investigator", "investigator", ["001"]),
    ("demo-coordinator", "coordinator", ["001"]),
    ("demo-monitor", "monitor", ["001"]),
    ("demo-statistician", "statistician", []),
    ("demo-admin", "admin", ["001", "002"]),
    ("demo-investigator-002", "investigator", ["002"]),
]
LOGINS_FILE = "demo-logins.txt"


@dataclass
class DemoSummary:
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    screened: int = 0
    enrolled: int = 0
    source: str = ""

    def text(self) -> str:
        lines = [
            f"demo cohort loaded ({self.source}): {self.screened} screened, {self.enrolled} enrolled",
            "SYNTHETIC DEMO DATA: no real patients.",
            logins_text(self.logins),
        ]
        return "\n".join(lines)


def logins_text(logins: list[tuple[str, str, str]]) -> str:
    out = ["demo logins (username / password / role):"]
    out += [f"  {user:<24} {password:<20} {role}" for user, password, role in logins]
    return "\n".join(out) + "\n"


def database_is_empty() -> bool:
    return not (Site.objects.exists() or User.objects.exists() or Screening.objects.exists())


def logins_path() -> Path:
    return Path(settings.DATA_DIR) / LOGINS_FILE


def saved_logins() -> str:
    path = logins_path()
    return path.read_text(encoding="utf-8") if path.is_file() else ""


# --- the patients --------------------------------------------------------------------------


def _fixture_document(rng: random.Random, screening_date: dt.date) -> dict[str, Any]:
    """One synthetic screening document (contracts/screen.md); about a quarter fail or lack a criterion."""
    age = rng.randint(35, 74)
    birth = screening_date - dt.timedelta(days=age * 365 + rng.randint(1, 360))
    sex = rng.choice(["male", "female"])
    height = round(rng.gauss(172 if sex == "male" else 160, 6), 0)
    weight = round(rng.gauss(68 if sex == "male" else 57, 8), 1)
    site = rng.choice(
        [
            "cecum",
            "ascending_colon",
            "transverse_colon",
            "descending_colon",
            "sigmoid_colon",
            "sigmoid_colon",
            "rectosigmoid",
            "rectum",
            "rectum",
        ]
    )
    ras = rng.random() < 0.45
    doc: dict[str, Any] = {
        "screening_date": screening_date.isoformat(),
        "birth_date": birth.isoformat(),
        "sex": sex,
        "height_cm": height,
        "weight_kg": weight,
        "ecog": rng.choice([0, 0, 1]),
        "lvef_percent": rng.randint(55, 70),
        "fev1_fvc_percent": rng.randint(68, 85),
        "pathology_confirmed_crlm": True,
        "other_malignancy_history": False,
        "prior_systemic_treatment": rng.choice(["progressed", "refused"]),
        "primary_tumor": {"site": site, "resected": rng.random() < 0.4, "completely_resectable": True},
        "molecular": {"kras": "mutant" if ras else "wild_type", "nras": "wild_type", "braf": "wild_type"},
        "liver_lesions": [
            {"id": f"L{k + 1}", "segment": f"S{rng.randint(1, 8)}", "longest_diameter_mm": rng.randint(12, 90)}
            for k in range(rng.randint(1, 4))
        ],
        "extrahepatic_metastasis": False,
        "peritoneal_spread": False,
        "ascites": "none",
        "hepatic_encephalopathy": "none",
        "labs": {
            "wbc": {"value": round(rng.uniform(3.5, 9.0), 1), "unit": "10^9/L"},
            "neutrophils": {"value": round(rng.uniform(1.8, 6.0), 1), "unit": "10^9/L"},
            "platelets": {"value": rng.randint(110, 350), "unit": "10^9/L"},
            "hemoglobin": {"value": rng.randint(100, 150), "unit": "g/L"},
            "total_bilirubin": {"value": round(rng.uniform(5, 25), 1), "unit": "umol/L"},
            "albumin": {"value": rng.randint(36, 46), "unit": "g/L"},
            "inr": {"value": round(rng.uniform(0.9, 1.2), 2), "unit": "ratio"},
            "alt": {"value": rng.randint(10, 90), "unit": "U/L"},
            "ast": {"value": rng.randint(12, 95), "unit": "U/L"},
            "creatinine": {"value": rng.randint(50, 110), "unit": "umol/L"},
        },
        "medical_history": [],
        "allergies": [],
        "unable_to_tolerate": [],
        "prior_liver_directed_treatment": [],
        "data_complete": True,
    }
    roll = rng.random()
    if roll < 0.06:
        doc["extrahepatic_metastasis"] = True
    elif roll < 0.10:
        doc["birth_date"] = (screening_date - dt.timedelta(days=79 * 365)).isoformat()
    elif roll < 0.14:
        doc["ecog"] = 2
    elif roll < 0.17:
        doc["labs"]["platelets"] = {"value": 60, "unit": "10^9/L"}
    elif roll < 0.20:
        doc["prior_liver_directed_treatment"] = ["ablation"]
    elif roll < 0.23:
        doc["labs"]["total_bilirubin"] = {"value": 2.4, "unit": "mg/dL"}
    elif roll < 0.26:
        del doc["lvef_percent"]
    return doc


def _documents(count: int, seed: int, start: dt.date) -> tuple[list[dict[str, Any]], str]:
    """Screening documents: the synthetic cohort generator's, or the fixture's."""
    try:
        from haictrial.synth import generate_cohort  # type: ignore[attr-defined]
    except ImportError:
        generate_cohort = None
    if generate_cohort is not None:
        cohort = generate_cohort(count, seed=seed, start=start)
        documents = [dict(d) for d in cohort.screening]
        return documents, "haictrial.synth cohort"
    rng = random.Random(seed)
    span = max(count, 30)
    dates = sorted(start + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
    return [_fixture_document(rng, day) for day in dates], "built-in demo fixture"


# --- loading -------------------------------------------------------------------------------


def _password() -> str:
    return "demo-" + secrets.token_urlsafe(9)


def _advance(rng: random.Random, subject: Any, user: User, start: dt.date) -> None:
    """Move an enrolled subject along the trial's course (each change audited with a reason)."""
    steps = [(SubjectStatus.on_treatment, "demo: first HAIC cycle given")]
    roll = rng.random()
    if roll < 0.25:
        steps += [
            (SubjectStatus.resected, "demo: R0 liver resection"),
            (SubjectStatus.follow_up, "demo: post-operative follow-up"),
        ]
    elif roll < 0.35:
        steps += [(SubjectStatus.off_study, "demo: withdrew consent")]
    elif roll < 0.45:
        steps += [(SubjectStatus.follow_up, "demo: treatment completed, not resectable")]
    elif roll > 0.85:
        steps = []
    for index, (status, reason) in enumerate(steps):
        change: dict[str, Any] = {"version": subject.version, "reason": reason, "status": status}
        if index == 0:
            change["treatment_start_date"] = start
        subject = services.update_subject(user, subject.subject_id, services.SubjectChange(**change))


def load_demo(subjects: int = 300, seed: int = 1) -> DemoSummary:
    """Create the demo sites, users and ``subjects`` enrolled patients (plus the screen failures)."""
    if not database_is_empty():
        from haictrial.errors import ConflictError

        raise ConflictError("the database already has data; demo fills an empty database only (use --if-empty)")
    rng = random.Random(seed)
    summary = DemoSummary()
    proto = services.protocol()
    start = proto.registry.start_date
    with transaction.atomic():
        for code, name in SITES:
            create_site(code, DEMO_SITE_PREFIX + name)
        users: dict[str, User] = {}
        for username, role, codes in USERS:
            password = _password()
            users[username] = create_user(username, role, codes, password)
            summary.logins.append((username, password, role))
        staff = {"001": users["demo-coordinator"], "002": users["demo-investigator-002"]}
        documents, summary.source = _documents(2 * subjects + 20, seed, start)
        for number, document in enumerate(documents, start=1):
            if summary.enrolled >= subjects:
                break
            code = "001" if rng.random() < 0.7 else "002"
            body = dict(document)
            body.pop("subject_id", None)
            body["site"] = code
            body["identifiers"] = {
                "full_name": f"{DEMO_NAME_PREFIX}Patient {number:04d}",
                "hospital_number": f"DEMO-{number:06d}",
            }
            screening, result = services.screen_patient(staff[code], body)
            summary.screened += 1
            if result["eligible"] is True:
                subject = services.enroll(staff[code], screening.pk)
                summary.enrolled += 1
                begin = (screening.screening_date or start) + dt.timedelta(days=rng.randint(3, 10))
                _advance(rng, subject, staff[code], begin)
    path = logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(logins_text(summary.logins), encoding="utf-8")
    path.chmod(0o600)
    return summary
