"""The time limits Opora watches: what each one is, where it comes from in the law or in practice, what it
counts from, and its default.

Two kinds (``shared/DOMAIN.md``): a limit that is the text of an act (the immediate notification of a child
who came alone, ЗСУ чл. 87; the 24 hours of a violence signal, ЗЗД чл. 36г–36д) is fixed here and shown to
the administrator as such; every other limit is a default that the organisation's administrator may change
(``DeadlineRule``), because DOMAIN.md gives it from agency sources or marks it unconfirmed.

The definitions live in code rather than in the database because their names and sources are translated
for each reader; only the organisation's values (the period, what it counts from, whether it is watched) are
stored.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opora.cases.casework.models import OPEN_STATES, CaseState
from opora.organisation.models import ServiceKind


class RuleCode(models.TextChoices):
    """The time limits Opora knows."""

    NEEDS_ASSESSMENT = "needs_assessment", _("Needs assessment")
    SUPPORT_PLAN = "support_plan", _("Individual support plan")
    PLAN_REVIEW = "plan_review", _("Review of the support plan")
    REASSESSMENT = "reassessment", _("Reassessment of needs")
    FOSTER_FAMILY_ASSESSMENT = "foster_family_assessment", _("Assessment of a foster-family candidate")
    NOTIFY_CHILD_ALONE = "notify_child_alone", _("Notification of a child who asked for support alone")
    NOTIFY_URGENT_CRISIS = "notify_urgent_crisis", _("Notification of an urgent crisis")
    VIOLENCE_COORDINATION = "violence_coordination", _("Coordination on a violence signal")
    GENERAL_ACCESS_USE = "general_access_use", _("End of the use of a general-access service")


class PeriodUnit(models.TextChoices):
    """The unit of a period. Days and months are counted on the calendar of Europe/Sofia and end with the
    last day; hours are counted from the minute."""

    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    MONTHS = "months", _("months")


class Anchor(models.TextChoices):
    """What a period counts from."""

    IMMEDIATELY = "immediately", _("at once, when the referral is recorded")
    REFERRAL_RECEIVED = "referral_received", _("the referral or the signal was received")
    CASE_ACCEPTED = "case_accepted", _("the case was accepted (or reopened)")
    ASSESSMENT_STARTED = "assessment_started", _("the needs assessment started")
    ASSESSMENT_COMPLETED = "assessment_completed", _("the needs assessment was completed (the plan started)")
    SUPPORT_STARTED = "support_started", _("support started under the approved plan, or the last review")
    FOSTER_ASSESSMENT_STARTED = "foster_assessment_started", _("the assessment of the candidate family started")


@dataclass(frozen=True)
class RuleDefinition:
    """One time limit: its default value and where it comes from. ``pending_in`` are the states of a case
    in which the limit still runs (a needs assessment is no longer due once the case has moved to the plan);
    empty for a limit that is not about a case's state (an intake task, a foster family). ``recurring``: it
    comes back after each time it is met (a review every six months). ``service_kinds``: the kinds of service
    whose cases it runs in (a case is general-access when every service of it is). ``shown_before``: how long
    before it ends the item shows in My tasks and the notifications (None: all along). ``max_amount``: the
    longest period the law allows, when the law sets one."""

    code: RuleCode
    unit: PeriodUnit
    default_amount: int
    default_anchor: Anchor
    anchors: tuple[Anchor, ...]
    legal_source: Promise
    by_law: bool = False
    pending_in: tuple[str, ...] = ()
    recurring: bool = False
    # A task the law starts with a referral: when (``starts_when(referral)``) and its title. ``immediate``: the
    # law says "at once", and the period is the organisation's grace before the open task shows as overdue.
    starts_when: Callable[[Any], bool] | None = None
    task_title: Promise | None = None
    immediate: bool = False
    service_kinds: tuple[str, ...] = (ServiceKind.GENERAL_ACCESS, ServiceKind.SPECIALISED)
    shown_before: datetime.timedelta | None = None
    max_amount: int | None = None

    @property
    def name(self) -> str:
        return str(self.code.label)


BEFORE_ASSESSMENT_DONE = (CaseState.ACCEPTED, CaseState.REOPENED, CaseState.ASSESSMENT)
BEFORE_PLAN_DONE = (*BEFORE_ASSESSMENT_DONE, CaseState.PLAN)

DEFINITIONS: dict[str, RuleDefinition] = {
    definition.code: definition
    for definition in (
        RuleDefinition(
            code=RuleCode.NEEDS_ASSESSMENT,
            unit=PeriodUnit.DAYS,
            default_amount=20,
            default_anchor=Anchor.CASE_ACCEPTED,
            anchors=(Anchor.CASE_ACCEPTED, Anchor.REFERRAL_RECEIVED),
            legal_source=_(
                "Social Services Act, art. 80 (a needs assessment by a multidisciplinary team); the assessment and "
                "the plan within 20 days of the request is the usual practice, not a term of the act"
            ),
            pending_in=BEFORE_ASSESSMENT_DONE,
            # ЗСУ чл. 80 asks the assessment and the plan of specialised services only.
            service_kinds=(ServiceKind.SPECIALISED,),
        ),
        RuleDefinition(
            code=RuleCode.SUPPORT_PLAN,
            unit=PeriodUnit.DAYS,
            default_amount=20,
            default_anchor=Anchor.CASE_ACCEPTED,
            anchors=(Anchor.CASE_ACCEPTED, Anchor.REFERRAL_RECEIVED, Anchor.ASSESSMENT_COMPLETED),
            legal_source=_(
                "Social Services Act, art. 80 (an individual support plan); the assessment and the plan within 20 "
                "days of the request is the usual practice, not a term of the act"
            ),
            pending_in=BEFORE_PLAN_DONE,
            service_kinds=(ServiceKind.SPECIALISED,),
        ),
        RuleDefinition(
            code=RuleCode.PLAN_REVIEW,
            unit=PeriodUnit.MONTHS,
            default_amount=6,
            default_anchor=Anchor.SUPPORT_STARTED,
            anchors=(Anchor.SUPPORT_STARTED,),
            legal_source=_("Plan review every 6 months: the usual practice; no act sets this term"),
            pending_in=(CaseState.SUPPORT,),
            recurring=True,
        ),
        RuleDefinition(
            code=RuleCode.REASSESSMENT,
            unit=PeriodUnit.MONTHS,
            default_amount=12,
            default_anchor=Anchor.ASSESSMENT_COMPLETED,
            anchors=(Anchor.ASSESSMENT_COMPLETED,),
            legal_source=_("Reassessment every 12 months: the usual practice; no act sets this term"),
            pending_in=(CaseState.SUPPORT,),
            recurring=True,
        ),
        RuleDefinition(
            code=RuleCode.FOSTER_FAMILY_ASSESSMENT,
            unit=PeriodUnit.MONTHS,
            default_amount=4,
            default_anchor=Anchor.FOSTER_ASSESSMENT_STARTED,
            anchors=(Anchor.FOSTER_ASSESSMENT_STARTED,),
            legal_source=_(
                "Assessment of a foster-family candidate: 4 months, extendable by 2, as is the usual practice (the "
                "service is in the Child Protection Act, art. 34а)"
            ),
        ),
        RuleDefinition(
            code=RuleCode.NOTIFY_CHILD_ALONE,
            unit=PeriodUnit.HOURS,
            default_amount=2,
            default_anchor=Anchor.REFERRAL_RECEIVED,
            anchors=(Anchor.REFERRAL_RECEIVED,),
            legal_source=_("Social Services Act, art. 87"),
            starts_when=lambda referral: referral.child_alone,
            task_title=_("Notify the child protection department and the parents: the child asked for support alone"),
            immediate=True,
        ),
        RuleDefinition(
            code=RuleCode.NOTIFY_URGENT_CRISIS,
            unit=PeriodUnit.HOURS,
            default_amount=2,
            default_anchor=Anchor.REFERRAL_RECEIVED,
            anchors=(Anchor.REFERRAL_RECEIVED,),
            legal_source=_("Social Services Act, art. 77(3)"),
            # A violence signal has its own task (the coordination), and a child who came alone's notification
            # tells the department already.
            starts_when=lambda referral: referral.urgent and not referral.violence_concern and not referral.child_alone,
            task_title=_("Notify the child protection department at once: an urgent crisis"),
            immediate=True,
        ),
        RuleDefinition(
            code=RuleCode.VIOLENCE_COORDINATION,
            unit=PeriodUnit.HOURS,
            default_amount=24,
            default_anchor=Anchor.REFERRAL_RECEIVED,
            anchors=(Anchor.REFERRAL_RECEIVED,),
            legal_source=_("Child Protection Act, art. 36г–36д"),
            by_law=True,
            starts_when=lambda referral: referral.violence_concern,
            task_title=_("Coordinate with the child protection department on the violence signal"),
        ),
        RuleDefinition(
            code=RuleCode.GENERAL_ACCESS_USE,
            unit=PeriodUnit.MONTHS,
            default_amount=2,
            default_anchor=Anchor.CASE_ACCEPTED,
            anchors=(Anchor.CASE_ACCEPTED, Anchor.REFERRAL_RECEIVED),
            legal_source=_(
                "Social Services Act, art. 12: informing, consulting and training in a general-access service last "
                "at most 2 months"
            ),
            pending_in=OPEN_STATES,
            service_kinds=(ServiceKind.GENERAL_ACCESS,),
            # Time to close the case or to refer the person on to a specialised service.
            shown_before=datetime.timedelta(days=7),
            max_amount=2,
        ),
    )
}

# The limits an administrator may change, in the order the settings page shows them.
SETTABLE = tuple(code for code, definition in DEFINITIONS.items() if not definition.by_law)
# The limits fixed by law: shown beside the settings.
BY_LAW = tuple(code for code, definition in DEFINITIONS.items() if definition.by_law)
# The tasks a referral starts (``opora.deadlines.intake``).
INTAKE = tuple(definition for definition in DEFINITIONS.values() if definition.starts_when is not None)
