"""django-tasks-db's worker, which also keeps the daily pruning of finished task results queued
(``opora.core.tasks``): a deployment runs the worker and needs no cron entry for it. A ``--batch`` run
(tests, one-off catch-ups) does only what is queued."""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from opora.core.tasks import schedule_pruning


class Command(DatabaseWorker):
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["batch"]:
            schedule_pruning()
        super().handle(*args, **options)
