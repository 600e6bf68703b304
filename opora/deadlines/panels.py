"""What the time limits put on the start page (registered in ``DeadlinesConfig.ready()``): a worker's items due
this week and those past their time, and for the table of services drawn by the cases app, what is overdue in
each service (``opora.core.due_facts.count_due_per_service``)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from opora.deadlines.selectors import my_due_counts


def home_due(request: HttpRequest) -> dict[str, Any]:
    """The user's own items due this week ("My tasks" of this week) and the overdue ones ("Overdue"), each
    count a link to that list."""
    counts = my_due_counts(request.user, timezone.now())
    my_tasks = reverse("deadlines:my_tasks")
    return {
        **counts,
        "week_url": f"{my_tasks}?when=week",
        "overdue_url": reverse("deadlines:overdue"),
        "all_url": my_tasks,
    }
