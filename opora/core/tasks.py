"""Upkeep the task worker does by itself: finished task results are pruned once a day.

django-tasks-db keeps a row for every task run, with its arguments (a notification's ids, a user's id); left
alone the table grows for ever. Instead of a cron entry, the pruning task queues its own next run a day
later, and the worker (``manage.py db_worker``, ours) queues the first one when it starts.
"""

import datetime

from django.conf import settings
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

PRUNE_EVERY = datetime.timedelta(days=1)


@task()
def prune_task_results() -> int:
    """Delete task results finished more than ``TASK_RESULTS_KEEP_DAYS`` ago, then queue the next pruning;
    how many were deleted."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
    schedule_pruning(after=PRUNE_EVERY)
    return deleted


def schedule_pruning(after: datetime.timedelta = datetime.timedelta(0)) -> None:
    """Queue a pruning ``after`` from now, unless one is already waiting (several workers, restarts)."""
    waiting = DBTaskResult.objects.filter(status="READY", task_path=prune_task_results.module_path)
    if not waiting.exists():
        prune_task_results.using(run_after=timezone.now() + after).enqueue()
