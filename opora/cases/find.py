"""What the header's search finds among referrals and cases (registered in ``CasesConfig.ready()``): by
number ("12", "№ 12", "Случай 12"), by the referring institution's document number, and through their
people, as the people search finds them (a name, a birth date, an ЕГН). Each read is scoped like its list."""

import re
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from opora.access import Perm, scope
from opora.cases.casework.models import Case
from opora.cases.intake.models import Referral
from opora.core.forms import parse_id
from opora.people.find import found_people
from opora.people.selectors import visible_people
from opora.ui.registry import SearchFound, SearchHit

# "12", "№12", "# 12", "Направление 12", "Case 12": a number, with at most one word before it.
NUMBER = re.compile(r"^(?:[^\W\d]+\.?\s*)?[№#]?\s*(\d{1,12})$")


def typed_number(text: str) -> int | None:
    match = NUMBER.match(text.strip())
    return parse_id(match.group(1)) if match else None


def _matching(records: QuerySet[Any], request: HttpRequest, text: str, *extra: Q) -> QuerySet[Any]:
    """``records`` whose number is ``text``, or which are about the people ``text`` finds, or match ``extra``."""
    wanted = Q(people__in=[person.pk for person in found_people(request, text)])
    number = typed_number(text)
    if number is not None:
        wanted |= Q(pk=number)
    for condition in extra:
        wanted |= condition
    about = records.model._default_manager.filter(wanted).values("pk")
    return records.filter(pk__in=about).prefetch_related(Prefetch("people", queryset=visible_people(request.user)))


def _found(rows: list[Any], limit: int, hit: Any) -> SearchFound:
    return SearchFound(hits=[hit(row) for row in rows[:limit]], more=len(rows) > limit)


def _people_named(record: Any) -> str:
    return ", ".join(str(person) for person in record.people.all())


def find_referrals(request: HttpRequest, text: str, limit: int) -> SearchFound:
    referrals = _matching(
        scope(request.user, Referral.objects.select_related("service"), Perm.REFERRAL_VIEW),
        request,
        text,
        # SQLite folds the case of Latin letters only: the number as typed, and in capitals, as on the paper.
        Q(document_number__iexact=text) | Q(document_number__in=[text.upper(), text.lower()]),
    )
    rows = list(referrals.order_by("-received_at", "-pk")[: limit + 1])

    def hit(referral: Referral) -> SearchHit:
        detail = " · ".join(
            part
            for part in (
                _people_named(referral),
                str(referral.get_status_display()),
                referral.received_at.strftime("%d.%m.%Y"),
                str(referral.service),
            )
            if part
        )
        return SearchHit(str(referral), reverse("cases:referral_detail", args=[referral.pk]), detail)

    return _found(rows, limit, hit)


def find_cases(request: HttpRequest, text: str, limit: int) -> SearchFound:
    cases = _matching(scope(request.user, Case.objects.select_related("case_manager"), Perm.CASE_VIEW), request, text)
    rows = list(cases.order_by("-opened_at", "-pk")[: limit + 1])

    def hit(case: Case) -> SearchHit:
        manager = _("Case manager: %(name)s") % {"name": case.case_manager} if case.case_manager_id else ""
        detail = " · ".join(part for part in (_people_named(case), str(case.get_state_display()), manager) if part)
        return SearchHit(str(case), reverse("cases:case_detail", args=[case.pk]), detail)

    return _found(rows, limit, hit)
