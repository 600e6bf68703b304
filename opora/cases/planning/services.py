"""Every write of planning: saving a version of the assessment or the plan, submitting and approving it (an
approval moves the case on, through ``opora.cases.casework.services``), and recording and correcting a
review. ``check_documents`` is the rule planning adds to every move of a case (registered with
``opora.cases.casework.hooks``).

Each function checks the permission through ``opora.access``, runs in a transaction, locks the case, refuses a
save read from a version someone else has changed since (``StaleEdit``), and raises ``ValidationError`` when a
rule says no. The audit trail records each change under the acting user.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opora.access import Perm
from opora.accounts.models import User
from opora.audit.context import acting_as
from opora.cases.casework.models import Case, CaseState
from opora.cases.casework.selectors import case_staff
from opora.cases.casework.services import (
    case_move,
    check_version,
    forward_path,
    lock_open_case,
    organisation_language,
    reopened_at,
)
from opora.cases.planning.models import (
    DOMAIN_SIDE,
    Assessment,
    AssessmentDomain,
    CaseDocument,
    DocumentStatus,
    GoalProgress,
    GoalStatus,
    PlanActivity,
    PlanGoal,
    PlanReview,
    SupportPlan,
)
from opora.core.conflicts import StaleEdit
from opora.organisation.models import ServiceKind
from opora.people.models import Person, PersonKind

# --- Needs assessment, support plan and reviews ---------------------------------------------------------

# A child of this age or older is heard in every procedure that concerns them (Child Protection Act, art. 15).
CHILD_HEARD_FROM_AGE = 10


@dataclass
class ActivityData:
    what: str
    frequency: str
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    staff: User | None = None
    partner: str = ""


@dataclass
class GoalData:
    text: str
    needs: list[str]
    expected_results: str
    status: str = GoalStatus.NOT_STARTED
    activities: list[ActivityData] = field(default_factory=list)


def latest_version[D: CaseDocument](case: Case, model: type[D]) -> D | None:
    """The newest version of the case's assessment or plan, approved or not."""
    return model._default_manager.filter(case=case).order_by("-number").first()


def current_approved[D: CaseDocument](case: Case, model: type[D]) -> D | None:
    """The newest approved version of the assessment or plan that counts now (approved since the last
    reopening of the case)."""
    return _approved_since(model._default_manager.filter(case=case), reopened_at(case)).order_by("-number").first()


def _approved_since[D: CaseDocument](versions: QuerySet[D], since: datetime.datetime | None) -> QuerySet[D]:
    approved = versions.filter(status=DocumentStatus.APPROVED)
    return approved if since is None else approved.filter(approved_at__gte=since)


def latest_and_approved[D: CaseDocument](
    case: Case, model: type[D], since: datetime.datetime | None
) -> tuple[D | None, D | None]:
    """``latest_version`` and ``current_approved`` in one query, the case's last reopening (``since``) known."""
    versions = model._default_manager.filter(case=case)
    newest = versions.order_by("-number").values("pk")[:1]
    in_force = _approved_since(versions, since).order_by("-number").values("pk")[:1]
    rows = list(
        versions.filter(Q(pk=Subquery(newest)) | Q(pk=Subquery(in_force))).annotate(
            in_force=ExpressionWrapper(Q(pk=Subquery(in_force)), output_field=BooleanField())
        )
    )
    latest = max(rows, key=lambda row: row.number, default=None)
    return latest, next((row for row in rows if row.in_force), None)  # type: ignore[attr-defined]  # annotated above


def _check_fresh(latest: CaseDocument | None, based_on: int | None, edit_version: int | None) -> None:
    """Refuse a save whose form was read from a version that is not the newest one as it is now."""
    if latest is None and based_on is None:
        return
    if latest is not None and latest.pk == based_on and latest.edit_version == edit_version:
        return
    if latest is None:
        raise StaleEdit(_("The document you edited no longer exists. Your text is kept below."), None)
    raise StaleEdit(
        _(
            "%(who)s changed this document on %(when)s, after you opened it (it is now version %(number)s). "
            "Nothing you typed was saved, and nothing of theirs was overwritten: your text is kept below. "
            "Compare it with their version, then save again to replace it with yours."
        )
        % {
            "who": latest.updated_by,
            "when": timezone.localtime(latest.updated_at).strftime("%d.%m.%Y %H:%M"),
            "number": latest.number,
        },
        latest,
    )


