"""What intake and case work put on the start page (registered in ``CasesConfig.ready()``)."""

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest

from opora.access import Perm, has_permission
from opora.cases.casework.selectors import open_tasks
from opora.people.selectors import visible_people

# The start page shows this many open tasks, the most pressing first (a full list comes with "My tasks").
HOME_TASKS = 20


def home_tasks(request: HttpRequest) -> dict[str, Any]:
    """The tasks not yet done in the user's services, each with the people of its case or referral whom the user
    may see (as My tasks names them): one query for the rows, one each for the people of cases and of referrals."""
    tasks = open_tasks(request.user)
    people = visible_people(request.user)
    shown = tasks.prefetch_related(
        Prefetch("case__people", queryset=people), Prefetch("referral__people", queryset=people)
    )
    return {
        "tasks": list(shown[:HOME_TASKS]),
        "task_count": tasks.count(),
        "can_complete_tasks": has_permission(request.user, Perm.CASE_WORK),
    }
