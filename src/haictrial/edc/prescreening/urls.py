"""The Pre-screening pages."""

from django.urls import path

from haictrial.edc.prescreening import views

app_name = "prescreening"

urlpatterns = [
    path("prescreening/", views.page, name="page"),
    path("prescreening/<int:pk>/", views.run_page, name="run"),
    path("prescreening/<int:pk>/worklist.csv", views.worklist_csv, name="csv"),
    path("prescreening/<int:pk>/entries/<int:entry>/screen/", views.screen_entry, name="screen"),
    path("prescreening/<int:pk>/delete/", views.delete, name="delete"),
]
