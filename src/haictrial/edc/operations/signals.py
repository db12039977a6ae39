"""A query opened by a monitor e-mails the site's coordinators, after the transaction commits; every save of a
subject's data runs the deviation detection and the SAE notifications (:func:`services.subject_saved`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from haictrial.edc.dm.models import Query, QueryOrigin
from haictrial.edc.subjects.signals import subject_data_saved


@receiver(post_save, sender=Query, dispatch_uid="operations_query_opened")
def _query_opened(sender: type[Query], instance: Query, created: bool, **kwargs: Any) -> None:
    if created and instance.origin == QueryOrigin.monitor:
        from haictrial.edc.operations.tasks import notify_query_opened

        transaction.on_commit(lambda: notify_query_opened.enqueue(instance.pk))


@receiver(subject_data_saved, dispatch_uid="operations_subject_data_saved")
def _subject_data_saved(
    sender: Any, subject: Any, user: Any, forms: Any = None, records: Any = None, **kwargs: Any
) -> None:
    from haictrial.edc.operations.services import subject_saved

    subject_saved(subject, user, forms, records)