def _start_or_continue[D: CaseDocument](latest: D | None, new: D, by: User) -> D:
    """An approved version is never changed: editing it starts the next version. A draft is edited in place,
    its counter moved on."""
    if latest is None or latest.is_approved:
        new.number = latest.number + 1 if latest is not None else 1
        new.created_by = new.updated_by = by
        return new
    latest.edit_version += 1
    latest.updated_by = by
    return latest


@transaction.atomic
def assessment_save(
    *,
    case: Case,
    by: User,
    values: dict[str, Any],
    domains: dict[str, tuple[int | None, str]],
    heard_children: Sequence[Person],
    based_on: int | None,
    edit_version: int | None,
) -> Assessment:
    """Save the needs assessment of ``case`` as edited from the version ``based_on`` read at
    ``edit_version``: a draft is changed in place, an approved version gets a successor. ``values`` are the
    assessment's own fields, ``domains`` each domain's score and description. Refused (``StaleEdit``) when
    someone saved since the form was read."""
    locked = lock_open_case(case, by)
    latest = latest_version(locked, Assessment)
    _check_fresh(latest, based_on, edit_version)
    strangers = {person.pk for person in heard_children} - set(locked.people.values_list("pk", flat=True))
    if strangers:
        raise ValidationError({"heard_children": _("Choose children of this case.")})
    with acting_as(by):
        assessment = _start_or_continue(latest, Assessment(case=locked), by)
        for name, value in values.items():
            setattr(assessment, name, value)
        assessment.full_clean()
        assessment.save()
        assessment.heard_children.set(heard_children)
        _save_domains(assessment, domains)
    return assessment


def _save_domains(assessment: Assessment, domains: dict[str, tuple[int | None, str]]) -> None:
    existing = {row.domain: row for row in assessment.domains.all()}
    for domain, (score, description) in domains.items():
        row = existing.get(domain) or AssessmentDomain(case=assessment.case, assessment=assessment, domain=domain)
        if row.pk is not None and (row.score, row.description) == (score, description):
            continue  # unchanged: no save, no empty entry in the audit trail
        row.score, row.description = score, description
        row.full_clean()
        row.save()


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def children_to_hear(assessment: Assessment) -> list[Person]:
    """The case's children who were ``CHILD_HEARD_FROM_AGE`` or older on the date of the assessment."""
    children = assessment.case.people.filter(kind=PersonKind.CHILD, birth_date__isnull=False)
    return [
        child
        for child in children.order_by("last_name", "first_name")
        if child.birth_date and age_on(child.birth_date, assessment.assessed_on) >= CHILD_HEARD_FROM_AGE
    ]


def _check_assessment_complete(assessment: Assessment) -> None:
    heard = set(assessment.heard_children.values_list("pk", flat=True))
    not_heard = [child for child in children_to_hear(assessment) if child.pk not in heard]
    if not_heard:
        raise ValidationError(
            _(
                "%(names)s was %(age)s or older on %(date)s: a child of that age must be heard before the "
                "assessment is approved. Edit the assessment, record the child as heard and what they said."
            )
            % {
                "names": ", ".join(str(child) for child in not_heard),
                "age": CHILD_HEARD_FROM_AGE,
                "date": assessment.assessed_on.strftime("%d.%m.%Y"),
            }
        )
    scored_sides = {DOMAIN_SIDE[row.domain] for row in assessment.domains.all() if row.score is not None}
    if len(scored_sides) < len(set(DOMAIN_SIDE.values())):
        raise ValidationError(
            _(
                "Score at least one domain on each of the three sides of the framework (the child's needs, "
                "parenting capacity, family and environment) before the assessment is approved."
            )
        )


