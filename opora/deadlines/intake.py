"""The tasks the law starts with a referral (``rules.INTAKE``): told by ``opora.cases`` that a referral was
recorded, this module writes each task with its title, source and due time from its rule, once."""

from typing import Any

from django.conf import settings
from django.utils import translation

from opora.accounts.models import User
from opora.cases.models import CaseTask, Referral
from opora.deadlines.engine import due_after
from opora.deadlines.rules import INTAKE
from opora.deadlines.selectors import rule_values


def start_intake_tasks(sender: Any, *, referral: Referral, by: User, **kwargs: Any) -> None:
    """Start the tasks the referral calls for, due by their rules from when the referral or the signal was
    received (a referral recorded late is late already). An immediate task is due at once by law; its due time
    is the end of the organisation's grace, after which it shows as overdue. A task already started (the
    referral is being corrected) is not started again."""
    values = rule_values(referral.service.organisation_id)
    started = set(referral.tasks.values_list("kind", flat=True))
    # The text is the organisation's language, whoever's request wrote it: the record is read by everyone.
    with translation.override(settings.LANGUAGE_CODE):
        for definition in INTAKE:
            assert definition.starts_when is not None
            if definition.code in started or not definition.starts_when(referral):
                continue
            value = values[definition.code]
            task = CaseTask(
                service=referral.service,
                referral=referral,
                assigned_to=by,
                kind=definition.code,
                title=str(definition.task_title),
                legal_source=str(definition.legal_source),
                signal_at=referral.received_at,
                immediate=definition.immediate,
                due_at=due_after(referral.received_at, value.amount, definition.unit),
            )
            task.full_clean()
            task.save()
