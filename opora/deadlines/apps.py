from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "opora.deadlines"
    label = "deadlines"

    def ready(self) -> None:
        from opora.audit.registry import register
        from opora.cases.signals import referral_recorded
        from opora.deadlines.intake import start_intake_tasks
        from opora.deadlines.models import DeadlineRule

        # The tasks of law a referral starts are this app's rules: intake tells it, and knows no rule.
        referral_recorded.connect(start_intake_tasks, dispatch_uid="deadlines.start_intake_tasks")

        # A changed time limit changes every case's due dates: who changed it, and from what, is kept.
        register(DeadlineRule)