def _check_plan_complete(plan: SupportPlan) -> None:
    errors = []
    if plan.assessment_id != getattr(current_approved(plan.case, Assessment), "pk", None):
        errors.append(_("The assessment has a newer approved version: open the plan and save it again."))
    if plan.person_agreed is None:
        errors.append(_("Record whether the person agreed to the plan: they take part at every stage."))
    specialised = plan.case.services.filter(kind=ServiceKind.SPECIALISED)
    if specialised.exists() and not (plan.contract_number and plan.contract_date and plan.contract_signed_by):
        errors.append(
            _(
                "%(services)s is a specialised service: record the contract (number, date, who signed it) "
                "before the plan is approved (Social Services Act, art. 85)."
            )
            % {"services": ", ".join(str(service) for service in specialised)}
        )
    if not plan.goals.exists():
        errors.append(_("The plan has no goals."))
    if errors:
        raise ValidationError(errors)


def _lock_document[D: CaseDocument](document: D, by: User, edit_version: int | None, permission: str) -> D:
    """The document, as it is now, if it is the newest version and unchanged since ``edit_version``."""
    locked_case = lock_open_case(document.case, by, permission)
    latest = latest_version(locked_case, type(document))
    _check_fresh(latest, document.pk, edit_version)
    assert latest is not None
    return latest


@transaction.atomic
def document_submit[D: CaseDocument](*, document: D, by: User, edit_version: int | None) -> D:
    """The worker hands a draft assessment or plan to the head of service for approval."""
    current = _lock_document(document, by, edit_version, Perm.CASE_WORK)
    if current.status != DocumentStatus.DRAFT:
        raise ValidationError(
            _("Only a draft is submitted; this version is: %(status)s.") % {"status": current.get_status_display()}
        )
    _advance(current, by, DocumentStatus.SUBMITTED, "submitted")
    document.refresh_from_db()
    return current


@transaction.atomic
def document_approve[D: CaseDocument](*, document: D, by: User, edit_version: int | None) -> D:
    """The head of service approves a submitted assessment or plan, as it was when the page was read."""
    current = _lock_document(document, by, edit_version, Perm.CASE_APPROVE)
    if current.status != DocumentStatus.SUBMITTED:
        raise ValidationError(
            _("Only a submitted version is approved; this one is: %(status)s.")
            % {"status": current.get_status_display()}
        )
    if isinstance(current, Assessment):
        _check_assessment_complete(current)
    elif isinstance(current, SupportPlan):
        _check_plan_complete(current)
    _advance(current, by, DocumentStatus.APPROVED, "approved")
    # The caller's case (``document.case``) is the one moved, so that what the caller holds is current.
    _move_on_approval(document, by)
    document.refresh_from_db()
    return current


# What an approved document lets the case go on to: the plan is drawn up on the approved assessment, support
# starts on the approved plan (ЗСУ чл. 80). Approval moves the case there, so that what the document fulfils
# (its time limit) is not left on the case until someone moves it by hand.
APPROVAL_MOVES_TO: dict[type[CaseDocument], tuple[str, Promise]] = {
    Assessment: (CaseState.PLAN, gettext_lazy("The needs assessment was approved.")),
    SupportPlan: (CaseState.SUPPORT, gettext_lazy("The individual support plan was approved.")),
}


def _move_on_approval(document: CaseDocument, by: User) -> None:
    """Move the case on, through every state between, to where the approved ``document`` lets it go; a case
    already there or beyond stays where it is. The head who approves may make each of these moves."""
    target, why = APPROVAL_MOVES_TO[type(document)]
    with organisation_language():
        reason = str(why)
    for state in forward_path(document.case.state, target):
        case_move(case=document.case, to=state, by=by, reason=reason)


def check_documents(case: Case, to: str) -> None:
    """The plan is drawn up on an approved assessment, and support starts on an approved plan (ЗСУ чл. 80).
    After a reopening, the documents approved before it do not count: the case starts again. A case of
    general-access services only is asked for no plan (чл. 80 asks it of specialised services): its support
    starts without one. Registered with ``opora.cases.casework.hooks`` as a check of every move."""
    if to == CaseState.PLAN and current_approved(case, Assessment) is None:
        raise ValidationError(
            _(
                "The case cannot move to “%(target)s” before the needs assessment is approved: complete the "
                "assessment, submit it, and ask the head of service to approve it."
            )
            % {"target": CaseState(to).label}
        )
    if to == CaseState.SUPPORT and not case.is_general_access and current_approved(case, SupportPlan) is None:
        raise ValidationError(
            _(
                "The case cannot move to “%(target)s” before the individual support plan is approved: draw up "
                "the plan, submit it, and approve it."
            )
            % {"target": CaseState(to).label}
        )


