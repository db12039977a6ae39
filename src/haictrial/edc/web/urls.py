from django.urls import path

from haictrial.edc.web.views import auth, fhir_import, reports, screening, subjects

app_name = "web"

urlpatterns = [
    path("", subjects.dashboard, name="dashboard"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/", auth.account, name="account"),
    path("account/language/", auth.account_language, name="account_language"),
    path("account/otp/", auth.account_otp, name="account_otp"),
    path("account/password/", auth.account_password, name="account_password"),
    path("account/redcap-token/", auth.account_redcap_token, name="account_redcap_token"),
    path("screenings/", screening.screening_log, name="screening_log"),
    path("screenings/new/", screening.screening_new, name="screening_new"),
    path("screenings/new/fhir/", fhir_import.screening_from_fhir, name="screening_fhir"),
    path("screenings/<int:pk>/", screening.screening_detail, name="screening"),
    path("screenings/<int:pk>/enroll/", screening.screening_enroll, name="screening_enroll"),
    path("screenings/<int:pk>/correct/", screening.screening_correct, name="screening_correct"),
    path("subjects/", subjects.subject_list, name="subjects"),
    path("subjects/<str:subject_id>/", subjects.subject_detail, name="subject"),
    path("subjects/<str:subject_id>/plan/", subjects.subject_plan, name="subject_plan"),
    path("reports/", reports.report_page, name="reports"),
    path("reports/<int:pk>/<str:name>", reports.report_file, name="report_file"),
]
