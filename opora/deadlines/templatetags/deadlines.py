"""``{% case_deadlines case as items %}``: the next due dates of a case, for its page."""

from django import template
from django.utils import timezone

from opora.cases.models import Case
from opora.deadlines.engine import DueItem
from opora.deadlines.selectors import case_due_items

register = template.Library()


@register.simple_tag
def case_deadlines(case: Case) -> list[DueItem]:
    """The time limits running in ``case``, the earliest first. The case was reached through the scoping
    module by the page that shows it."""
    return case_due_items(case, timezone.now())
