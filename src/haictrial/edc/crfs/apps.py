from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrfsConfig(AppConfig):
    name = "haictrial.edc.crfs"
    label = "crfs"
    verbose_name = _("eCRFs")
