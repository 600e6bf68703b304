"""A child registered twice, found and merged, in the browser.

A social worker registers a boy who is already in the register, with his names swapped and no ЕГН; the page
shows her the existing record and why it may be him, and she registers him anyway. She adds his mother to the
new record. The head of her service then merges the new record into the old one (after confirming her
password and giving a reason), and the administrator finds the merge in the audit trail. Axe and the CSP
watch the pages of the merge.
"""

import datetime
from typing import Any

import pytest
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pytest_playwright import CreateContextCallback

from opora.accounts.models import User
from opora.organisation.models import Role
from opora.people.models import IdentityKind, Person, PersonKind, PersonMerge, RelationshipKind
from tests.browser.conftest import DESKTOP, bg, pick, reauthenticate, sign_in, submit
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_administration import assert_error_next_to
from tests.browser.test_csp import csp_errors
from tests.conftest import World, make_person

DESKTOP_CONTEXT: dict[str, Any] = {"viewport": DESKTOP}
BIRTH_DATE = datetime.date(2018, 3, 9)
SURVIVOR = "Мартин Стоянов Колев"
# The same boy, his first and last names typed the wrong way round.
DUPLICATE = "Колев Стоянов Мартин"
MOTHER = "Петя Колева"
ADDRESS = "ж.к. „Дружба“ 3, бл. 12"
# The messages with a link in them, as their templates give them to the catalogue.
MERGED_INTO = 'This record has been merged into <a href="%(survivor_url)s">%(name)s</a>.'
MERGED_FROM = 'Merged from <a href="%(merged_url)s">%(name)s</a> on %(date)s by %(who)s: %(reason)s'
REASON = "Едно и също дете: Мартин е записан втори път с разменени имена, без ЕГН."


def shown(message: str, **values: str) -> str:
    """The Bulgarian text of a message with a link, as a reader sees it (the link's address left out)."""
    return strip_tags(bg(message) % {"survivor_url": "", "merged_url": "", **values})


def open_as(new_context: CreateContextCallback, site: str, user: User, errors: list[str]) -> Page:
    """A browser of its own for ``user``, logged in, whose console errors go to ``errors``."""
    context: BrowserContext = new_context(**DESKTOP_CONTEXT)
    sign_in(context, site, user)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page


def people_link(page: Page, name: str) -> Locator:
    return page.locator("main").get_by_role("link", name=name, exact=True)


def register_the_boy_again(page: Page, site: str, survivor: Person, violations: dict[str, list[str]]) -> None:
    """The social worker registers the boy without an ЕГН; the register shows her who he may be."""
    page.goto(f"{site}/people/")
    page.get_by_role("link", name=bg("Register a person")).click()
    page.locator("#id_kind").select_option(PersonKind.CHILD)
    page.locator("#id_first_name").fill("Колев")
    page.locator("#id_middle_name").fill("Стоянов")
    page.locator("#id_last_name").fill("Мартин")
    page.locator("#id_identity_kind").select_option(IdentityKind.NONE)
    page.locator("#id_no_identifier_reason").fill("Майката не носи акта за раждане")
    page.locator("#id_birth_date").fill(BIRTH_DATE.isoformat())
    page.locator("#id_sex").select_option("male")
    page.locator("#id_address").fill(ADDRESS)
    assert submit(page, page.get_by_role("button", name=bg("Register"))) == 200

    # Nothing is registered yet: the page names the boy already registered, and why it may be him.
    warning = page.get_by_role("alert").filter(has_text=bg("This person may already be registered"))
    expect(warning).to_be_visible()
    match = warning.get_by_role("listitem").filter(has=page.get_by_role("link", name=SURVIVOR, exact=True))
    expect(match).to_have_count(1)
    expect(match).to_contain_text(BIRTH_DATE.strftime("%d.%m.%Y"))
    for reason in ("similar name", "names swapped", "same birth date"):
        expect(match).to_contain_text(bg(reason))
    assert match.get_by_role("link").get_attribute("href") == f"/people/{survivor.pk}/"
    # What she typed is kept.
    expect(page.locator("#id_first_name")).to_have_value("Колев")
    expect(page.locator("#id_last_name")).to_have_value("Мартин")
    expect(page.locator("#id_birth_date")).to_have_value(BIRTH_DATE.isoformat())
    expect(page.locator("#id_address")).to_have_value(ADDRESS)
    assert Person.objects.count() == 2  # the boy and his mother
    violations["registration with a likely duplicate"] = blocking_violations(page)

    # She is not sure it is him, and registers him anyway.
    page.get_by_label(bg("This is a different person")).check()
    assert submit(page, page.get_by_role("button", name=bg("Register"))) == 302
    expect(page.get_by_role("heading", level=1)).to_have_text(DUPLICATE)
    expect(page.locator("main .messages")).to_have_text(bg("The person has been registered."))


