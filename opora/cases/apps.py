from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "opora.cases"
    label = "cases"

    def ready(self) -> None:
        from opora.audit.registry import register
        from opora.cases.models import Case, CaseTask, CaseTransition, Referral, TriageDecision

        register(Referral, organisation=lambda referral: referral.service.organisation_id)
        register(TriageDecision, organisation=lambda decision: decision.referral.service.organisation_id)
        register(Case)
        register(CaseTransition, organisation=lambda transition: transition.case.organisation_id)
        register(CaseTask, organisation=lambda task: task.service.organisation_id)
