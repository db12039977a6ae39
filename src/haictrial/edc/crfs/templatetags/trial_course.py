"""Template helpers of the trial-course pages: look up a bound field by its payload path, a dict value
by key, and the dashboard panel (flagged visits and the subjects' timelines)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def bound(form: Any, name: str) -> Any:
    """``{{ form|bound:"infusions[0].given_dose_mg" }}``: the bound field of that name."""
    return form[name]


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.inclusion_tag("crfs/dashboard_panel.html", takes_context=True)
def trial_course_panel(context: Any) -> dict[str, Any]:
    """Overdue and out-of-window visits and the timelines of the subjects the user may see."""
    from haictrial.edc.crfs import progress

    request = context["request"]
    return {
        "flagged": progress.flagged_visits(request.user, limit=50),
        "lines": progress.timelines(request.user, limit=30),
        "request": request,
    }
