"""What every page reads and rarely changes is kept between requests (opora.deadlines.remembered): the menu's
count of unread notifications and the organisation's time limits. Kept, they cost no query; changed, they
are seen on the next page."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opora.deadlines.models import Notification
from opora.deadlines.rules import RuleCode
from opora.deadlines.services import notifications_send
from opora.organisation.models import Role
from opora.people.models import Person
from tests.casework import worker
from tests.conftest import Clock, World
from tests.test_deadlines import due, new_case, set_rule


def badge(client: Client) -> int:
    """The number beside "Notifications" in the menu (0 when none is shown)."""
    content = client.get(reverse("ui:home")).content.decode()
    found = re.search(r'notifications/">[^<]*<span class="badge">(\d+)</span>', content)
    return int(found.group(1)) if found else 0


def test_the_unread_count_is_counted_once_and_follows_every_change(world: World, child: Person, clock: Clock) -> None:
    new_case(world, child)
    clock.advance(days=21)  # the assessment is nearly due: the job will notify the worker and the head
    client = world.client_for(Role.SOCIAL_WORKER)
    assert badge(client) == 0
    with CaptureQueriesContext(connection) as queries:
        assert badge(client) == 0
    assert not [query for query in queries.captured_queries if "deadlines_notification" in query["sql"]]

    notifications_send(now=clock.now)  # written in bulk
    assert badge(client) == 2
    first = Notification.objects.filter(user=worker(world)).order_by("pk").first()
    assert first is not None
    client.post(reverse("deadlines:notification_list"), {"notification": first.pk})  # marked read in bulk
    assert badge(client) == 1
    one = Notification.objects.create(user=worker(world), text="Срок", item_key="other", day=timezone.localdate())
    assert badge(client) == 2
    one.delete()
    assert badge(client) == 1
    client.post(reverse("deadlines:notification_list"))
    assert badge(client) == 0


def test_the_time_limits_are_read_once_and_a_saved_one_counts_at_once(world: World, child: Person) -> None:
    case = new_case(world, child)
    now = timezone.now()
    before = due(case, now)[RuleCode.NEEDS_ASSESSMENT].due_at
    with CaptureQueriesContext(connection) as queries:
        assert due(case, now)[RuleCode.NEEDS_ASSESSMENT].due_at == before
    assert not [query for query in queries.captured_queries if "deadlines_deadlinerule" in query["sql"]]

    set_rule(world, RuleCode.NEEDS_ASSESSMENT, 40)
    assert due(case, now)[RuleCode.NEEDS_ASSESSMENT].due_at > before
