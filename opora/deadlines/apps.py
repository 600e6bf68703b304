from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "opora.deadlines"
    label = "deadlines"

    def ready(self) -> None:
        from opora.access import Perm
        from opora.audit.registry import register
        from opora.cases.signals import referral_recorded
        from opora.deadlines.context_processors import notifications
        from opora.deadlines.intake import start_intake_tasks
        from opora.deadlines.models import DeadlineRule
        from opora.deadlines.remembered import forget_when_changed
        from opora.ui.registry import menu_entry

        # The tasks of law a referral starts are this app's rules: intake tells it, and knows no rule.
        referral_recorded.connect(start_intake_tasks, dispatch_uid="deadlines.start_intake_tasks")

        # A changed time limit changes every case's due dates: who changed it, and from what, is kept.
        register(DeadlineRule)
        forget_when_changed()

        menu_entry("my_tasks", label=_("My tasks"), url_name="deadlines:my_tasks", order=310, permission=Perm.CASE_VIEW)
        menu_entry("overdue", label=_("Overdue"), url_name="deadlines:overdue", order=320, permission=Perm.CASE_VIEW)
        menu_entry(
            "time_limits",
            label=_("Time limits"),
            url_name="deadlines:deadline_rules",
            order=710,
            permission=Perm.ORGANISATION_MANAGE,
        )
        # Everyone has notifications; the badge counts the unread ones.
        menu_entry(
            "notifications",
            label=_("Notifications"),
            url_name="deadlines:notification_list",
            order=900,
            badge=lambda request: notifications(request).get("unread_notifications"),
        )
