"""Pages of the trial's course: casebook, eCRFs, signature, data management, query actions."""

from django.urls import path

from haictrial.edc.web.views import crfs, dm

app_name = "crfs"

urlpatterns = [
    path("subjects/<str:subject_id>/casebook/", crfs.casebook, name="casebook"),
    path("subjects/<str:subject_id>/casebook/sign/", crfs.sign, name="sign"),
    path("subjects/<str:subject_id>/forms/<str:form>/new/", crfs.form_new, name="new"),
    path("subjects/<str:subject_id>/forms/<str:form>/<int:record_id>/", crfs.form_record, name="record"),
    path("data-management/", dm.data_management, name="data_management"),
    path("queries/<int:query_id>/", dm.query_action, name="query"),
]
