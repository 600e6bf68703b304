"""Referrals of the demo's invented families (``load_demo`` calls this, after the people).

Each scenario of SCENARIOS.md starts from its first line, so there is no referral for Мартин (scenario 1
records it, and links it to the child the street-children centre registered) nor for Виктория (scenario 2
records her coming in alone); one referral waits on the Ruse centre's list. Everything goes through
``opora.cases.intake.services``, which refuses what the pages refuse. Run again, it changes nothing.
"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from opora.accounts.models import User
from opora.cases.intake.models import Referral, ReferralKind, ReferralSource
from opora.cases.intake.services import referral_record, referral_waitlist
from opora.organisation.models import Organisation, Service
from opora.people.models import Person

ORGANISATION_NAME = "Сдружение „Еквилибриум“"
COP_RUSE = "Център за обществена подкрепа – Русе"


class Command(BaseCommand):
    help = "Load the demo's referrals and cases (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(name=ORGANISATION_NAME).first()
        if organisation is None or Referral.objects.filter(service__organisation=organisation).exists():
            return
        self._load(organisation)
        self.stdout.write(self.style.SUCCESS("Demo referrals and cases loaded."))

    @transaction.atomic
    def _load(self, organisation: Organisation) -> None:
        service = Service.objects.get(organisation=organisation, name=COP_RUSE)
        staff = {user.username: user for user in User.objects.filter(organisation=organisation)}
        people = {
            (person.first_name, person.last_name): person
            for person in Person.objects.filter(organisation=organisation).active()
        }
        now = timezone.now()
        waiting = referral_record(
            referral=Referral(
                service=service,
                kind=ReferralKind.REFERRAL,
                source=ReferralSource.HEALTH,
                referring_institution="УМБАЛ „Канев“ – Русе, родилно отделение",
                received_at=now - datetime.timedelta(days=1),
                reasons="Бременна на 19 години, без подкрепа от семейството; риск от изоставяне на детето.",
                preliminary_assessment="Риск от изоставяне; нужда от консултиране и подкрепа след раждането.",
                home_municipality=service.municipality,
            ),
            people=[people[("Силвия", "Маринова")]],
            by=staff["gergana"],
        )
        referral_waitlist(referral=waiting, by=staff["ralitsa"], reason="Очаква свободен социален работник.")
