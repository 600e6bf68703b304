from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "opora.cases"
    label = "cases"

    def ready(self) -> None:
        from opora.access import Perm
        from opora.audit.registry import register
        from opora.cases import due_facts
        from opora.cases.casework import hooks, timeline
        from opora.cases.casework.models import Case, CaseTask, CaseTransition
        from opora.cases.family import cases_of
        from opora.cases.find import find_cases, find_referrals
        from opora.cases.intake.models import PersonLink, Referral, TriageDecision
        from opora.cases.panels import home_caseload, home_organisation_services, home_services_headed, home_tasks
        from opora.cases.planning.models import (
            Assessment,
            AssessmentDomain,
            Domain,
            GoalProgress,
            PlanActivity,
            PlanGoal,
            PlanReview,
            SupportPlan,
        )
        from opora.cases.planning.selectors import case_page_prefetch, documents_of, register_timeline
        from opora.cases.planning.services import check_documents
        from opora.people import records
        from opora.ui.registry import flag, home_panel, menu_entry, search_provider

        # The time limits read the facts of cases and tasks here, and show their part of a case's page through
        # the contract (opora.core.due_facts): neither app imports the other.
        due_facts.register()

        # The family page shows each member's cases (the people app does not import this one).
        records.register(cases_of)

        # The start page's open tasks, and the menu.
        home_panel("tasks", template="cases/_home_tasks.html", order=100, context=home_tasks)
        # A worker's caseload (order 20; the time limits put her due dates beside it), a head's services and the
        # administrator's organisation, above the tasks.
        home_panel(
            "caseload", template="cases/_home_caseload.html", order=20, context=home_caseload, permission=Perm.CASE_VIEW
        )
        home_panel(
            "services_headed",
            template="cases/_home_services.html",
            order=40,
            context=home_services_headed,
            permission=Perm.CASE_APPROVE,
        )
        home_panel(
            "organisation_services",
            template="cases/_home_services.html",
            order=50,
            context=home_organisation_services,
            permission=Perm.ORGANISATION_MANAGE,
        )
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
        # The header's search: referrals and cases by number, by document number and by their people.
        search_provider(
            "referrals", label=_("Referrals"), order=200, permission=Perm.REFERRAL_VIEW, search=find_referrals
        )
        search_provider("cases", label=_("Cases"), order=300, permission=Perm.CASE_VIEW, search=find_cases)

        # Planning fills case work's hooks: what a move asks of the documents, and what the case page shows of
        # them (case work imports no other package of the app).
        hooks.check_moves_with("planning", check_documents)
        hooks.case_page_part("planning", prefetch=case_page_prefetch, context=documents_of)
        # The case's timeline: case work's moves and tasks, planning's documents and reviews.
        timeline.register()
        register_timeline()

        register(Referral, organisation=lambda referral: referral.service.organisation_id)
        register(PersonLink, organisation=lambda link: link.service.organisation_id)
        register(TriageDecision, organisation=lambda decision: decision.referral.service.organisation_id)
        register(Case)
        register(CaseTask, organisation=lambda task: task.service.organisation_id)
        # Records about a case belong to the case's organisation. A document's edit counter says that it
        # changed; its "changed at" stamp would only repeat the event's own time.
        for document in (Assessment, SupportPlan):
            register(document, exclude=("updated_at",), organisation=lambda record: record.case.organisation_id)
        register(
            PlanGoal,
            choices={"needs": Domain.choices},
            organisation=lambda goal: goal.case.organisation_id,
        )
        for model in (
            CaseTransition,
            AssessmentDomain,
            PlanActivity,
            PlanReview,
            GoalProgress,
        ):
            register(model, organisation=lambda record: record.case.organisation_id)
