"""Create an organisation and its first administrator: the first step of a production installation.

The password comes from OPORA_ADMIN_PASSWORD or is asked for twice; it never appears on the command line.
"""

import os
from getpass import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from opora.accounts.models import User
from opora.organisation.models import Membership, Organisation, Role


class Command(BaseCommand):
    help = "Create an organisation and its first organisation administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The organisation's name.")
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-first-name", required=True)
        parser.add_argument("--admin-last-name", required=True)
        parser.add_argument("--admin-email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if Organisation.objects.filter(name=options["name"]).exists():
            raise CommandError(f"An organisation named {options['name']!r} already exists.")
        if User.objects.filter(username=options["admin_username"]).exists():
            raise CommandError(f"The username {options['admin_username']!r} is taken.")
        administrator = User(
            username=options["admin_username"],
            first_name=options["admin_first_name"],
            last_name=options["admin_last_name"],
            email=options["admin_email"],
        )
        password = self._password(administrator)
        self._create(options, administrator, password)
        self.stdout.write(self.style.SUCCESS(f"Created {options['name']} with administrator {administrator.username}."))

    def _password(self, user: User) -> str:
        password = os.environ.get("OPORA_ADMIN_PASSWORD") or getpass("Password: ")
        if "OPORA_ADMIN_PASSWORD" not in os.environ and getpass("Password (again): ") != password:
            raise CommandError("The passwords differ.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return password

    @transaction.atomic
    def _create(self, options: dict[str, Any], administrator: User, password: str) -> None:
        organisation = Organisation.objects.create(name=options["name"], municipality=options["municipality"])
        administrator.organisation = organisation
        administrator.set_password(password)
        administrator.save()
        Membership.objects.create(user=administrator, service=None, role=Role.ADMINISTRATOR)
