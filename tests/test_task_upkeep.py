"""The task worker prunes finished task results by itself, once a day, with no cron entry."""

import datetime

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opora.core.tasks import prune_task_results, schedule_pruning
from opora.deadlines.tasks import send_deadline_email


def finished_results(days_ago: int, count: int) -> None:
    for _number in range(count):
        send_deadline_email.enqueue(0, [])
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    DBTaskResult.objects.filter(
        finished_at__isnull=False, finished_at__gte=timezone.now() - datetime.timedelta(minutes=5)
    ).update(finished_at=timezone.now() - datetime.timedelta(days=days_ago))


def test_the_worker_started_as_deployed_prunes_old_results_and_queues_the_next_pruning(transactional_db: None) -> None:
    finished_results(days_ago=30, count=3)
    finished_results(days_ago=2, count=2)

    # As scripts/serve starts it, but stopping after one task: the pruning it queued itself.
    call_command("db_worker", "--no-startup-delay", "--max-tasks", "1", "--interval", "0.1", verbosity=0)

    left = DBTaskResult.objects.exclude(task_path=prune_task_results.module_path)
    assert left.count() == 2
    assert DBTaskResult.objects.filter(task_path=prune_task_results.module_path, status="SUCCESSFUL").count() == 1
    following = DBTaskResult.objects.get(task_path=prune_task_results.module_path, status="READY")
    assert following.run_after > timezone.now() + datetime.timedelta(hours=23)


def test_a_pruning_already_waiting_is_not_queued_twice(transactional_db: None) -> None:
    schedule_pruning(after=datetime.timedelta(days=1))
    schedule_pruning()
    assert DBTaskResult.objects.filter(task_path=prune_task_results.module_path).count() == 1
