"""The audit pages' filter: which record, whose events, which days, which action. A GET form: what is wrong
is said next to its field, and nothing is shown until it is put right (never a 500, never a guess)."""

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import User
from opora.audit.presenters import type_key, type_label, user_name
from opora.audit.registry import registered_models
from opora.core.forms import FilterDateField

# What the "who" filter offers for the changes nobody made by hand (a command, the task worker).
SYSTEM = "system"
# Ids are numbers; more digits than a 64-bit id has are junk, not a record.
_RECORD_NUMBER = re.compile(r"[0-9]{1,18}")


def record_number(text: str) -> int | None:
    """A record's id typed or carried in a URL, or None when it is not one."""
    return int(text) if _RECORD_NUMBER.fullmatch(text) else None


class AuditFilterForm(forms.Form):
    type = forms.ChoiceField(label=_("Record type"), required=False)
    object = forms.CharField(
        label=_("Record number"), required=False, max_length=40, help_text=_("With the record type, e.g. 12.")
    )
    user = forms.ChoiceField(label=_("Who"), required=False)
    since = FilterDateField(label=_("From"), required=False)
    until = FilterDateField(label=_("To"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        staff: Iterable[User],
        actions: Iterable[tuple[str, Any]],
        action_label: str,
        with_system: bool,
    ) -> None:
        super().__init__(data)
        types = sorted(((type_key(model), type_label(model)) for model in registered_models()), key=lambda t: t[1])
        people = [(str(user.pk), user_name(user)) for user in staff]
        everyone = [("", _("Everyone"))] + ([(SYSTEM, _("The system"))] if with_system else [])
        self.fields["type"].choices = [("", _("All")), *types]  # type: ignore[attr-defined]
        self.fields["user"].choices = everyone + people  # type: ignore[attr-defined]
        self.fields["action"].choices = [("", _("All")), *actions]  # type: ignore[attr-defined]
        self.fields["action"].label = action_label

    def clean_object(self) -> str:
        text = self.cleaned_data["object"].strip()
        number = record_number(text)
        if text and number is None:
            raise forms.ValidationError(_("Enter the record's number in digits, e.g. 12."))
        return "" if number is None else str(number)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("object") and not cleaned.get("type") and "type" not in self.errors:
            self.add_error("object", _("Choose the record type as well: each type numbers its records."))
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned
