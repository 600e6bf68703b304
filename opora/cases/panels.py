"""What intake and case work put on the start page (registered in ``CasesConfig.ready()``)."""

from typing import Any

from django.http import HttpRequest

from opora.access import Perm, has_permission
from opora.cases.casework.selectors import open_tasks

# The start page shows this many open tasks, the most pressing first (a full list comes with "My tasks").
HOME_TASKS = 20


def home_tasks(request: HttpRequest) -> dict[str, Any]:
    """The tasks not yet done in the user's services."""
    tasks = open_tasks(request.user)
    return {
        "tasks": list(tasks[:HOME_TASKS]),
        "task_count": tasks.count(),
        "can_complete_tasks": has_permission(request.user, Perm.CASE_WORK),
    }
