"""The Exports page and its downloads."""

from django.urls import path

from haictrial.edc.exports import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.exports_page, name="page"),
    path("exports/<int:pk>/download/", views.download, name="download"),
]
