"""Writes of the deadline app: the administrator's values of the time limits, notifications read, and the
daily job that writes notifications and hands their e-mail to the task worker."""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from opora.access import Perm, has_permission
from opora.accounts.models import User
from opora.audit.context import acting_as
from opora.core.conflicts import StaleEdit
from opora.deadlines.engine import DueItem, local_day
from opora.deadlines.models import DeadlineRule, Notification, rules_version
from opora.deadlines.remembered import forget_unread_counts
from opora.deadlines.rules import SETTABLE
from opora.deadlines.selectors import due_by, heads_of, item_link, reachable_keys, unread_notifications
from opora.deadlines.tasks import rebuild_due_items, send_deadline_email
from opora.organisation.models import Organisation

# How far ahead the job warns of a limit, unless told otherwise.
DEFAULT_LEAD = datetime.timedelta(days=3)


@dataclass(frozen=True)
class RuleSetting:
    """What the administrator chose for one time limit."""

    amount: int
    counts_from: str
    is_active: bool


@transaction.atomic
def deadline_rules_set(
    *,
    organisation: Organisation,
    settings_by_code: Mapping[str, RuleSetting],
    by: User,
    version: str | None = None,
) -> None:
    """Save the organisation's values of the time limits that may be changed (a limit set by law may not).
    ``version`` is the one the settings page was read at (None when no page was read): refused
    (``StaleEdit``) when someone saved the limits since, checked under the lock so that of two saves at once
    the second sees the first. Each change is in the audit trail under ``by``. Every open case's stored due
    items count by the limits: the task worker works them out again once this is committed
    (``rebuild_due_items``); a case's page works its own out at once."""
    if not has_permission(by, Perm.ORGANISATION_MANAGE) or by.organisation_id != organisation.pk:
        raise PermissionDenied
    # The organisation's row is the lock: a limit not saved yet has no row of its own to lock.
    Organisation.objects.select_for_update().only("pk").get(pk=organisation.pk)
    rules = list(DeadlineRule.objects.select_for_update().filter(organisation=organisation))
    if version is not None and rules_version(rules) != version:
        raise StaleEdit(
            _(
                "Someone else saved the time limits after you opened the page. Nothing you typed was saved, and "
                "nothing of theirs was overwritten: your values are kept below, the saved ones are on the page "
                "when you open it again. Save again to replace them with yours."
            ),
            rules,
        )
    existing = {rule.code: rule for rule in rules}
    changed = False
    with acting_as(by):
        for code, chosen in settings_by_code.items():
            if code not in SETTABLE:
                raise PermissionDenied
            rule = existing.get(code) or DeadlineRule(organisation=organisation, code=code)
            if rule.pk is not None and (rule.amount, rule.counts_from, rule.is_active) == (
                chosen.amount,
                chosen.counts_from,
                chosen.is_active,
            ):
                continue
            rule.amount, rule.counts_from, rule.is_active = chosen.amount, chosen.counts_from, chosen.is_active
            rule.edit_version = rule.edit_version + 1 if rule.pk is not None else 1
            rule.full_clean()
            rule.save()
            changed = True
    if changed:  # every open case's due dates count by the limits: the worker works the stored ones out again
        transaction.on_commit(partial(rebuild_due_items.enqueue, organisation.pk))


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when ``ids`` is None); how many were marked."""
    unread = unread_notifications(user)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    # Not audited: reading a message changes nothing about anyone's case.
    marked = unread.update(read_at=timezone.now())
    forget_unread_counts([user.pk])  # no signal tells of an update
    return marked


# --- The daily job ---------------------------------------------------------------------------------------


def _recipients(item: DueItem, heads: Mapping[int, list[int]]) -> set[int]:
    """Who is told: whose the item is; once it is overdue, the heads of its services too, who answer for
    the deadlines of the service."""
    people = set(item.responsible_ids)
    if item.overdue:
        people.update(head for service_id in item.service_ids for head in heads.get(service_id, ()))
    return people


def notification_text(item: DueItem) -> str:
    """The text of a notification, in the organisation's language. Never a name: it goes by e-mail too."""
    with translation.override(settings.LANGUAGE_CODE):
        moment = timezone.localtime(item.due_at, timezone.get_default_timezone())
        when = formats.date_format(moment, "SHORT_DATE_FORMAT" if item.whole_day else "SHORT_DATETIME_FORMAT")
        if item.case_id is not None:
            record = _("Case %(number)s") % {"number": item.case_id}
        else:
            record = _("Referral %(number)s") % {"number": item.referral_id}
        values = {"what": item.title, "record": record, "date": when}
        if item.overdue:
            return _("%(record)s: %(what)s — overdue since %(date)s.") % values
        return _("%(record)s: %(what)s — due on %(date)s.") % values


@transaction.atomic
def notifications_send(*, now: datetime.datetime, lead: datetime.timedelta = DEFAULT_LEAD, base_url: str = "") -> int:
    """Notify the people responsible for every item due within ``lead`` or overdue: once per item and person
    when it comes due and once when it is overdue, however often and however many days it runs, and only
    people who may still see the item. One e-mail per person is enqueued after the commit. How many
    notifications were written."""
    today = local_day(now)
    due = due_by(now + lead, now)
    heads = heads_of({service_id for item in due if item.overdue for service_id in item.service_ids})
    wanted = {(user_id, item.key): item for item in due for user_id in _recipients(item, heads)}
    allowed = _still_allowed(wanted)
    already = set(
        Notification.objects.filter(item_key__in={key for _user_id, key in wanted}).values_list(
            "user_id", "item_key", "is_overdue"
        )
    )
    new = [
        Notification(
            user_id=user_id,
            item_key=key,
            day=today,
            is_overdue=item.overdue,
            text=notification_text(item),
            link=item_link(item),
        )
        for (user_id, key), item in sorted(wanted.items(), key=lambda pair: (pair[1].due_at, pair[0]))
        if (user_id, key) in allowed and (user_id, key, item.overdue) not in already
    ]
    # The unique constraint keeps a second job running at the same moment from writing the same notification.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    forget_unread_counts(notification.user_id for notification in new)  # nor of a bulk create
    _queue_emails(today, now, base_url)
    return len(new)


def _still_allowed(wanted: Mapping[tuple[int, str], DueItem]) -> set[tuple[int, str]]:
    """The (person, item) pairs where the person is active and may still see the item through their current
    roles: being named a case's manager once is not enough after leaving the service."""
    keys_by_user: dict[int, set[str]] = defaultdict(set)
    for user_id, key in wanted:
        keys_by_user[user_id].add(key)
    allowed: set[tuple[int, str]] = set()
    for user in User.objects.filter(pk__in=list(keys_by_user), is_active=True):
        allowed.update((user.pk, key) for key in reachable_keys(user, keys_by_user[user.pk]))
    return allowed


def _queue_emails(today: datetime.date, now: datetime.datetime, base_url: str) -> None:
    """One e-mail per person for today's notifications not yet handed to the worker."""
    unqueued = Notification.objects.select_for_update().filter(day=today, email_queued_at__isnull=True)
    waiting: dict[int, list[int]] = defaultdict(list)
    for pk, user_id in unqueued.order_by("pk").values_list("pk", "user_id"):
        waiting[user_id].append(pk)
    unqueued.update(email_queued_at=now)
    for user_id, ids in waiting.items():
        transaction.on_commit(partial(send_deadline_email.enqueue, user_id, ids, base_url))
