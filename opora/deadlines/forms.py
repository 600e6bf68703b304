"""Forms only validate; ``opora.deadlines.services`` saves."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opora.core.forms import MAX_ID
from opora.deadlines.engine import RuleValue
from opora.deadlines.models import MAX_AMOUNT
from opora.deadlines.rules import DEFINITIONS, SETTABLE, Anchor
from opora.deadlines.services import RuleSetting


class DeadlineRulesForm(forms.Form):
    """The organisation's values of every time limit that may be changed: three fields per limit, named
    ``<code>-amount``, ``<code>-counts_from`` and ``<code>-is_active``."""

    # The version of the limits the page was read at (``rules_version``): a save over a newer one is refused.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, values: dict[str, RuleValue], version: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version
        for code in SETTABLE:
            definition, value = DEFINITIONS[code], values[code]
            self.fields[f"{code}-amount"] = forms.IntegerField(
                label=_("Period (%(unit)s)") % {"unit": definition.unit.label},
                min_value=1,
                # A limit the law caps (general-access use, ЗСУ чл. 12) may be shortened, never lengthened.
                max_value=definition.max_amount or MAX_AMOUNT,
                initial=value.amount,
                error_messages={
                    "required": _("Give the period as a whole number."),
                    "min_value": _("The period is at least 1."),
                    "max_value": _("The period is at most %(limit_value)s."),
                },
            )
            self.fields[f"{code}-counts_from"] = forms.ChoiceField(
                label=_("Counts from"),
                choices=[(anchor, Anchor(anchor).label) for anchor in definition.anchors],
                initial=value.counts_from,
            )
            self.fields[f"{code}-is_active"] = forms.BooleanField(
                label=_("Watched"), required=False, initial=value.is_active
            )

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(code, its three fields) for the page's table."""
        return [
            (code, [self[f"{code}-{name}"] for name in ("amount", "counts_from", "is_active")]) for code in SETTABLE
        ]

    def chosen(self) -> dict[str, RuleSetting]:
        data = self.cleaned_data
        return {
            code: RuleSetting(
                amount=data[f"{code}-amount"],
                counts_from=data[f"{code}-counts_from"],
                is_active=data[f"{code}-is_active"],
            )
            for code in SETTABLE
        }


class MarkReadForm(forms.Form):
    """Which of the user's notifications to mark read: one (``notification``), or all of them."""

    notification = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
