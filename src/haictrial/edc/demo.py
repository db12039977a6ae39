"""``haictrial demo``: a synthetic, clearly labelled demo cohort (sites, users for every role,
screened and enrolled subjects with their course).

Patients come from the seeded synthetic cohort generator (:func:`haictrial.synth.cohort.generate_cohort`);
their courses are entered as eCRFs up to today (:func:`haictrial.edc.crfs.demo.load_course`), and each
subject's status follows from its forms.
Nothing here is real: site names start with ``[DEMO]``, patient names
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
from django.contrib.auth.password_validation import get_default_password_validators
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from haictrial.edc.accounts.models import Site, User
from haictrial.edc.accounts.services import create_site, create_user
from haictrial.edc.crfs.demo import load_course
from haictrial.edc.demo_label import DEMO_NAME_PREFIX, DEMO_SITE_PREFIX
from haictrial.edc.subjects import services
from haictrial.edc.subjects.models import Screening
from haictrial.edc.trial import protocol
from haictrial.vocabulary.enums import SubjectStatus

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


#: The last demo patient is enrolled this many days before today, so the cohort shows every state of
#: the course (on treatment, resected, follow-up, off study).
LAST_ENROLMENT_DAYS_AGO = 30
#: A demo patient stays ``resected`` this long after the operation before moving to follow-up.
POST_OPERATIVE_DAYS = 90


def synthetic_cohort(screened: int, enrolled: int, seed: int, today: dt.date) -> Any:
    """The seeded synthetic cohort (:func:`haictrial.synth.cohort.generate_cohort`), shifted in time so
    that its ``enrolled``-th enrolment falls :data:`LAST_ENROLMENT_DAYS_AGO` days before ``today``."""
    from haictrial.synth.cohort import generate_cohort

    provisional = today - dt.timedelta(days=730)
    cohort = generate_cohort(screened, seed=seed, start=provisional, verify=0)
    dates = [row["enrolment_date"] for row in cohort.arrow_tables["subjects"].select(["enrolment_date"]).to_pylist()]
    dates = sorted(d for d in dates if d is not None)
    if not dates:
        return cohort
    target = dates[min(enrolled, len(dates)) - 1]
    shift = (today - dt.timedelta(days=LAST_ENROLMENT_DAYS_AGO)) - target
    return generate_cohort(screened, seed=seed, start=provisional + shift, verify=0)


def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def course_steps(course: dict[str, Any], today: dt.date) -> list[tuple[str, str, dt.date | None]]:
    """(status, reason, treatment start) changes that replay a synthetic course up to ``today``."""
    steps: list[tuple[str, str, dt.date | None]] = []
    start = _date(course.get("cycle_1_date"))
    if not start or start > today:
        return steps
    steps.append((SubjectStatus.on_treatment, "demo: first HAIC cycle given", start))
    end = _date(course.get("end_of_treatment_date"))
    if end is None or end > today:
        return steps
    reason = str(course.get("end_of_treatment_reason") or "")
    if course.get("resected") is True:
        steps.append((SubjectStatus.resected, "demo: liver resection", None))
        if end + dt.timedelta(days=POST_OPERATIVE_DAYS) > today:
            return steps
        steps.append((SubjectStatus.follow_up, "demo: post-operative follow-up", None))
    elif reason in ("withdrawal", "death"):
        steps.append((SubjectStatus.off_study, f"demo: end of treatment ({reason})", None))
        return steps
    else:
        steps.append((SubjectStatus.follow_up, f"demo: end of treatment ({reason.replace('_', ' ')})", None))
    death = _date(course.get("death_date"))
    if death is not None and death <= today:
        steps.append((SubjectStatus.off_study, "demo: died during follow-up", None))
    return steps


# --- loading -------------------------------------------------------------------------------


def _password(username: str) -> str:
    """A random password the site's password validators accept for ``username``: drawn again in the rare case
    (about 1 in 1 000) that the random letters make it too similar to the username."""
    candidate = User(username=username)
    while True:
        password = "demo-" + secrets.token_urlsafe(9)
        try:
            for validator in get_default_password_validators():
                validator.validate(password, candidate)
        except ValidationError:
            continue
        return password


def _replay(subject: Any, user: User, steps: list[tuple[str, str, dt.date | None]]) -> None:
    """Move an enrolled subject along its course, each change audited with its reason."""
    for status, reason, treatment_start in steps:
        change: dict[str, Any] = {"version": subject.version, "reason": reason, "status": status}
        if treatment_start is not None:
            change["treatment_start_date"] = treatment_start
        subject = services.update_subject(user, subject.subject_id, services.SubjectChange(**change))


def load_demo(subjects: int = 300, seed: int = 1, today: dt.date | None = None) -> DemoSummary:
    """Create the demo sites, users and ``subjects`` enrolled patients (plus their screen failures).

    Patients are screened in the synthetic cohort's order until ``subjects`` are enrolled; each
    enrolled patient's course is entered as eCRFs up to ``today`` and its status follows from them.
    """
    if not database_is_empty():
        from haictrial.errors import ConflictError

        raise ConflictError("the database already has data; demo fills an empty database only (use --if-empty)")
    today = today or timezone.localdate()
    rng = random.Random(seed)
    summary = DemoSummary(source=f"haictrial.synth cohort, seed {seed}")
    # About half of the screened patients are eligible (synth distributions): draw plenty.
    cohort = synthetic_cohort(3 * subjects + 40, subjects, seed, today)
    courses = {row["subject_id"]: row for row in cohort.arrow_tables["subjects"].to_pylist()}
    with transaction.atomic():
        for code, name in SITES:
            create_site(code, DEMO_SITE_PREFIX + name)
        users: dict[str, User] = {}
        for username, role, codes in USERS:
            password = _password(username)
            users[username] = create_user(username, role, codes, password)
            summary.logins.append((username, password, role))
        staff = {"001": users["demo-coordinator"], "002": users["demo-investigator-002"]}
        for number, document in enumerate(cohort.screening_documents(), start=1):
            if summary.enrolled >= subjects:
                break
            screened_on = dt.date.fromisoformat(document["screening_date"]) if document.get("screening_date") else today
            if screened_on > today:
                break
            synthetic_id = document.pop("subject_id", None)
            code = "001" if rng.random() < 0.7 else "002"
            document["site"] = code
            document["identifiers"] = {
                "full_name": f"{DEMO_NAME_PREFIX}Patient {number:04d}",
                "hospital_number": f"DEMO-{number:06d}",
            }
            screening, result = services.screen_patient(staff[code], document)
            summary.screened += 1
            course = courses.get(synthetic_id)
            if result["eligible"] is not True or course is None:
                continue
            enrolled_on = _date(course.get("enrolment_date")) or screening.screening_date or today
            enrolled_at = dt.datetime.combine(enrolled_on, dt.time(9, 0), tzinfo=timezone.get_current_timezone())
            # Consent is signed on the screening day, before any trial procedure (ICH E6(R2) 4.8.8).
            signed_on = min(screening.screening_date or enrolled_on, enrolled_on)
            consent = {
                "signed_on": signed_on.isoformat(),
                "icf_version": protocol().settings.consent.icf_versions.value[0],
                "obtained_by": staff[code].get_username(),
            }
            subject = services.enroll(staff[code], screening.pk, consent, enrolled_at=enrolled_at)
            summary.enrolled += 1
            # The course is entered as eCRFs up to today; the status follows from the forms.
            load_course(subject, staff[code], cohort.course(synthetic_id), today, seed)
    path = logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(logins_text(summary.logins), encoding="utf-8")
    path.chmod(0o600)
    return summary
