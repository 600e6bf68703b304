"""The tasks the law starts with a referral (``rules.INTAKE``): told that a referral was recorded (the signal
``opora.core.due_facts.referral_recorded``, sent by ``opora.cases``), this module works out each task's title,
source and due time from its rule, once, and hands them to the provider of facts to write."""

from typing import Any

from django.conf import settings
from django.utils import translation

from opora.core.due_facts import NewTask, due_facts_provider
from opora.deadlines.engine import due_after
from opora.deadlines.rules import INTAKE
from opora.deadlines.selectors import rule_values


def start_intake_tasks(sender: Any, *, referral: Any, by: Any, **kwargs: Any) -> None:
    """Start the tasks the referral calls for, due by their rules from when the referral or the signal was
    received (a referral recorded late is late already). An immediate task is due at once by law; its due time
    is the end of the organisation's grace, after which it shows as overdue. A task already started (the
    referral is being corrected) is not started again."""
    provider = due_facts_provider()
    facts = provider.referral_facts(referral)
    called_for = [definition for definition in INTAKE if definition.starts_when and definition.starts_when(facts)]
    if not called_for:
        return
    # Only a corrected referral may have some already: a new one costs no query to find out.
    started = frozenset() if facts.is_new else provider.started_task_codes(referral)
    values = rule_values(facts.organisation_id)
    tasks = []
    # The text is the organisation's language, whoever's request wrote it: the record is read by everyone.
    with translation.override(settings.LANGUAGE_CODE):
        for definition in called_for:
            if definition.code in started:
                continue
            value = values[definition.code]
            tasks.append(
                NewTask(
                    code=definition.code,
                    title=str(definition.task_title),
                    legal_source=str(definition.legal_source),
                    signal_at=facts.received_at,
                    immediate=definition.immediate,
                    due_at=due_after(facts.received_at, value.amount, definition.unit),
                )
            )
    if tasks:
        provider.start_tasks(referral, tasks, by=by)
