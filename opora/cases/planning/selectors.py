"""What the case's page reads of its documents (registered with ``opora.cases.casework.hooks`` as a part of
the page): the assessment and the plan, the newest version and the one in force, and the reviews."""

from typing import Any

from django.db.models import Prefetch

from opora.access import Perm, scope
from opora.cases.casework.models import Case, CaseState
from opora.cases.planning.models import Assessment, PlanReview, SupportPlan
from opora.cases.planning.services import latest_and_approved
from opora.cases.sections import review_due


def case_page_prefetch(user: Any) -> list[Prefetch[Any]]:
    """The case's reviews, through the user's scope, read with the case."""
    return [
        Prefetch(
            "reviews",
            queryset=scope(user, PlanReview.objects.all(), Perm.CASE_VIEW)
            .select_related("by", "plan", "revised_plan")
            .order_by("-reviewed_on", "-pk"),
        )
    ]


def documents_of(case: Case) -> dict[str, Any]:
    """The case's assessment and plan (the newest version and the one in force), its reviews and the next
    review's date, for the case's page (the case read with its transitions and ``case_page_prefetch``)."""
    reopenings = [move.at for move in case.transitions.all() if move.to_state == CaseState.REOPENED]
    since = reopenings[-1] if reopenings else None  # the history is in order: the last reopening
    assessment, approved_assessment = latest_and_approved(case, Assessment, since)
    plan, approved_plan = latest_and_approved(case, SupportPlan, since)
    return {
        "assessment": assessment,
        "approved_assessment": approved_assessment,
        "plan": plan,
        "approved_plan": approved_plan,
        "reviews": case.reviews.all(),
        "review_due": review_due(case),
    }
