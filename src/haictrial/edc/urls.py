"""URLs: the pages, the API under /api/, the Django admin (admin role only) and the language switch."""

from django.contrib import admin
from django.urls import include, path

from haictrial.edc.api.api import api

admin.site.site_header = "haictrial EDC administration"

urlpatterns = [
    path("api/", api.urls),
    path("redcap/", include("haictrial.edc.redcap.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("haictrial.edc.web.crf_urls")),
    path("", include("haictrial.edc.operations.urls")),
    path("", include("haictrial.edc.prescreening.urls")),
    path("", include("haictrial.edc.exports.urls")),
    path("", include("haictrial.edc.web.urls")),
]
