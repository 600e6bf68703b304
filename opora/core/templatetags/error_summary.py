"""``{% error_summary form formset … %}``: the one summary at the top of a form that came back with errors.

A page with a form and its rows (formsets) gets a single summary for all of them, so that every wrong
field, in the form or in any row, is one link away from the top. opora/forms.js moves the focus there.
"""

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext as _

register = template.Library()


@dataclass(frozen=True)
class Entry:
    field: str  # the id of the field the link focuses; empty for an error of no one field
    text: str


def _field_id(field: forms.BoundField) -> str:
    # A group of checkboxes or radio buttons has no one element for its label: the link goes to the first.
    return field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")


def _form_entries(form: forms.BaseForm, row: int | None) -> list[Entry]:
    if not form.errors or form.cleaned_data.get("DELETE"):
        return []  # a row marked for removal is not shown as a row to correct
    entries = []
    visible = form.visible_fields()
    for field in visible:
        if field.errors:
            label = (
                field.label if row is None else _("%(label)s, row %(number)s") % {"label": field.label, "number": row}
            )
            entries.append(Entry(_field_id(field), f"{label}: {field.errors[0]}"))
    # A hidden field has no place on the page to show its error, and a row's own errors sit in the row:
    # both are named here too (a row's link goes to its first field), the form's own stay above its fields.
    entries += [Entry("", f"{error}") for field in form.hidden_fields() for error in field.errors]
    if row is not None and form.non_field_errors():
        first = _field_id(visible[0]) if visible else ""
        entries += [
            Entry(first, f"{_('Row %(number)s') % {'number': row}}: {error}") for error in form.non_field_errors()
        ]
    return entries


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms_and_formsets: Any) -> dict[str, list[Entry]]:
    entries: list[Entry] = []
    for item in forms_and_formsets:
        if isinstance(item, BaseFormSet):
            if not item.is_bound:
                continue
            entries += [Entry("", f"{error}") for error in item.non_form_errors()]
            for number, row in enumerate(item.forms, start=1):
                entries += _form_entries(row, number)
        elif isinstance(item, forms.BaseForm) and item.is_bound:
            entries += _form_entries(item, None)
    return {"entries": entries}
