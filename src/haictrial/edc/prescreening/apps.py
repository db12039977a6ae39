from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrescreeningConfig(AppConfig):
    name = "haictrial.edc.prescreening"
    label = "prescreening"
    verbose_name = _("Pre-screening")
