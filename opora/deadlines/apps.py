from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "opora.deadlines"
    label = "deadlines"

    def ready(self) -> None:
        from opora.audit.registry import register
        from opora.deadlines.models import DeadlineRule

        # A changed time limit changes every case's due dates: who changed it, and from what, is kept.
        register(DeadlineRule)
