"""Demo eCRFs: one synthetic course of :func:`haictrial.synth.cohort.generate_cohort` (``cohort.course(id)``)
entered as the site would enter it, form by form, up to ``today``.

The payloads come from the one Django-free mapping of a course to eCRFs (:mod:`haictrial.synth.forms`, also
used by the exports' ``--from-synth``); this module only saves them through the EDC's services (an
investigator of the site records a safety override where the synthetic course gave a cycle the plan
delays or holds). The subject's status then follows from the forms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from haictrial.edc.crfs import services
from haictrial.edc.subjects.models import Subject
from haictrial.edc.trial import protocol
from haictrial.errors import DomainError, UnprocessableError
from haictrial.synth.forms import clean, course_entries, course_rng


def load_course(subject: Subject, user: Any, course: dict[str, Any], today: dt.date, seed: int = 1) -> int:
    """Enter ``course`` (``SyntheticCohort.course(id)``) as eCRFs up to ``today``; returns the records made.

    The forms are saved without re-deriving after each one; the subject is derived, edit-checked and
    moved along its status once at the end (:func:`services.finish_loading`, the orchestrator of a site's saves).
    """
    entries = course_entries(
        course,
        today,
        protocol(),
        rng=course_rng(seed, subject.subject_id),
        zone=timezone.get_current_timezone(),
        now=timezone.now(),
    )
    made = 0
    investigator = _site_investigator(subject, user)
    for form, payload in entries:
        try:
            try:
                services.save_form(user, subject.subject_id, form.value, clean(payload), refresh=False)
            except UnprocessableError as exc:
                if "safety_override" not in exc.message or investigator is None:
                    raise
                # The synthetic course gave a cycle the plan delays or holds: the site's investigator
                # records the override, as a site would (it is then a protocol deviation).
                payload = {**payload, "safety_override": {"reason": DEMO_OVERRIDE_REASON}}
                services.save_form(investigator, subject.subject_id, form.value, clean(payload), refresh=False)
            made += 1
        except DomainError:
            continue  # a synthetic value the eCRF refuses: left out, as a site would have to correct it
    services.finish_loading(subject, user)
    return made


#: The reason the demo's investigator gives when a synthetic course gave a cycle the plan delayed or held.
DEMO_OVERRIDE_REASON = "Demo data: the synthetic course gave this cycle as generated; toxicity judged resolved"


def _site_investigator(subject: Subject, user: Any) -> Any:
    """``user`` if an investigator, else an investigator of the subject's site (None if the site has none)."""
    from haictrial.edc.accounts.models import User

    if getattr(user, "role", "") == "investigator":
        return user
    return User.objects.filter(role="investigator", sites=subject.site, is_active=True).order_by("pk").first()
