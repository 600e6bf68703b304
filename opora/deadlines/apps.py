from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "opora.deadlines"
    label = "deadlines"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from opora.access import Perm
        from opora.audit.registry import register
        from opora.cases import models as cases
        from opora.cases.sections import case_section, provide_review_due
        from opora.cases.signals import referral_recorded
        from opora.deadlines import stored
        from opora.deadlines.case_page import deadlines_section, review_due_on_page
        from opora.deadlines.context_processors import notifications
        from opora.deadlines.intake import start_intake_tasks
        from opora.deadlines.models import DeadlineRule
        from opora.deadlines.remembered import forget_when_changed
        from opora.ui.registry import menu_entry

        # The tasks of law a referral starts are this app's rules: intake tells it, and knows no rule.
        referral_recorded.connect(start_intake_tasks, dispatch_uid="deadlines.start_intake_tasks")

        # The case's page shows its next due dates and the plan's next review (cases does not import this app).
        case_section("deadlines", template="deadlines/_case_deadlines.html", order=100, context=deadlines_section)
        provide_review_due(review_due_on_page)

        # The stored due items are worked out again whenever a fact they count from changes (a changed time
        # limit re-works its organisation in ``deadline_rules_set``).
        post_save.connect(stored.case_changed, sender=cases.Case, dispatch_uid="deadlines.case")
        m2m_changed.connect(
            stored.case_services_changed, sender=cases.Case.services.through, dispatch_uid="deadlines.case_services"
        )
        for part in (cases.CaseTransition, cases.PlanReview):
            post_save.connect(stored.case_part_changed, sender=part, dispatch_uid=f"deadlines.{part.__name__}")
        post_delete.connect(stored.case_part_changed, sender=cases.PlanReview, dispatch_uid="deadlines.review_gone")
        post_save.connect(stored.referral_changed, sender=cases.Referral, dispatch_uid="deadlines.referral")
        post_save.connect(stored.task_changed, sender=cases.CaseTask, dispatch_uid="deadlines.task")

        # A changed time limit changes every case's due dates: who changed it, and from what, is kept.
        register(DeadlineRule)
        forget_when_changed()

        menu_entry(
            "my_tasks",
            label=_("My tasks"),
            url_name="deadlines:my_tasks",
            order=310,
            permission=Perm.CASE_VIEW,
            group="my_work",
        )
        menu_entry(
            "overdue",
            label=_("Overdue"),
            url_name="deadlines:overdue",
            order=320,
            permission=Perm.CASE_VIEW,
            group="my_work",
        )
        menu_entry(
            "time_limits",
            label=_("Time limits"),
            url_name="deadlines:deadline_rules",
            order=710,
            permission=Perm.ORGANISATION_MANAGE,
            group="organisation",
        )
        # Everyone has notifications; the badge counts the unread ones.
        menu_entry(
            "notifications",
            label=_("Notifications"),
            url_name="deadlines:notification_list",
            order=900,
            group="my_work",
            badge=lambda request: notifications(request).get("unread_notifications"),
        )