def add_his_mother(page: Page, mother: Person) -> None:
    """On the new record, the social worker records the boy's mother."""
    page.get_by_role("link", name=bg("Add a relation")).click()
    pick(page, "id_other", "Колева", str(mother))
    page.locator("#id_kind").select_option(RelationshipKind.MOTHER)
    assert submit(page, page.get_by_role("button", name=bg("Add"))) == 302
    expect(page.get_by_role("heading", level=1)).to_have_text(DUPLICATE)
    relations = page.get_by_role("region", name=bg("Relations"))
    expect(relations.get_by_role("row").filter(has_text=MOTHER)).to_contain_text(bg(RelationshipKind.MOTHER.label))


def choose_the_duplicate(page: Page, site: str, violations: dict[str, list[str]]) -> None:
    """The head finds both records, opens the one to keep and, after her password, picks the duplicate."""
    page.goto(f"{site}/people/")
    page.get_by_label(bg("Name or identifier")).fill("Мартин Колев")
    page.get_by_role("button", name=bg("Find")).click()
    expect(people_link(page, SURVIVOR)).to_be_visible()
    expect(people_link(page, DUPLICATE)).to_be_visible()

    people_link(page, SURVIVOR).click()
    page.get_by_role("link", name=bg("Merge a duplicate into this record")).click()
    # Merging is sensitive: allauth asks for her password first, then takes her on.
    assert reauthenticate(page) == 302
    expect(page.get_by_role("heading", level=1)).to_have_text(
        bg("Merge a duplicate into %(name)s") % {"name": SURVIVOR}
    )
    expect(page.get_by_role("heading", level=2)).to_have_text(bg("Possible duplicates"))
    candidate = page.locator("main li").filter(has=page.get_by_role("link", name=DUPLICATE, exact=True))
    expect(candidate).to_contain_text(bg("names swapped"))
    violations["choosing the duplicate"] = blocking_violations(page)
    candidate.get_by_role("link").click()


def confirm_the_merge(page: Page, violations: dict[str, list[str]]) -> None:
    """The two records side by side; without a reason the merge is refused, with one it is done."""
    expect(page.get_by_role("heading", level=1)).to_have_text(bg("Merge two records of one person"))
    table = page.get_by_role("region", name=bg("The two records"))
    expect(table.get_by_role("columnheader")).to_have_text([bg("Detail"), bg("The record kept"), bg("The duplicate")])
    names = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=bg("Name"), exact=True))
    expect(names.get_by_role("cell")).to_have_text([SURVIVOR, DUPLICATE])

    assert submit(page, page.get_by_role("button", name=bg("Merge the records"))) == 200
    assert_error_next_to(page, "id_reason", bg("This field is required."))
    # Still the same two records, nothing merged.
    expect(names.get_by_role("cell")).to_have_text([SURVIVOR, DUPLICATE])
    assert not PersonMerge.objects.exists()
    violations["merge refused without a reason"] = blocking_violations(page)

    page.get_by_label(bg("Why are the two records the same person?")).fill(REASON)
    assert submit(page, page.get_by_role("button", name=bg("Merge the records"))) == 302


