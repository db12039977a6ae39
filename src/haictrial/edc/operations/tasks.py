"""Background tasks of the notifications (django-tasks; run by the worker ``haictrial serve`` starts).

Periodic work (the 4-hour SAE reminder and the daily digest) is :func:`periodic_notifications`: it runs both and
re-enqueues itself ``PERIOD`` later (``run_after``). The worker starts the chain when it starts
(:func:`start_periodic`, called from :mod:`haictrial.edc.worker`; it enqueues only when no run is already waiting),
and ``haictrial notify`` runs the same checks once (for cron, or a machine without the worker).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

#: How often the reminder and digest checks run.
PERIOD = dt.timedelta(minutes=15)
#: The digest goes out at the first check after this hour, site time.
DIGEST_HOUR = 7


@task()
def notify_new_sae(record_id: int) -> bool:
    from haictrial.edc.operations import notify

    return notify.new_sae(record_id) is not None


@task()
def notify_query_opened(query_id: int) -> bool:
    from haictrial.edc.operations import notify

    return notify.query_opened(query_id) is not None


def run_checks(now: dt.datetime | None = None, *, digest: bool | None = None) -> dict[str, int]:
    """The SAE reminders, and the digest when ``digest`` (default: from DIGEST_HOUR site time on). Counts sent."""
    from haictrial.edc.operations import notify

    now = now or timezone.now()
    local = timezone.localtime(now)
    reminders = notify.sae_reminders(now)
    digests = notify.daily_digest(local.date()) if (digest if digest is not None else local.hour >= DIGEST_HOUR) else []
    return {"sae_reminders": len(reminders), "digests": len(digests)}


@task()
def periodic_notifications() -> dict[str, int]:
    counts = run_checks()
    if default_task_backend.supports_defer:
        periodic_notifications.using(run_after=timezone.now() + PERIOD).enqueue()
    return counts


def start_periodic() -> bool:
    """Enqueue :func:`periodic_notifications` unless a run is already waiting (database backend only)."""
    if not default_task_backend.supports_defer or "django_tasks_db" not in settings.INSTALLED_APPS:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path__endswith=".periodic_notifications", status="READY").exists()
    if not waiting:
        periodic_notifications.enqueue()
    return not waiting
