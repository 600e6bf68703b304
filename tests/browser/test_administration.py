"""The organisation administrator's work, end to end: a service, a staff member, the audit trail."""

from collections.abc import Callable

import pytest
from django.utils.text import capfirst
from playwright.sync_api import Locator, Page, expect

from opora.accounts.models import User
from opora.organisation.models import ActivityType, Membership, Role, Service, ServiceKind
from tests.browser.conftest import bg, reauthenticate, submit
from tests.conftest import World

REQUIRED = "This field is required."
AT_LEAST = "Ensure this value is greater than or equal to %(limit_value)s."


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name=bg("Main menu"))


def assert_error_next_to(page: Page, field_id: str, message: str) -> None:
    """The field is marked invalid, names its error for screen readers, and the error sits right above it."""
    field = page.locator(f"#{field_id}")
    error = page.locator(f"#{field_id}_error")
    expect(error).to_have_text(message)
    expect(field).to_have_attribute("aria-invalid", "true")
    assert f"{field_id}_error" in (field.get_attribute("aria-describedby") or "").split()
    error_box, field_box = error.bounding_box(), field.bounding_box()
    assert error_box is not None
    assert field_box is not None
    gap = field_box["y"] - (error_box["y"] + error_box["height"])
    assert 0 <= gap < 24, f"the error of {field_id} is {gap}px away from the field"
    assert abs(error_box["x"] - field_box["x"]) < 24