def check_the_survivor(page: Page, head: User) -> None:
    """The kept record has the duplicate's mother and address, and says what was merged into it and why."""
    expect(page.get_by_role("heading", level=1)).to_have_text(SURVIVOR)
    expect(page.locator("main .messages")).to_have_text(bg("The two records have been merged."))
    expect(page.locator("main .facts")).to_contain_text(ADDRESS)  # filled from the duplicate
    relations = page.get_by_role("region", name=bg("Relations"))
    expect(relations.get_by_role("row").filter(has_text=MOTHER)).to_contain_text(bg(RelationshipKind.MOTHER.label))
    expect(page.get_by_role("heading", level=2, name=bg("Merged records"))).to_be_visible()
    merged = page.locator("main li").filter(has_text=REASON)
    expect(merged).to_have_text(
        shown(
            MERGED_FROM,
            name=DUPLICATE,
            date=timezone.localdate().strftime("%d.%m.%Y"),
            who=head.get_full_name(),
            reason=REASON,
        )
    )
    expect(merged.get_by_role("link", name=DUPLICATE, exact=True)).to_be_visible()

    page.get_by_role("link", name=bg("Family page")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(bg("Family of %(name)s") % {"name": SURVIVOR})
    members = page.get_by_role("region", name=bg("Members and their relations"))
    his_row = members.get_by_role("row").filter(has=page.get_by_role("link", name=SURVIVOR, exact=True))
    expect(his_row).to_contain_text(bg("%(label)s: %(other)s") % {"label": bg("Mother"), "other": MOTHER})
    page.get_by_role("link", name=bg("Back to the person")).click()


def check_the_duplicate(page: Page, violations: dict[str, list[str]]) -> None:
    """The duplicate's page says where it went, and offers nothing to change."""
    page.locator("main li").filter(has_text=REASON).get_by_role("link", name=DUPLICATE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DUPLICATE)
    status = page.locator("main").get_by_role("status").filter(has_text=SURVIVOR)
    expect(status).to_have_text(shown(MERGED_INTO, name=SURVIVOR))
    expect(status.get_by_role("link", name=SURVIVOR, exact=True)).to_be_visible()
    relations = page.get_by_role("region", name=bg("Relations"))
    expect(relations).to_contain_text(bg("No relations recorded."))  # his mother moved with the rest
    main = page.locator("main")
    for action in ("Edit", "Add a relation", "Add to a household", "Merge a duplicate into this record"):
        expect(main.get_by_role("link", name=bg(action), exact=True)).to_have_count(0)
    violations["merged record"] = blocking_violations(page)


def check_the_register(page: Page, site: str) -> None:
    """Neither the list nor the search shows the duplicate any more."""
    page.goto(f"{site}/people/")
    expect(people_link(page, SURVIVOR)).to_be_visible()
    expect(people_link(page, DUPLICATE)).to_have_count(0)
    page.get_by_label(bg("Name or identifier")).fill("Мартин Колев")
    page.get_by_role("button", name=bg("Find")).click()
    expect(people_link(page, SURVIVOR)).to_be_visible()
    expect(people_link(page, DUPLICATE)).to_have_count(0)


def check_the_audit_trail(page: Page, site: str, head: User) -> None:
    """The administrator reads who merged which record into which, and why."""
    page.goto(f"{site}/audit/changes/")
    rows = page.get_by_role("region", name=bg("Changes")).get_by_role("row")
    merge = rows.filter(has_text=REASON)
    expect(merge).to_have_count(1)
    expect(merge).to_contain_text(head.get_full_name())
    expect(merge).to_contain_text(bg("created"))
    expect(merge).to_contain_text(
        bg("%(merged)s merged into %(survivor)s") % {"merged": DUPLICATE, "survivor": SURVIVOR}
    )
    # The duplicate's own record, marked as merged, by the head.
    marked = (
        rows.filter(has=page.get_by_role("cell", name=bg("changed"), exact=True))
        .filter(has_text=DUPLICATE)
        .filter(has=page.locator(".field-name", has_text=capfirst(bg("merged into"))))
    )
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text(head.get_full_name())


@pytest.mark.browser
def test_a_child_registered_twice_is_found_and_merged_by_the_head(
    new_context: CreateContextCallback, site: str, world: World
) -> None:
    survivor = make_person(world.own, "Мартин", "Колев", middle_name="Стоянов", birth_date=BIRTH_DATE)
    mother = make_person(
        world.own, "Петя", "Колева", kind=PersonKind.PARENT, sex="female", birth_date=datetime.date(1990, 1, 2)
    )
    head = world.users[Role.HEAD]
    errors: list[str] = []
    violations: dict[str, list[str]] = {}

    worker = open_as(new_context, site, world.users[Role.SOCIAL_WORKER], errors)
    register_the_boy_again(worker, site, survivor, violations)
    add_his_mother(worker, mother)

    head_page = open_as(new_context, site, head, errors)
    choose_the_duplicate(head_page, site, violations)
    confirm_the_merge(head_page, violations)
    check_the_survivor(head_page, head)
    check_the_duplicate(head_page, violations)
    check_the_register(head_page, site)

    check_the_audit_trail(open_as(new_context, site, world.users[Role.ADMINISTRATOR], errors), site, head)
    assert csp_errors(errors) == []
    assert not {name: found for name, found in violations.items() if found}, violations
