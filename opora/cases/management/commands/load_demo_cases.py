"""Referrals and cases of the demo's invented families (``load_demo`` calls this, after the people).

Scenario 1's referral for Мартин is accepted into a case at the Ruse centre (Гергана manages it, Диана is
on the team); scenario 2's Виктория came in alone and spoke of violence, so her tasks are open; one more
referral waits on the list. Everything goes through ``opora.cases.services``, as the pages do. Run again,
it changes nothing.
"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from opora.accounts.models import User
from opora.cases.models import Referral, ReferralKind, ReferralSource
from opora.cases.services import referral_accept, referral_record, referral_waitlist
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
        martin = referral_record(
            referral=Referral(
                service=service,
                kind=ReferralKind.REFERRAL,
                source=ReferralSource.CHILD_PROTECTION,
                referring_institution="ОЗД към ДСП Русе",
                referring_person="Св. Атанасова, социален работник",
                document_number="ЗД/Д-Р-0417",
                received_at=now - datetime.timedelta(days=3),
                reasons="Отсъства често от училище; конфликти у дома между майката и бабата.",
                preliminary_assessment="Нужда от подкрепа на семейството и от връщане в училище.",
                home_municipality=service.municipality,
            ),
            people=[people[("Мартин", "Колев")]],
            by=staff["ralitsa"],
        )
        referral_accept(referral=martin, by=staff["ralitsa"], case_manager=staff["gergana"], team=[staff["diana"]])
        referral_record(
            referral=Referral(
                service=service,
                kind=ReferralKind.REQUEST,
                source=ReferralSource.SELF,
                received_at=now - datetime.timedelta(hours=2),
                reasons="Дошла сама, иска да говори с някого; не иска родителите да бъдат уведомени.",
                urgent=True,
                violence_concern=True,
                child_alone=True,
                home_municipality=service.municipality,
            ),
            people=[people[("Виктория", "Димитрова")]],
            by=staff["gergana"],
        )
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
