"""Pages of trial operations."""

from django.urls import path

from haictrial.edc.operations import views

app_name = "operations"

urlpatterns = [
    path("deviations/", views.deviations, name="deviations"),
    path("safety/sae/", views.sae_desk, name="sae_desk"),
    path("status-grid/", views.status_grid, name="status_grid"),
    path("account/notifications/", views.digest_preference, name="digest_preference"),
]
