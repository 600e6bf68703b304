"""Helpers that make referrals, cases and tasks the way the pages do: through the services of intake, casework
and planning (``opora.cases``)."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from opora.accounts.models import User
from opora.cases.casework.models import Case
from opora.cases.intake.models import Referral, ReferralKind, ReferralSource
from opora.cases.intake.services import referral_accept, referral_record
from opora.cases.planning.models import Assessment, CaseDocument, Domain, RiskLevel, SupportPlan
from opora.cases.planning.services import (
    ActivityData,
    GoalData,
    assessment_save,
    document_approve,
    document_submit,
    latest_version,
    plan_save,
)
from opora.organisation.models import Role, Service
from opora.people.models import Person, PersonKind
from tests.conftest import World

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


# Every domain of the framework scored "some concern", with a word about it.
ALL_DOMAINS: dict[str, tuple[int | None, str]] = {domain.value: (2, "Има нужда от подкрепа.") for domain in Domain}


def save_assessment(case: Case, by: User, **values: Any) -> Assessment:
    """Save the next edit of the case's needs assessment (from its newest version, as a form would)."""
    latest = latest_version(case, Assessment)
    # Every child of the case is heard, unless the test says otherwise.
    heard = values.pop("heard_children", None)
    if heard is None:
        heard = list(case.people.filter(kind=PersonKind.CHILD))
    domains = values.pop("domains", ALL_DOMAINS)
    fields = {"assessed_on": timezone.localdate(), "risk_level": RiskLevel.MEDIUM, **values}
    return assessment_save(
        case=case,
        by=by,
        values=fields,
        domains=domains,
        heard_children=heard,
        based_on=latest.pk if latest else None,
        edit_version=latest.edit_version if latest else None,
    )


def approve[D: CaseDocument](document: D, worker: User, head: User) -> D:
    """Submit ``document`` as ``worker`` and approve it as ``head``."""
    document = document_submit(document=document, by=worker, edit_version=document.edit_version)
    return document_approve(document=document, by=head, edit_version=document.edit_version)


def approved_assessment(case: Case, worker: User, head: User, **values: Any) -> Assessment:
    """An approved assessment; the approval moves ``case`` on to the plan (read again here)."""
    assessment = approve(save_assessment(case, worker, **values), worker, head)
    case.refresh_from_db()
    return assessment


def a_goal(**changes: Any) -> GoalData:
    values: dict[str, Any] = {
        "text": "Редовно посещение на училище",
        "needs": [Domain.EDUCATION.value],
        "expected_results": "Без неизвинени отсъствия за месец.",
        "activities": [
            ActivityData(what="Консултация", frequency="седмично", starts_on=timezone.localdate(), partner="Училището")
        ],
        **changes,
    }
    return GoalData(**values)


def save_plan(case: Case, by: User, goals: list[GoalData] | None = None, **values: Any) -> SupportPlan:
    latest = latest_version(case, SupportPlan)
    fields = {
        "person_agreed": True,
        "contract_number": "Д-17",
        "contract_date": timezone.localdate(),
        "contract_signed_by": "Петя Колева",
        **values,
    }
    return plan_save(
        case=case,
        by=by,
        values=fields,
        goals=goals if goals is not None else [a_goal()],
        based_on=latest.pk if latest else None,
        edit_version=latest.edit_version if latest else None,
    )


def approved_plan(case: Case, worker: User, head: User, **values: Any) -> SupportPlan:
    """An approved plan; the approval moves ``case`` on to support (read again here)."""
    plan = approve(save_plan(case, worker, **values), worker, head)
    case.refresh_from_db()
    return plan


def head(world: World) -> User:
    return world.users[Role.HEAD]


def worker(world: World) -> User:
    return world.users[Role.SOCIAL_WORKER]
