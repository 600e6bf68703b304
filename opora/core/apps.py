from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opora.core"
    label = "core"
    verbose_name = "Opora"
