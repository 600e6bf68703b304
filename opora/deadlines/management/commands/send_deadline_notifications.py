"""Notify the people responsible for time limits due soon or passed; run by cron or a systemd timer
(docs/deploy.md). Safe to run as often as wished: each item is notified once per person when due soon and
once when overdue."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from opora.deadlines.services import DEFAULT_LEAD, notifications_send


class Command(BaseCommand):
    help = "Write today's notifications about time limits due soon or overdue, and enqueue their e-mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lead-days",
            type=int,
            default=DEFAULT_LEAD.days,
            help="Warn this many days before a limit ends (default: %(default)s).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="Opora's public address (https://opora.example.org), to put whole links in the e-mail.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        written = notifications_send(
            now=timezone.now(), lead=datetime.timedelta(days=max(options["lead_days"], 0)), base_url=options["base_url"]
        )
        if options["verbosity"] > 0:
            self.stdout.write(f"{written} notification(s) written.")
