"""Formsets that survive a damaged management form.

Django answers a missing or non-numeric ``TOTAL_FORMS`` with a formset of no rows, so everything typed in
the rows would vanish from the page (and code that reads the counters itself fails with a 500). Here the
counters are repaired from the rows actually posted: the rows come back as typed, with a message, and
nothing is saved until the form is sent again with sound counters."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import INITIAL_FORM_COUNT, MAX_NUM_FORM_COUNT, MIN_NUM_FORM_COUNT, TOTAL_FORM_COUNT
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

TAMPERED_MESSAGE = _(
    "The form's row counters arrived damaged, so nothing was saved. Check the rows below and save again."
)


def posted_rows(data: Any, prefix: str, limit: int) -> int:
    """How many rows ``data`` carries for ``prefix`` (one more than the highest row number), at most ``limit``."""
    highest = -1
    start = f"{prefix}-"
    for key in data:
        number, separator, _rest = key.removeprefix(start).partition("-")
        if key.startswith(start) and separator and _is_number(number):
            highest = max(highest, int(number))
    return min(highest + 1, limit)


def _is_number(text: str) -> bool:
    # ASCII only: "²" is a digit to str.isdigit() but not to int().
    return text.isascii() and text.isdigit() and len(text) <= 6


def _count(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if _is_number(text) else None


class TamperProofFormSetMixin:
    """Mixed into a formset class (plain, model or inline) before its Django base."""

    prefix: str
    data: Any
    is_bound: bool
    absolute_max: int
    min_num: int
    max_num: int
    auto_id: str
    renderer: Any

    @cached_property
    def management_form(self) -> forms.Form:
        form = super().management_form  # type: ignore[misc]
        if not self.is_bound or not self._counters_damaged(form):
            return form
        total = posted_rows(self.data, self.prefix, self.absolute_max)
        initial = _count(self.data.get(f"{self.prefix}-{INITIAL_FORM_COUNT}"))
        repaired = forms.formsets.ManagementForm(
            {
                f"{self.prefix}-{TOTAL_FORM_COUNT}": total,
                f"{self.prefix}-{INITIAL_FORM_COUNT}": initial if initial is not None and initial <= total else 0,
                f"{self.prefix}-{MIN_NUM_FORM_COUNT}": self.min_num,
                f"{self.prefix}-{MAX_NUM_FORM_COUNT}": self.max_num,
            },
            auto_id=self.auto_id,
            prefix=self.prefix,
            renderer=self.renderer,
        )
        repaired.full_clean()
        self.counters_were_damaged = True
        return repaired

    def _counters_damaged(self, form: forms.Form) -> bool:
        if not form.is_valid():
            return True
        total, initial = form.cleaned_data[TOTAL_FORM_COUNT], form.cleaned_data[INITIAL_FORM_COUNT]
        return not 0 <= initial <= total <= self.absolute_max

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        if getattr(self, "counters_were_damaged", False):
            self._non_form_errors.append(ValidationError(TAMPERED_MESSAGE, code="missing_management_form"))  # type: ignore[attr-defined]


# The mixin declares the attributes it reads more loosely than the stubs do; the classes are the same at run time.
class TamperProofFormSet(TamperProofFormSetMixin, forms.BaseFormSet):  # type: ignore[misc]
    pass
