from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "opora.cases"
    label = "cases"

    def ready(self) -> None:
        from opora.access import Perm
        from opora.audit.registry import register
        from opora.cases import models
        from opora.cases.family import cases_of
        from opora.cases.panels import home_tasks
        from opora.people import records
        from opora.ui.registry import flag, home_panel, menu_entry

        # The family page shows each member's cases (the people app does not import this one).
        records.register(cases_of)

        # The start page's open tasks, and the menu.
        home_panel("tasks", template="cases/_home_tasks.html", order=100, context=home_tasks)
        menu_entry(
            "referrals",
            label=_("Referrals"),
            url_name="cases:referral_list",
            order=200,
            permission=Perm.REFERRAL_VIEW,
            group="intake",
        )
        menu_entry(
            "cases", label=_("Cases"), url_name="cases:case_list", order=300, permission=Perm.CASE_VIEW, group="cases"
        )
        flag("case_work", Perm.CASE_WORK)

        register(models.Referral, organisation=lambda referral: referral.service.organisation_id)
        register(models.PersonLink, organisation=lambda link: link.service.organisation_id)
        register(models.TriageDecision, organisation=lambda decision: decision.referral.service.organisation_id)
        register(models.Case)
        register(models.CaseTask, organisation=lambda task: task.service.organisation_id)
        # Records about a case belong to the case's organisation. A document's edit counter says that it
        # changed; its "changed at" stamp would only repeat the event's own time.
        for document in (models.Assessment, models.SupportPlan):
            register(document, exclude=("updated_at",), organisation=lambda record: record.case.organisation_id)
        register(
            models.PlanGoal,
            choices={"needs": models.Domain.choices},
            organisation=lambda goal: goal.case.organisation_id,
        )
        for model in (
            models.CaseTransition,
            models.AssessmentDomain,
            models.PlanActivity,
            models.PlanReview,
            models.GoalProgress,
        ):
            register(model, organisation=lambda record: record.case.organisation_id)
