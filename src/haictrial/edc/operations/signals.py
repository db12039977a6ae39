"""A query opened by a monitor e-mails the site's coordinators, after the transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from haictrial.edc.dm.models import Query, QueryOrigin


@receiver(post_save, sender=Query, dispatch_uid="operations_query_opened")
def _query_opened(sender: type[Query], instance: Query, created: bool, **kwargs: Any) -> None:
    if created and instance.origin == QueryOrigin.monitor:
        from haictrial.edc.operations.tasks import notify_query_opened

        transaction.on_commit(lambda: notify_query_opened.enqueue(instance.pk))
