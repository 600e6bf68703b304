from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "opora.access"
    label = "access"

    def ready(self) -> None:
        from opora.access.registry import discover

        discover()
