"""Subject status transitions (the trial's course: enrolment, HAIC treatment, resection, follow-up)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from haictrial.errors import InputError
from haictrial.vocabulary.enums import SubjectStatus

#: status -> statuses it may change to. ``screened`` belongs to screenings that are not enrolled.
TRANSITIONS: dict[str, frozenset[str]] = {
    SubjectStatus.screened: frozenset({SubjectStatus.enrolled}),
    SubjectStatus.enrolled: frozenset({SubjectStatus.on_treatment, SubjectStatus.off_study}),
    SubjectStatus.on_treatment: frozenset({SubjectStatus.resected, SubjectStatus.follow_up, SubjectStatus.off_study}),
    SubjectStatus.resected: frozenset({SubjectStatus.on_treatment, SubjectStatus.follow_up, SubjectStatus.off_study}),
    SubjectStatus.follow_up: frozenset({SubjectStatus.off_study}),
    SubjectStatus.off_study: frozenset(),
}


def check_transition(current: str, new: str) -> None:
    """Raise an InputError on ``status`` unless ``current`` may change to ``new``."""
    codes = [s.value for s in SubjectStatus]
    if new not in codes:
        raise InputError(
            _("unknown status %(status)r; choose one of %(choices)s") % {"status": new, "choices": ", ".join(codes)},
            field="status",
        )
    if new != current and new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or _("none")
        raise InputError(
            _("a subject cannot go from %(current)s to %(new)s (allowed: %(allowed)s)")
            % {"current": current, "new": new, "allowed": allowed},
            field="status",
        )
