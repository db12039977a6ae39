from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "haictrial.edc.operations"
    label = "operations"
    verbose_name = "Trial operations"

    def ready(self) -> None:
        from haictrial.edc.operations import signals  # noqa: F401  (a monitor's query notifies the coordinators)
