from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "haictrial.edc.api"
    label = "edc_api"
    verbose_name = "API"
