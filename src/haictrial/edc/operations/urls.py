"""Pages of trial operations."""

from django.urls import path

from haictrial.edc.operations import documents, views

app_name = "operations"

urlpatterns = [
    path("deviations/", views.deviations, name="deviations"),
    path("safety/sae/", views.sae_desk, name="sae_desk"),
    path("status-grid/", views.status_grid, name="status_grid"),
    path("monitoring/worklist/", views.worklist, name="worklist"),
    path("monitoring/missing-data/", views.missing_data, name="missing_data"),
    path("monitoring/records/<int:record_id>/verify-field/", views.verify_field, name="verify_field"),
    path("subjects/<str:subject_id>/plan/order-sheet.pdf", documents.order_sheet, name="order_sheet"),
    path("subjects/<str:subject_id>/mdt-pack.pdf", documents.mdt_pack, name="mdt_pack"),
    path("subjects/<str:subject_id>/calendar.ics", documents.calendar_ics, name="calendar_ics"),
    path("forms/", documents.forms_index, name="forms_index"),
    path("forms/<str:form>/blank/", documents.blank_form, name="blank_form"),
    path("account/notifications/", views.digest_preference, name="digest_preference"),
]
