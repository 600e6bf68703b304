"""Planning's forms: the needs assessment, the plan with its goals and activities, a review. Forms only
validate; the services write the versions and enforce the rules."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import User

# --- Needs assessment, support plan, reviews ------------------------------------------------------------
from opora.cases.planning.models import (
    DOMAIN_SIDE,
    Assessment,
    CaseDocument,
    Domain,
    GoalStatus,
    PlanGoal,
    PlanReview,
    RiskLevel,
    Score,
    Side,
    SupportPlan,
)
from opora.cases.planning.services import ASSESSMENT_FIELDS, PLAN_FIELDS, ActivityData, GoalData
from opora.core.forms import (
    MAX_ID,
    IdChoiceField,
    IdMultipleChoiceField,
    PastDateField,
    PlannedDateField,
    RangedDateField,
)
from opora.core.formsets import TamperProofFormSet
from opora.core.widgets import DateInput
from opora.people.models import Person


class VersionedForm(forms.Form):
    """A form for a version of a document: it carries which version was read and at which edit counter, so
    that a save based on a version someone else has changed meanwhile is refused, never overwriting."""

    based_on = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    edit_version = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)

    @staticmethod
    def version_of(document: CaseDocument | None) -> dict[str, int | None]:
        return {
            "based_on": document.pk if document else None,
            "edit_version": document.edit_version if document else None,
        }


class AssessmentForm(VersionedForm):
    """The needs assessment: the date, a score and a description per domain on the three sides, the overall
    risk, and who took part."""

    assessed_on = PastDateField(label=_("Date of the assessment"), widget=DateInput())
    risk_level = forms.ChoiceField(label=_("Overall risk"), choices=[("", "---------"), *RiskLevel.choices])
    heard_children = IdMultipleChoiceField(
        label=_("Children heard"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A child of 10 or more must be heard before the assessment is approved."),
    )
    children_views = forms.CharField(
        label=_("The child's views"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parents_participation = forms.CharField(
        label=_("Parents' participation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    professionals = forms.CharField(
        label=_("Professionals who took part"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(label=_("Conclusions"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, children: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        heard = self.fields["heard_children"]
        assert isinstance(heard, forms.ModelMultipleChoiceField)
        heard.queryset = children
        for domain in Domain:
            # Labelled by the domain: the field says what it is on its own, also in the list of differences.
            self.fields[f"score_{domain.value}"] = forms.TypedChoiceField(
                label=format_lazy("{}: {}", domain.label, _("score")),
                choices=[("", _("not assessed")), *Score.choices],
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"description_{domain.value}"] = forms.CharField(
                label=format_lazy("{}: {}", domain.label, _("description")),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def sides(self) -> list[tuple[str, list[tuple[str, forms.BoundField, forms.BoundField]]]]:
        """The domain fields grouped by the side of the framework, for the template."""
        return [
            (
                str(side.label),
                [
                    (str(Domain(domain).label), self[f"score_{domain}"], self[f"description_{domain}"])
                    for domain in Domain
                    if DOMAIN_SIDE[domain] == side
                ],
            )
            for side in Side
        ]

    def domains(self) -> dict[str, tuple[int | None, str]]:
        return {
            domain.value: (
                self.cleaned_data.get(f"score_{domain.value}"),
                self.cleaned_data.get(f"description_{domain.value}", "").strip(),
            )
            for domain in Domain
        }

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ASSESSMENT_FIELDS}

    @staticmethod
    def initial_from(assessment: Assessment | None) -> dict[str, Any]:
        if assessment is None:
            return {"assessed_on": timezone.localdate()}
        initial: dict[str, Any] = {name: getattr(assessment, name) for name in ASSESSMENT_FIELDS}
        initial["heard_children"] = list(assessment.heard_children.values_list("pk", flat=True))
        for row in assessment.domains.all():
            initial[f"score_{row.domain}"] = row.score
            initial[f"description_{row.domain}"] = row.description
        return initial | VersionedForm.version_of(assessment)


AGREEMENT_CHOICES = [("", _("not recorded")), ("yes", _("agreed")), ("no", _("did not agree"))]


def _agreement(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _agreement_value(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")  # type: ignore[arg-type]


class ContractDateField(RangedDateField):
    """A contract is signed on the day, or dated for the meeting that signs it, within a month."""

    days_ahead = 31


class PlanForm(VersionedForm):
    """The plan's own fields: participation and the contract. Goals and activities are formsets beside it."""

    person_agreed = forms.ChoiceField(label=_("The person agreed"), choices=AGREEMENT_CHOICES, required=False)
    person_note = forms.CharField(
        label=_("The person's participation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    parents_agreed = forms.ChoiceField(label=_("The parents agreed"), choices=AGREEMENT_CHOICES, required=False)
    parents_note = forms.CharField(
        label=_("The parents' participation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contract_number = forms.CharField(label=_("Contract number"), max_length=60, required=False)
    contract_date = ContractDateField(label=_("Contract date"), required=False, widget=DateInput())
    contract_signed_by = forms.CharField(
        label=_("Contract signed by"),
        max_length=300,
        required=False,
        help_text=_("Required before approval for a specialised service (Social Services Act, art. 85)."),
    )

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in PLAN_FIELDS}
        values["person_agreed"] = _agreement(values["person_agreed"])
        values["parents_agreed"] = _agreement(values["parents_agreed"])
        return values

    @staticmethod
    def initial_from(plan: SupportPlan | None) -> dict[str, Any]:
        if plan is None:
            return {}
        initial: dict[str, Any] = {name: getattr(plan, name) for name in PLAN_FIELDS}
        initial["person_agreed"] = _agreement_value(plan.person_agreed)
        initial["parents_agreed"] = _agreement_value(plan.parents_agreed)
        return initial | VersionedForm.version_of(plan)


class GoalForm(forms.Form):
    text = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}))
    needs = forms.MultipleChoiceField(
        label=_("Assessed needs it answers"),
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Link the goal to at least one need of the assessment.")},
    )
    expected_results = forms.CharField(label=_("Expected results"), widget=forms.Textarea(attrs={"rows": 2}))
    status = forms.ChoiceField(label=_("Progress"), choices=GoalStatus.choices, initial=GoalStatus.NOT_STARTED)

    def __init__(self, *args: Any, needs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        needs_field = self.fields["needs"]
        assert isinstance(needs_field, forms.MultipleChoiceField)
        needs_field.choices = needs


class ActivityForm(forms.Form):
    goal = forms.TypedChoiceField(label=_("For goal"), choices=[], coerce=int, empty_value=None)
    what = forms.CharField(label=_("Activity"), max_length=300)
    staff = IdChoiceField(label=_("Member of staff"), queryset=User.objects.none(), required=False)
    partner = forms.CharField(label=_("or partner"), max_length=300, required=False)
    frequency = forms.CharField(
        label=_("How often"), max_length=120, help_text=_("For example: weekly, Thursdays 15:00.")
    )
    starts_on = PlannedDateField(label=_("From"), widget=DateInput())
    ends_on = PlannedDateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, goals: int, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        goal_field = self.fields["goal"]
        assert isinstance(goal_field, forms.TypedChoiceField)
        # A blank first choice, so that an untouched empty row stays empty and is skipped.
        goal_field.choices = [("", "---------")] + [
            (number, _("Goal %(number)s") % {"number": number}) for number in range(1, goals + 1)
        ]
        staff_field = self.fields["staff"]
        assert isinstance(staff_field, forms.ModelChoiceField)
        staff_field.queryset = staff

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("staff") and not cleaned.get("partner", "").strip():
            self.add_error("staff", _("Name who does it: a member of staff or a partner."))
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end is before the start."))
        return cleaned


GoalFormSet = forms.formset_factory(GoalForm, formset=TamperProofFormSet, extra=1, can_delete=True)
ActivityFormSet = forms.formset_factory(ActivityForm, formset=TamperProofFormSet, extra=2, can_delete=True)


def kept_rows(formset: Any) -> list[tuple[int, forms.Form]]:
    """(number, form) of each row the plan keeps: every row that was on the screen pre-filled (touched or
    not: what is shown is what is saved) and every new row typed in, less the rows marked removed. Rows are
    numbered as on the screen, from 1."""
    initial = formset.initial_form_count()
    return [
        (index + 1, form)
        for index, form in enumerate(formset.forms)
        if (index < initial or form.has_changed()) and not form.cleaned_data.get("DELETE")
    ]


def activities_have_goals(goal_forms: Any, activity_forms: Any) -> bool:
    """Whether every activity kept names a goal kept; an activity that does not gets the reason next to its
    goal, so that nothing the worker did not remove is dropped silently."""
    goals = {number for number, _form in kept_rows(goal_forms)}
    fine = True
    for _number, form in kept_rows(activity_forms):
        if form.cleaned_data.get("goal") not in goals:
            form.add_error(
                "goal", _("This goal is empty or removed: link the activity to a goal of the plan, or remove it.")
            )
            fine = False
    return fine


def goals_from(goal_forms: Any, activity_forms: Any) -> list[GoalData]:
    """The goals kept in the two formsets, each with its activities (an activity names its goal by the
    goal's number in the form; ``activities_have_goals`` has checked that each names a goal kept)."""
    numbered: dict[int, GoalData] = {}
    for number, form in kept_rows(goal_forms):
        numbered[number] = GoalData(
            text=form.cleaned_data["text"].strip(),
            needs=list(form.cleaned_data["needs"]),
            expected_results=form.cleaned_data["expected_results"].strip(),
            status=form.cleaned_data["status"],
        )
    for _number, form in kept_rows(activity_forms):
        data = form.cleaned_data
        numbered[data["goal"]].activities.append(
            ActivityData(
                what=data["what"].strip(),
                frequency=data["frequency"].strip(),
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                staff=data["staff"],
                partner=data["partner"].strip(),
            )
        )
    return list(numbered.values())


def plan_initial(plan: SupportPlan | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The initial rows of the goal and activity formsets from a saved version."""
    if plan is None:
        return [], []
    goals, activities = [], []
    for goal in plan.goals.order_by("position").prefetch_related("activities"):
        goals.append(
            {"text": goal.text, "needs": goal.needs, "expected_results": goal.expected_results, "status": goal.status}
        )
        for activity in goal.activities.all():
            activities.append(
                {
                    "goal": goal.position,
                    "what": activity.what,
                    "staff": activity.staff_id,
                    "partner": activity.partner,
                    "frequency": activity.frequency,
                    "starts_on": activity.starts_on,
                    "ends_on": activity.ends_on,
                }
            )
    return goals, activities


class ReviewForm(forms.Form):
    """A review of the plan in force: a status and a note per goal, and whether the plan gets a new version."""

    reviewed_on = PastDateField(label=_("Date of the review"), widget=DateInput())
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    revise = forms.BooleanField(
        label=_("Change the plan"),
        required=False,
        help_text=_("Starts the plan's next version with the progress found, to be edited and approved."),
    )

    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31)

    def __init__(self, *args: Any, goals: list[PlanGoal], review: PlanReview | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        found = {item.goal_id: item for item in review.progress.all()} if review is not None else {}
        if review is None:
            del self.fields["edit_version"]
            self.initial.setdefault("reviewed_on", timezone.localdate())
        else:
            # A correction: the review as recorded; the new version of the plan it started stays.
            del self.fields["revise"]
            self.initial.update(
                reviewed_on=review.reviewed_on, summary=review.summary, edit_version=review.edit_version
            )
        for goal in goals:
            item = found.get(goal.pk)
            self.fields[f"status_{goal.pk}"] = forms.ChoiceField(
                label=_("Progress"), choices=GoalStatus.choices, initial=item.status if item else goal.status
            )
            if item is not None:
                self.initial[f"note_{goal.pk}"] = item.note
            self.fields[f"note_{goal.pk}"] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def goal_fields(self) -> list[tuple[PlanGoal, forms.BoundField, forms.BoundField]]:
        return [(goal, self[f"status_{goal.pk}"], self[f"note_{goal.pk}"]) for goal in self.goals]

    def progress(self) -> dict[int, tuple[str, str]]:
        return {
            goal.pk: (self.cleaned_data[f"status_{goal.pk}"], self.cleaned_data.get(f"note_{goal.pk}", ""))
            for goal in self.goals
        }


# How many rows the buttons add at most: the activity's goal list offers 50 goals.
MAX_ROWS = {"goals": 50, "activities": 200}


def with_row_action(data: Any, action: str, goal_forms: Any, activity_forms: Any) -> Any:
    """``data`` after pressing a row button of the plan form: ``add:<rows>``, ``remove:<rows>:<index>``
    or ``keep:<rows>:<index>`` (undo a removal). A removed row stays in the form, marked, until saved; a
    removed goal takes the activities linked to it along, visibly. Counters come from the formsets, so
    damaged ones are repaired too."""
    data = data.copy()
    formsets = {"goals": goal_forms, "activities": activity_forms}
    for prefix, formset in formsets.items():
        data[f"{prefix}-TOTAL_FORMS"] = str(formset.total_form_count())
        data[f"{prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
    verb, _sep, rest = action.partition(":")
    prefix, _sep, index = rest.partition(":")
    if prefix not in formsets:
        return data
    total = formsets[prefix].total_form_count()
    if verb == "add" and total < MAX_ROWS[prefix]:
        data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
        # The new row starts with its fields' defaults (a goal is "not started"), as an unbound row would.
        for name, field in formsets[prefix].empty_form.fields.items():
            if field.initial is not None:
                data[f"{prefix}-{total}-{name}"] = str(field.initial)
    elif verb in ("remove", "keep") and index.isascii() and index.isdigit() and int(index) < total:
        _mark_removed(data, prefix, int(index), removed=verb == "remove")
        if prefix == "goals":
            for position, form in enumerate(activity_forms.forms):
                if str(form["goal"].value()) == str(int(index) + 1):
                    _mark_removed(data, "activities", position, removed=verb == "remove")
    return data


def _mark_removed(data: Any, prefix: str, index: int, *, removed: bool) -> None:
    key = f"{prefix}-{index}-DELETE"
    if removed:
        data[key] = "on"
    else:
        data.pop(key, None)