@pytest.mark.browser
def test_administrator_creates_a_service_after_a_mistake(
    page: Page, site: str, world: World, as_user: Callable[[User], None]
) -> None:
    as_user(world.users[Role.ADMINISTRATOR])
    page.goto(f"{site}/")
    menu(page).get_by_role("link", name=bg("Services"), exact=True).click()
    page.get_by_role("link", name=bg("New service")).click()
    expect(page).to_have_url(f"{site}/services/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(bg("New service"))

    # Everything but a name, and a capacity of 0.
    page.locator("#id_kind").select_option(ServiceKind.SPECIALISED.value)
    page.get_by_label(bg(ActivityType.DAY_CARE.label)).check()
    page.get_by_label(bg(ActivityType.SKILLS_TRAINING.label)).check()
    page.locator("#id_municipality").fill("Русе")
    page.locator("#id_address").fill("ул. „Александровска“ 1")
    page.locator("#id_capacity").fill("0")
    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 200

    expect(page).to_have_url(f"{site}/services/new/")
    assert_error_next_to(page, "id_name", bg(REQUIRED))
    assert_error_next_to(page, "id_capacity", bg(AT_LEAST) % {"limit_value": 1})
    expect(page.locator("#id_municipality")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("main .errorlist")).to_have_count(2)
    # What was typed is still there.
    expect(page.locator("#id_kind")).to_have_value(ServiceKind.SPECIALISED.value)
    expect(page.get_by_label(bg(ActivityType.DAY_CARE.label))).to_be_checked()
    expect(page.get_by_label(bg(ActivityType.SKILLS_TRAINING.label))).to_be_checked()
    expect(page.get_by_label(bg(ActivityType.SHELTER.label))).not_to_be_checked()
    expect(page.locator("#id_municipality")).to_have_value("Русе")
    expect(page.locator("#id_address")).to_have_value("ул. „Александровска“ 1")
    expect(page.locator("#id_capacity")).to_have_value("0")
    expect(page.locator("#id_is_active")).to_be_checked()
    assert not Service.objects.filter(address="ул. „Александровска“ 1").exists()

    page.locator("#id_name").fill("Дневен център Русе")
    page.locator("#id_capacity").fill("25")
    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 302

    service = Service.objects.get(name="Дневен център Русе")
    expect(page).to_have_url(f"{site}/services/{service.pk}/")
    expect(page.locator("main .messages")).to_have_text(bg("The service has been saved."))
    # The message is a toast she can put away once read.
    page.get_by_role("button", name=bg("Dismiss this message")).click()
    expect(page.locator("main .message")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Дневен център Русе")
    facts = page.locator("main dl.facts")
    expect(facts).to_contain_text(bg(ServiceKind.SPECIALISED.label))
    expect(facts).to_contain_text(bg(ActivityType.DAY_CARE.label))
    expect(facts).to_contain_text("25")
    assert service.organisation == world.organisation
    assert service.capacity == 25
    assert sorted(service.activity_types) == sorted([ActivityType.DAY_CARE, ActivityType.SKILLS_TRAINING])

    menu(page).get_by_role("link", name=bg("Services"), exact=True).click()
    row = page.locator("main tbody tr", has=page.get_by_role("link", name="Дневен център Русе"))
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(["Дневен център Русе", bg(ServiceKind.SPECIALISED.label), "Русе", "25"])


@pytest.mark.browser
def test_administrator_adds_a_staff_member_after_confirming_the_password(
    page: Page, site: str, world: World, as_user: Callable[[User], None]
) -> None:
    as_user(world.users[Role.ADMINISTRATOR])
    page.goto(f"{site}/staff/")
    page.get_by_role("link", name=bg("New staff member")).click()

    # Creating an account is sensitive: allauth asks for the administrator's password first.
    expect(page).to_have_url(f"{site}/accounts/reauthenticate/?next=%2Fstaff%2Fnew%2F")
    expect(page.locator("html")).to_have_attribute("lang", "bg")
    expect(page.get_by_role("heading", level=1)).to_have_text("Потвърждение на достъпа")  # allauth's Bulgarian
    assert reauthenticate(page, "not my password") == 200
    expect(page.locator("main .errorlist")).to_be_visible()
    assert reauthenticate(page) == 302

    expect(page).to_have_url(f"{site}/staff/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(bg("New staff member"))
    page.locator("#id_username").fill("mpetrova")
    page.locator("#id_first_name").fill("Мария")
    page.locator("#id_last_name").fill("Петрова")
    page.locator("#id_email").fill("mpetrova@example.org")
    page.locator("#id_job_title").fill("социален работник")
    page.locator("#id_password").fill("Slunchogled-Ruse-2026")
    page.locator("#id_memberships-0-service").select_option(label=world.own.name)
    page.locator("#id_memberships-0-role").select_option(Role.SOCIAL_WORKER.value)
    # The second row is left alone; it must not count as a role (its selects start blank).
    expect(page.locator("#id_memberships-1-service")).to_have_value("")
    expect(page.locator("#id_memberships-1-role")).to_have_value("")
    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 302

    member = User.objects.get(username="mpetrova")
    expect(page).to_have_url(f"{site}/staff/{member.pk}/")
    expect(page.locator("main .messages")).to_have_text(bg("The staff member has been saved."))
    expect(page.get_by_role("heading", level=1)).to_have_text("Мария Петрова")
    assert member.organisation == world.organisation
    assert member.check_password("Slunchogled-Ruse-2026")
    assert list(Membership.objects.filter(user=member).values_list("role", "service")) == [
        (Role.SOCIAL_WORKER.value, world.own.pk)
    ]

    menu(page).get_by_role("link", name=bg("Staff"), exact=True).click()
    row = page.locator("main tbody tr", has=page.get_by_role("link", name="Мария Петрова"))
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("mpetrova")
    expect(row.locator("td").nth(2)).to_have_text(f"{bg(Role.SOCIAL_WORKER.label)} — {world.own.name}")

    # The new colleague can log in with the password the administrator gave them.
    page.context.clear_cookies()
    page.goto(f"{site}/accounts/login/")
    page.locator("input[name=login]").fill("mpetrova")
    page.locator("input[name=password]").fill("Slunchogled-Ruse-2026")
    assert submit(page, page.locator("main form button[type=submit]")) == 302
    expect(page).to_have_url(f"{site}/")
    expect(page.locator(".cards .card")).to_contain_text(bg(Role.SOCIAL_WORKER.label))


@pytest.mark.browser
def test_a_changed_capacity_shows_in_the_audit_trail(
    page: Page, site: str, world: World, as_user: Callable[[User], None]
) -> None:
    administrator = world.users[Role.ADMINISTRATOR]
    as_user(administrator)
    page.goto(f"{site}/services/{world.own.pk}/")
    page.get_by_role("link", name=bg("Edit")).click()
    expect(page).to_have_url(f"{site}/services/{world.own.pk}/edit/")
    expect(page.locator("#id_capacity")).to_have_value("60")
    page.locator("#id_capacity").fill("75")
    assert submit(page, page.get_by_role("button", name=bg("Save"))) == 302
    expect(page).to_have_url(f"{site}/services/{world.own.pk}/")

    menu(page).get_by_role("link", name=bg("Audit trail")).click()
    expect(page).to_have_url(f"{site}/audit/changes/")
    newest = page.locator("main tbody tr").first
    cells = newest.locator("td")
    expect(cells.nth(1)).to_have_text(f"{administrator.get_full_name()} ({administrator.username})")
    expect(cells.nth(2)).to_have_text(bg("changed"))
    expect(cells.nth(3)).to_contain_text(world.own.name)
    # Only the capacity changed, from 60 to 75.
    capacity = capfirst(bg(Service._meta.get_field("capacity").verbose_name))
    expect(cells.nth(4).locator("li")).to_have_text([f"{capacity}: 60 → 75"])