def _advance(document: CaseDocument, by: User, status: str, step: str) -> None:
    """Move a document on (submitted, approved): who and when (``<step>_by``, ``<step>_at``), and a new edit
    counter, so that a page read before the step cannot save over it."""
    with acting_as(by):
        document.status = status
        setattr(document, f"{step}_by", by)
        setattr(document, f"{step}_at", timezone.now())
        document.edit_version += 1
        document.updated_by = by
        document.save()


@transaction.atomic
def plan_save(
    *,
    case: Case,
    by: User,
    values: dict[str, Any],
    goals: Sequence[GoalData],
    based_on: int | None,
    edit_version: int | None,
) -> SupportPlan:
    """Save the individual support plan of ``case`` as edited from the version ``based_on`` read at
    ``edit_version`` (a draft in place, an approved version by a successor), on the approved assessment.
    Refused (``StaleEdit``) when someone saved since the form was read."""
    locked = lock_open_case(case, by)
    assessment = current_approved(locked, Assessment)
    if assessment is None:
        raise ValidationError(_("Approve the needs assessment first: the plan's goals answer the needs it found."))
    latest = latest_version(locked, SupportPlan)
    _check_fresh(latest, based_on, edit_version)
    _check_goals(locked, assessment, goals)
    with acting_as(by):
        plan = _start_or_continue(latest, SupportPlan(case=locked), by)
        plan.assessment = assessment
        for name, value in values.items():
            setattr(plan, name, value)
        plan.full_clean()
        plan.save()
        _replace_goals(plan, goals)
    return plan


def assessed_domains(assessment: Assessment) -> list[str]:
    """The domains the assessment scored: the needs a goal can answer."""
    return [row.domain for row in assessment.domains.all() if row.score is not None]


def _check_goals(case: Case, assessment: Assessment, goals: Sequence[GoalData]) -> None:
    if not goals:
        raise ValidationError(_("Give the plan at least one goal."))
    assessed = set(assessed_domains(assessment))
    staff = set(case_staff(case.services.all()).values_list("pk", flat=True))
    for number, goal in enumerate(goals, start=1):
        if not goal.needs or not set(goal.needs) <= assessed:
            raise ValidationError(
                _("Goal %(number)s: link it to needs the approved assessment scored.") % {"number": number}
            )
        for activity in goal.activities:
            if activity.staff is not None and activity.staff.pk not in staff:
                raise ValidationError(
                    _("Goal %(number)s: %(who)s does not work in the case's services; name a partner instead.")
                    % {"number": number, "who": activity.staff}
                )


def _replace_goals(plan: SupportPlan, goals: Sequence[GoalData]) -> None:
    """A draft's goals are written again as typed (a draft has no reviews that could point at them)."""
    for old in plan.goals.all():
        old.activities.all().delete()
        old.delete()
    for position, data in enumerate(goals, start=1):
        goal = PlanGoal(
            case=plan.case,
            plan=plan,
            position=position,
            text=data.text,
            needs=list(data.needs),
            expected_results=data.expected_results,
            status=data.status,
        )
        goal.full_clean()
        goal.save()
        for activity_data in data.activities:
            activity = PlanActivity(case=plan.case, goal=goal, **vars(activity_data))
            activity.full_clean()
            activity.save()


def goal_data(goal: PlanGoal) -> GoalData:
    """A saved goal as data, to copy it into a new version."""
    return GoalData(
        text=goal.text,
        needs=list(goal.needs),
        expected_results=goal.expected_results,
        status=goal.status,
        activities=[
            ActivityData(
                what=activity.what,
                frequency=activity.frequency,
                starts_on=activity.starts_on,
                ends_on=activity.ends_on,
                staff=activity.staff,
                partner=activity.partner,
            )
            for activity in goal.activities.all()
        ],
    )


