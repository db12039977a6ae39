"""``/redcap/api/``: REDCap's API path shape (clients such as PyCap require the URL to end in ``/api/``)."""

from django.urls import path

from haictrial.edc.redcap.views import redcap_api

urlpatterns = [path("api/", redcap_api, name="redcap-api")]
