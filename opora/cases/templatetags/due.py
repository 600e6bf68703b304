"""How long until a task is due, and since its signal, counted from ``timezone.now()`` (Django's ``timeuntil``
and ``timesince`` filters read the system clock instead)."""

import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.filter
def time_left(moment: datetime.datetime) -> str:
    return timeuntil(moment, timezone.now())


@register.filter
def time_since(moment: datetime.datetime) -> str:
    return timesince(moment, timezone.now())
