"""The shell the apps register into: the menu and the start page show, for each role, what they showed
when the base template and the home view listed every app by hand."""

import re

import pytest
from django.urls import reverse

from opora.access import Perm
from opora.organisation.models import Role
from tests.conftest import World

# The menu as it was: Home; People; Referrals; Cases, My tasks and Overdue; Services; Programmes; Staff;
# Organisation and Time limits; Audit trail; Notifications; My security — each when the role had its permission.
CASE_WORK_MENU = [
    "ui:home",
    "people:person_list",
    "cases:referral_list",
    "cases:case_list",
    "deadlines:my_tasks",
    "deadlines:overdue",
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
        "people:person_list",
        "organisation:service_list",
        "organisation:programme_list",
    ],
    Role.VOLUNTEER: ["ui:home"],
    Role.MONITORING: ["ui:home", "organisation:service_list", "organisation:programme_list"],
}
EVERYONE = ["deadlines:notification_list", "mfa_index"]


def menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_has_the_menu_it_had(world: World, role: str) -> None:
    response = world.client_for(role).get(reverse("deadlines:notification_list"))
    assert response.status_code == 200
    assert menu_links(response.content.decode()) == [reverse(name) for name in [*MENUS[role], *EVERYONE]]


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
