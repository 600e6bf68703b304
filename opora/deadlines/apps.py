from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "opora.deadlines"
    label = "deadlines"

    def ready(self) -> None:
        from opora.access import Perm
        from opora.audit.registry import register
        from opora.core.due_facts import (
            CasePagePart,
            count_due_per_service,
            on_due_facts_changed,
            referral_recorded,
            show_on_case_page,
        )
        from opora.deadlines import stored
        from opora.deadlines.case_page import deadlines_section, next_due_on_page, review_due_on_page
        from opora.deadlines.context_processors import notifications
        from opora.deadlines.intake import start_intake_tasks
        from opora.deadlines.models import DeadlineRule
        from opora.deadlines.panels import home_due
        from opora.deadlines.remembered import forget_when_changed
        from opora.deadlines.selectors import service_due
        from opora.ui.registry import home_panel, menu_entry

        # The tasks of law a referral starts are this app's rules: intake tells it, and knows no rule. Cases and
        # this app meet through the contract of opora.core.due_facts and import nothing of each other.
        referral_recorded.connect(start_intake_tasks, dispatch_uid="deadlines.start_intake_tasks")

        # The case's page shows its next due dates and the plan's next review (the app that draws it makes
        # them a section).
        show_on_case_page(
            CasePagePart(
                name="deadlines",
                template="deadlines/_case_deadlines.html",
                order=100,
                context=deadlines_section,
                review_due=review_due_on_page,
                next_due=next_due_on_page,
            )
        )

        # The stored due items are worked out again whenever the provider says a fact they count from changed
        # (a changed time limit re-works its organisation in ``deadline_rules_set``).
        on_due_facts_changed(stored.facts_changed)

        # A changed time limit changes every case's due dates: who changed it, and from what, is kept.
        register(DeadlineRule)
        forget_when_changed()

        # The start page: a worker's due dates beside her caseload; what is overdue in each service, for the table
        # of services the cases app draws.
        home_panel("due", template="deadlines/_home_due.html", order=30, context=home_due, permission=Perm.CASE_VIEW)
        count_due_per_service(service_due)

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
