"""What the deadlines app keeps in Django's cache between requests (shared by the app servers when REDIS_URL is
set): each user's count of unread notifications, which the menu shows on every page, and each organisation's
values of the time limits, which every case page works its due dates out from. Both are forgotten when their
rows change; the expiry bounds how long a change no signal sees (a bulk update) could go unnoticed.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from opora.deadlines.engine import RuleValue
from opora.deadlines.models import DeadlineRule, Notification

UNREAD_CACHE_SECONDS = 60
RULES_CACHE_SECONDS = 300


def _unread_key(user_id: int) -> str:
    return f"opora:deadlines:v1:unread:{user_id}"


def _rules_key(organisation_id: int) -> str:
    return f"opora:deadlines:v1:rules:{organisation_id}"


def unread_count(user_id: int, count: Callable[[], int]) -> int:
    """The user's number of unread notifications, from the cache or ``count()``."""
    key = _unread_key(user_id)
    found = cache.get(key)
    if found is None:
        found = count()
        cache.set(key, found, UNREAD_CACHE_SECONDS)
    return int(found)


def forget_unread_counts(user_ids: Iterable[int]) -> None:
    """Drop the counts now and again when the change is committed (so that a request reading the old rows in
    between cannot keep them)."""
    keys = [_unread_key(user_id) for user_id in set(user_ids)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def remembered_rule_values(organisation_ids: Iterable[int]) -> dict[int, dict[str, RuleValue]]:
    """The organisations' values of the time limits that the cache holds (the others are missing)."""
    keys = {_rules_key(organisation_id): organisation_id for organisation_id in organisation_ids}
    return {keys[key]: values for key, values in cache.get_many(list(keys)).items()}


def remember_rule_values(values: dict[int, dict[str, RuleValue]]) -> None:
    cache.set_many({_rules_key(organisation_id): one for organisation_id, one in values.items()}, RULES_CACHE_SECONDS)


def _notification_changed(sender: Any, instance: Notification, **kwargs: Any) -> None:
    forget_unread_counts([instance.user_id])


def _rule_changed(sender: Any, instance: DeadlineRule, **kwargs: Any) -> None:
    key = _rules_key(instance.organisation_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_when_changed() -> None:
    """Forget on every save and delete (the services that write in bulk forget themselves)."""
    for signal in (post_save, post_delete):
        signal.connect(_notification_changed, sender=Notification, dispatch_uid="opora-forget-unread")
        signal.connect(_rule_changed, sender=DeadlineRule, dispatch_uid="opora-forget-rules")
