"""``manage.py sync_due_items``: work out every open case's and task's due items again and store them (the
services and signals keep them current; this fills the table for data written around them, such as rows
loaded with COPY, and repairs it)."""

from typing import Any

from django.core.management.base import BaseCommand

from opora.deadlines.models import StoredDueItem
from opora.deadlines.stored import sync_organisation


class Command(BaseCommand):
    help = "Work out and store the due items of every open case and task."

    def handle(self, *args: Any, **options: Any) -> None:
        sync_organisation(None)
        if options["verbosity"]:
            self.stdout.write(f"{StoredDueItem.objects.count()} due items stored.")