@transaction.atomic
def plan_review_record(
    *,
    case: Case,
    by: User,
    reviewed_on: datetime.date,
    summary: str,
    progress: dict[int, tuple[str, str]],
    revise: bool = False,
) -> PlanReview:
    """Record a review of the plan in force: ``progress`` maps each goal's id to its status and a note.
    With ``revise``, the review starts the plan's next version (a draft, for the head to approve), its goals
    carrying the progress found."""
    locked = lock_open_case(case, by)
    plan = current_approved(locked, SupportPlan)
    if plan is None:
        raise ValidationError(_("There is no approved plan to review."))
    goals = list(plan.goals.order_by("position"))
    errors = _review_errors(reviewed_on, summary, progress, [goal.pk for goal in goals])
    latest = latest_version(locked, SupportPlan)
    if revise and latest is not None and latest.pk != plan.pk:
        errors["revise"] = _("Version %(number)s of the plan is already being drawn up: change that one instead.") % {
            "number": latest.number
        }
    if errors:
        raise ValidationError(errors)
    with acting_as(by):
        review = PlanReview(case=locked, plan=plan, reviewed_on=reviewed_on, summary=summary.strip(), by=by)
        review.full_clean()
        review.save()
        for goal in goals:
            status, note = progress[goal.pk]
            GoalProgress(case=locked, review=review, goal=goal, status=status, note=note.strip()).save()
        if revise:
            review.revised_plan = _next_plan_version(plan, goals, progress, by)
            review.save()
    return review


STALE_REVIEW = gettext_lazy(
    "%(who)s corrected this review on %(when)s, after you opened it. Nothing you typed was saved, and "
    "nothing of theirs was overwritten: your values are kept below. Compare them with theirs, then save "
    "again to replace them with yours."
)


@transaction.atomic
def plan_review_update(
    *,
    review: PlanReview,
    by: User,
    reviewed_on: datetime.date,
    summary: str,
    progress: dict[int, tuple[str, str]],
    edit_version: int | None,
) -> PlanReview:
    """Correct a recorded review (its date, summary and the progress on each goal; a new version of the plan
    it started stays), read at ``edit_version``: refused as stale when someone corrected it since."""
    lock_open_case(review.case, by)
    locked = PlanReview.objects.select_for_update().get(pk=review.pk)
    check_version(locked, edit_version, str(STALE_REVIEW))
    found = {item.goal_id: item for item in locked.progress.all()}
    errors = _review_errors(reviewed_on, summary, progress, list(found))
    if errors:
        raise ValidationError(errors)
    with acting_as(by):
        locked.reviewed_on, locked.summary = reviewed_on, summary.strip()
        locked.edit_version += 1
        locked.full_clean()
        locked.save()
        for goal_id, item in found.items():
            status, note = progress[goal_id]
            if (item.status, item.note) != (status, note.strip()):
                item.status, item.note = status, note.strip()
                item.save()
    return locked


def _review_errors(
    reviewed_on: datetime.date, summary: str, progress: dict[int, tuple[str, str]], goals: Sequence[int]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not summary.strip():
        errors["summary"] = _("Summarise what the review found.")
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = _("This is in the future: type the day of the review.")
    if any(goal not in progress or progress[goal][0] not in GoalStatus.values for goal in goals):
        errors[NON_FIELD_ERRORS] = _("Give the progress on every goal of the plan.")
    return errors


def _next_plan_version(
    plan: SupportPlan, goals: list[PlanGoal], progress: dict[int, tuple[str, str]], by: User
) -> SupportPlan:
    new = SupportPlan(
        case=plan.case,
        assessment=plan.assessment,
        number=plan.number + 1,
        created_by=by,
        updated_by=by,
        **{name: getattr(plan, name) for name in PLAN_FIELDS},
    )
    new.full_clean()
    new.save()
    carried = []
    for goal in goals:
        data = goal_data(goal)
        data.status = progress[goal.pk][0]
        carried.append(data)
    _replace_goals(new, carried)
    return new


# The plan's own fields a new version carries over and the form edits.
PLAN_FIELDS = (
    "person_agreed",
    "person_note",
    "parents_agreed",
    "parents_note",
    "contract_number",
    "contract_date",
    "contract_signed_by",
)
ASSESSMENT_FIELDS = ("assessed_on", "risk_level", "summary", "children_views", "parents_participation", "professionals")
