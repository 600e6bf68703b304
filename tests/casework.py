"""Helpers that make referrals, cases and tasks the way the pages do: through ``opora.cases.services``."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from opora.accounts.models import User
from opora.cases.models import Case, Referral, ReferralKind, ReferralSource
from opora.cases.services import referral_accept, referral_record
from opora.organisation.models import Service
from opora.people.models import Person

PDF = b"%PDF-1.4\n% a preliminary assessment\n"


def assessment_file(name: str = "оценка.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_referral(
    service: Service,
    people: Sequence[Person],
    by: User,
    *,
    received_at: datetime.datetime | None = None,
    **fields: Any,
) -> Referral:
    """A referral from the child protection department to ``service``, from a resident of its municipality,
    with a preliminary assessment as text; ``fields`` change any of that."""
    values: dict[str, Any] = {
        "kind": ReferralKind.REFERRAL,
        "source": ReferralSource.CHILD_PROTECTION,
        "referring_institution": f"ОЗД {service.municipality}",
        "reasons": "Отсъства от училище, конфликти у дома.",
        "preliminary_assessment": "Нужда от подкрепа на семейството.",
        "home_municipality": service.municipality,
        **fields,
    }
    referral = Referral(service=service, received_at=received_at or timezone.now(), **values)
    return referral_record(referral=referral, people=list(people), by=by)


def accept(referral: Referral, by: User, case_manager: User, **kwargs: Any) -> Case:
    return referral_accept(referral=referral, by=by, case_manager=case_manager, **kwargs)
