"""Subject status transitions (the trial's course: enrolment, HAIC treatment, resection, follow-up)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from haictrial.edc.subjects.models import SubjectStatus
from haictrial.errors import InputError

#: status -> statuses it may change to. ``screened`` belongs to screenings that are not enrolled.
TRANSITIONS: dict[str, frozenset[str]] = {
    "screened": frozenset({"enrolled"}),
    "enrolled": frozenset({"on_treatment", "off_study"}),
    "on_treatment": frozenset({"resected", "follow_up", "off_study"}),
    "resected": frozenset({"on_treatment", "follow_up", "off_study"}),
    "follow_up": frozenset({"off_study"}),
    "off_study": frozenset(),
}


def check_transition(current: str, new: str) -> None:
    """Raise an InputError on ``status`` unless ``current`` may change to ``new``."""
    if new not in SubjectStatus.values:
        raise InputError(
            _("unknown status %(status)r; choose one of %(choices)s")
            % {"status": new, "choices": ", ".join(SubjectStatus.values)},
            field="status",
        )
    if new != current and new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or _("none")
        raise InputError(
            _("a subject cannot go from %(current)s to %(new)s (allowed: %(allowed)s)")
            % {"current": current, "new": new, "allowed": allowed},
            field="status",
        )
