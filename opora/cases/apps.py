from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "opora.cases"
    label = "cases"

    def ready(self) -> None:
        from opora.audit.registry import register
        from opora.cases.models import Case, CaseTask, CaseTransition, Referral, TriageDecision
        from opora.cases.family import cases_of
        from opora.people import records

        # The family page shows each member's cases (the people app does not import this one).
        records.register(cases_of)

        register(Referral, organisation=lambda referral: referral.service.organisation_id)
        register(TriageDecision, organisation=lambda decision: decision.referral.service.organisation_id)
        register(Case)
        register(CaseTransition, organisation=lambda transition: transition.case.organisation_id)
        register(CaseTask, organisation=lambda task: task.service.organisation_id)
