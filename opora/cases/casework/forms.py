"""Case work's forms: moving a case, its team, completing a task. Forms only validate; the services write
the records and enforce the rules."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import User
from opora.cases.casework.models import CASE_MOVES, CaseOutcome, CaseState, NotifiedHow
from opora.core.forms import (
    IdChoiceField,
    IdMultipleChoiceField,
    PastDateTimeField,
)
from opora.core.widgets import DateTimeInput, PickMany, use_picker


class NotifiedAtField(PastDateTimeField):
    too_late = _("This is in the future: type when they were notified.")


class CaseTeamForm(forms.Form):
    """Another case manager, or a changed team (the head of service)."""

    case_manager = IdChoiceField(label=_("Case manager"), queryset=User.objects.none())
    team = IdMultipleChoiceField(
        label=_("Multidisciplinary team"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Who works on the case with the case manager: type part of a name and choose."),
    )

    def __init__(self, *args: Any, staff: QuerySet[User], pick_url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("case_manager", "team"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = staff
        # Without script every one of the staff is a box to tick (a service's staff are tens); the picker
        # (``pick_url``, the staff of the case's services) hides them behind chips.
        use_picker(self.fields["team"], PickMany(pick_url))  # type: ignore[arg-type]


class CaseMoveForm(forms.Form):
    """Move a case to its next state: the button pressed says where to, the text says why."""

    to = forms.ChoiceField(
        label=_("Move to"),
        choices=CaseState.choices,
        error_messages={"required": _("Press the button of the state the case moves to.")},
    )
    reason = forms.CharField(
        label=_("Reason or note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to close or to reopen the case."),
    )
    override_reason = forms.CharField(
        label=_("Why beyond capacity"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only to reopen the case when its service is full."),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "---------"), *CaseOutcome.choices],
        required=False,
        help_text=_("Required to close the case; the reason above is then its summary."),
    )

    def __init__(self, *args: Any, state: str, to: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if state != CaseState.CLOSED:
            del self.fields["override_reason"]
        if CaseState.CLOSED not in CASE_MOVES[state]:
            del self.fields["outcome"]
        if to in MOVES_WITH_THEIR_OWN_PAGE:
            self._only_for(to)

    def _only_for(self, to: str) -> None:
        """The page of one move asks only what it needs: closing, the outcome and its summary; reopening,
        why (and, when the service is full, why beyond capacity). The service says what is missing."""
        self.fields["to"].widget = forms.HiddenInput()
        self.initial["to"] = to
        reason = self.fields["reason"]
        if to == CaseState.CLOSED:
            reason.label = _("Summary of the work and why the case closes")
            reason.help_text = _("It stays in the case's timeline.")
            self.fields.pop("override_reason", None)
            self.fields["outcome"].help_text = ""
            self.order_fields(["outcome", "reason"])
        else:
            reason.label = _("Why the case reopens")
            reason.help_text = ""
            self.fields.pop("outcome", None)


# A move that asks for more than the press of a button has a page of its own (the others are one button each).
MOVES_WITH_THEIR_OWN_PAGE = (CaseState.CLOSED, CaseState.REOPENED)


class TaskCompleteForm(forms.Form):
    """Who was told, when and how; the service checks each (``task_complete``)."""

    notified_whom = forms.CharField(
        label=_("Who was notified"),
        max_length=300,
        help_text=_("The department, the parent: by name or position."),
        error_messages={"required": _("Say who was notified: the department, the parent, by name or position.")},
    )
    notified_at = NotifiedAtField(
        label=_("When"),
        widget=DateTimeInput(),
        error_messages={"required": _("Say when they were notified."), "invalid": _("Type a date and a time.")},
    )
    notified_how = forms.ChoiceField(
        label=_("How"),
        choices=[("", "—"), *NotifiedHow.choices],
        error_messages={"required": _("Choose how they were notified.")},
    )
    note = forms.CharField(label=_("Anything else"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notified_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
