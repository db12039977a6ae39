from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DmConfig(AppConfig):
    name = "haictrial.edc.dm"
    label = "dm"
    verbose_name = _("Data management")
