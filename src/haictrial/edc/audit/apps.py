from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "haictrial.edc.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from haictrial.edc.audit import accounts, signals  # noqa: F401 - connect the chain to history and accounts
        from haictrial.edc.audit.history import cache_history_managers
        from haictrial.edc.audit.rows import audited_models

        cache_history_managers(audited_models())
