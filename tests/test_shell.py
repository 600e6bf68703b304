"""The shell the apps register into: the menu and the start page show, for each role, what they showed
when the base template and the home view listed every app by hand."""

import re

import pytest
from django.urls import reverse

from opora.access import Perm
from opora.organisation.models import Role
from tests.conftest import World

# Each role's menu, in its groups: my work (Home, Calendar, My tasks, Overdue, Notifications, My security), people,
# intake (Referrals), cases, and the organisation (Services, Programmes, Staff, Organisation, Time limits,
# Audit trail) — each entry when the role has its permission, as when the base template listed them by hand.
MY_WORK = ["ui:home", "contacts:calendar", "deadlines:my_tasks", "deadlines:overdue"]
EVERYONE = ["deadlines:notification_list", "mfa_index"]
CASE_WORK_MENU = [
    *MY_WORK,
    *EVERYONE,
    "people:person_list",
    "cases:referral_list",
    "cases:case_list",
    "organisation:service_list",
    "organisation:programme_list",
]
MENUS: dict[str, list[str]] = {
    Role.ADMINISTRATOR: [
        *CASE_WORK_MENU,
        "organisation:staff_list",
        "organisation:organisation_edit",
        "deadlines:deadline_rules",
        "audit:audit_changes",
    ],
    Role.HEAD: [*CASE_WORK_MENU, "organisation:staff_list"],
    Role.SOCIAL_WORKER: CASE_WORK_MENU,
    Role.PSYCHOLOGIST: CASE_WORK_MENU,
    Role.PEDAGOGUE: CASE_WORK_MENU,
    Role.FOSTER_CARE: CASE_WORK_MENU,
    Role.VOLUNTEER_COORDINATOR: [
        "ui:home",
        *EVERYONE,
        "people:person_list",
        "organisation:service_list",
        "organisation:programme_list",
    ],
    Role.VOLUNTEER: ["ui:home", *EVERYONE],
    Role.MONITORING: ["ui:home", *EVERYONE, "organisation:service_list", "organisation:programme_list"],
}
# The groups' titles, in order, for a role that sees every group.
GROUP_TITLES = ["Моята работа", "Лица", "Прием", "Случаи", "Организация"]


def menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_has_the_menu_it_had_in_its_groups(world: World, role: str) -> None:
    response = world.client_for(role).get(reverse("deadlines:notification_list"))
    assert response.status_code == 200
    assert menu_links(response.content.decode()) == [reverse(name) for name in MENUS[role]]


def test_the_menu_shows_only_the_groups_the_user_has_entries_in(world: World) -> None:
    worker = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:home")).content.decode()
    assert re.findall(r'<p class="nav-group-title"[^>]*>([^<]+)</p>', worker) == GROUP_TITLES
    volunteer = world.client_for(Role.VOLUNTEER).get(reverse("ui:home")).content.decode()
    assert re.findall(r'<p class="nav-group-title"[^>]*>([^<]+)</p>', volunteer) == ["Моята работа"]


def test_the_menu_marks_the_section_of_the_page_shown(world: World) -> None:
    page = world.client_for(Role.SOCIAL_WORKER).get(reverse("deadlines:overdue")).content.decode()
    current = re.findall(r'<a aria-current="page" href="([^"]+)"', page)
    assert current == [reverse("deadlines:overdue")]


def test_the_header_names_the_user_with_her_role_and_service(world: World) -> None:
    page = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:home")).content.decode()
    role = re.search(r'<span class="who-role">([^<]+)</span>', page)
    assert role is not None
    assert role.group(1) == f"Социален работник · {world.own.name}"


def test_the_start_page_shows_the_roles_panel_and_no_tasks_panel_without_tasks(world: World) -> None:
    page = world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:home")).content.decode()
    assert "Моите роли" in page
    assert reverse("organisation:service_detail", args=[world.own.pk]) in page
    assert "Неизпълнени задачи" not in page


def test_every_perm_the_code_names_is_declared_by_an_app() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    named = {
        node.attr
        for folder in ("opora", "tests", "benchmarks")
        for path in (root / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Perm"
    }
    assert named
    assert named - set(vars(Perm)) == set()
