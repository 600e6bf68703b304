"""The models of the cases app, for Django: it reads an app's models from ``<app>.models``. They are defined
in the app's three packages — ``intake`` (referrals, triage decisions, links to people of other services),
``casework`` (the case, its moves, its tasks) and ``planning`` (the needs assessment, the support plan, its
reviews) — and imported from there everywhere else. One app label (``cases``) and one migration history: the
models refer to each other too tightly for separate apps to gain anything (docs/architecture.md)."""

from opora.cases.casework.models import Case, CaseTask, CaseTransition
from opora.cases.intake.models import PersonLink, Referral, TriageDecision
from opora.cases.planning.models import (
    Assessment,
    AssessmentDomain,
    GoalProgress,
    PlanActivity,
    PlanGoal,
    PlanReview,
    SupportPlan,
)

__all__ = [
    "Assessment",
    "AssessmentDomain",
    "Case",
    "CaseTask",
    "CaseTransition",
    "GoalProgress",
    "PersonLink",
    "PlanActivity",
    "PlanGoal",
    "PlanReview",
    "Referral",
    "SupportPlan",
    "TriageDecision",
]
