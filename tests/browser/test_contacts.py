"""Contacts in the browser (issue 10, scenario 3's first lines), on a desk and on a phone: the social worker
books a consultation for Диана from her case, is refused a second booking of the psychologist at the same time
with the other contact named next to the field (nothing typed lost), sees it in her week, and records the
first one as held; it shows on the case's timeline. With axe watching every page."""

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_playwright import CreateContextCallback

from opora.contacts.models import Contact, ContactStatus
from opora.organisation.models import Role
from tests.browser.conftest import DESKTOP, PHONE_CONTEXT, bg, overflow, sign_in
from tests.casework import accept, make_referral
from tests.conftest import World, make_person

VIEWPORTS: dict[str, dict[str, Any]] = {"desk": {"viewport": DESKTOP}, "phone": PHONE_CONTEXT}


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_worker_books_a_consultation_is_refused_a_double_booking_and_records_it(
    new_context: CreateContextCallback, site: str, world: World, viewport: str
) -> None:
    head, worker, psychologist = (world.users[role] for role in (Role.HEAD, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST))
    diana = make_person(world.own, "Диана", "Колева", sex="female")
    case = accept(make_referral(world.own, [diana], head), head, worker)
    context = new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(context, site, worker)
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")

    def book(starts: str, ends: str) -> None:
        page.goto(f"{site}/cases/{case.pk}/")
        page.get_by_role("link", name=bg("Book a contact")).first.click()
        page.locator("#id_kind").select_option("psychological")
        page.locator("#id_day").fill(tomorrow)
        page.locator("#id_starts").fill(starts)
        page.locator("#id_ends").fill(ends)
        page.get_by_label(str(psychologist)).check()
        page.get_by_label(str(worker)).uncheck()
        page.locator("#id_room").fill("Кабинет 2")
        page.get_by_role("button", name=bg("Book"), exact=True).click()

    book("15:00", "16:00")
    expect(page.locator("main [role=status]")).to_contain_text(bg("The contact has been booked."))
    expect(page.locator("main table")).to_contain_text("Диана Колева")
    assert overflow(page) <= 0

    book("15:30", "16:30")
    expect(page.locator("#id_staff_error")).to_contain_text(str(psychologist))
    expect(page.locator("#id_staff_error")).to_contain_text("15:00–16:00")
    expect(page.locator("#id_starts")).to_have_value("15:30")
    assert Contact.objects.count() == 1

    page.goto(f"{site}/calendar/?worker={psychologist.pk}&week={tomorrow}")
    expect(page.locator("main .week-contact")).to_contain_text(bg("Psychological session"))
    assert overflow(page) <= 0

    # The session took place (moved to this morning, as if a day had passed).
    now = datetime.datetime.now(datetime.UTC)
    Contact.objects.update(starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1))
    page.goto(f"{site}/cases/{case.pk}/contacts/")
    page.get_by_role("link", name=bg("Record how it went")).click()
    expect(page.locator("#id_minutes")).to_be_hidden()
    page.get_by_label(bg("Held"), exact=True).check()
    page.locator("#id_minutes").fill("55")
    page.get_by_role("button", name=bg("Save")).click()
    expect(page.locator("main [role=status]")).to_contain_text(bg("The contact has been recorded."))
    assert Contact.objects.get().status == ContactStatus.HELD

    page.goto(f"{site}/cases/{case.pk}/?tab=timeline")
    held = page.locator("main .timeline-events > li.timeline-contact")
    expect(held).to_have_count(1)
    expect(held).to_contain_text(bg("Psychological session"))
    expect(held).to_contain_text(bg("%(minutes)s min") % {"minutes": 55})
