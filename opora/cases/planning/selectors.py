"""What the case's page reads of its documents (registered with ``opora.cases.casework.hooks`` as a part of
the page): the assessment and the plan, the newest version and the one in force, and the reviews."""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from opora.access import Perm, scope
from opora.cases.casework.models import Case, CaseState
from opora.cases.casework.timeline import TimelineEvent, prefetched, timeline_source
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


# --- The case's timeline (``opora.cases.casework.timeline``): the documents' versions and the reviews -------


def _document_events(
    model: type[Assessment] | type[SupportPlan], url_name: str
) -> Callable[[Case, Any, int], list[TimelineEvent]]:
    """Each version of an assessment or a plan, at its last step: approved, submitted for approval, or begun."""

    def events(case: Case, user: Any, limit: int) -> list[TimelineEvent]:
        versions = (
            scope(user, model.objects.filter(case=case), Perm.CASE_VIEW)
            .select_related("created_by", "submitted_by", "approved_by")
            .annotate(last_step=Coalesce("approved_at", "submitted_at", "created_at"))
            .order_by("-last_step", "-pk")[:limit]
        )
        found = []
        for version in versions:
            if version.approved_at:
                title, by = _("%(document)s approved") % {"document": version}, version.approved_by
            elif version.submitted_at:
                title, by = _("%(document)s submitted for approval") % {"document": version}, version.submitted_by
            else:
                title, by = _("%(document)s begun") % {"document": version}, version.created_by
            url = reverse(url_name, args=[version.pk])
            at = version.last_step  # annotated above
            found.append(TimelineEvent(at, "document", str(title), str(by or ""), url=url))
        return found

    return events


def _review_events(case: Case, user: Any, limit: int) -> list[TimelineEvent]:
    # The case's page reads its reviews with the case (``case_page_prefetch``).
    read = prefetched(case, "reviews")
    if read is not None:
        reviews = sorted(read, key=lambda review: (review.recorded_at, review.pk), reverse=True)[:limit]
    else:
        reviews = list(
            scope(user, PlanReview.objects.filter(case=case), Perm.CASE_VIEW)
            .select_related("by")
            .order_by("-recorded_at", "-pk")[:limit]
        )
    return [
        TimelineEvent(
            review.recorded_at,
            "review",
            _("Review of the plan on %(date)s") % {"date": review.reviewed_on.strftime("%d.%m.%Y")},
            str(review.by or ""),
            review.summary,
        )
        for review in reviews
    ]


def register_timeline() -> None:
    timeline_source("assessments", _document_events(Assessment, "cases:assessment_detail"))
    timeline_source("plans", _document_events(SupportPlan, "cases:plan_detail"))
    timeline_source("reviews", _review_events)
