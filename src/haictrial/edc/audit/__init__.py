"""The audit trail: django-simple-history records every change; each record also becomes a
hash-chained :class:`~haictrial.edc.audit.models.AuditEntry`, so that any edit of the trail is detected."""
