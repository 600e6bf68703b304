"""The contract between cases and the time limits (opora.core.due_facts): whichever app is ready first, the
provider is connected to every listener and every case-page part reaches the page, once."""

from typing import Any

import pytest

from opora.core import due_facts
from opora.core.due_facts import CasePagePart, Changed


@pytest.fixture
def empty_registries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("_provider", "_listeners", "_parts", "_part_listeners"):
        monkeypatch.setattr(due_facts, name, [])


class FakeProvider:
    def __init__(self) -> None:
        self.connected: list[Any] = []

    def connect(self, on_changed: Any) -> None:
        self.connected.append(on_changed)


def told(changed: Changed) -> None:
    pass


def also_told(changed: Changed) -> None:
    pass


def test_the_provider_is_connected_to_listeners_before_and_after_it_registers(empty_registries: None) -> None:
    due_facts.on_due_facts_changed(told)
    provider = FakeProvider()
    due_facts.register_due_facts_provider(provider)  # type: ignore[arg-type]
    due_facts.on_due_facts_changed(also_told)
    due_facts.on_due_facts_changed(told)  # a second time changes nothing

    assert provider.connected == [told, also_told]
    assert due_facts.due_facts_provider() is provider


def test_without_a_provider_the_time_limits_are_told_so(empty_registries: None) -> None:
    with pytest.raises(LookupError):
        due_facts.due_facts_provider()


def test_a_case_page_part_reaches_the_page_whichever_is_ready_first(empty_registries: None) -> None:
    def part(name: str) -> CasePagePart:
        return CasePagePart(name, f"{name}.html", 1, lambda request, case: {}, lambda case: None)

    shown: list[str] = []
    due_facts.show_on_case_page(part("before"))
    due_facts.on_case_page_part(lambda one: shown.append(one.name))
    due_facts.show_on_case_page(part("after"))

    assert shown == ["before", "after"]


def test_the_registered_provider_is_cases_and_the_time_limits_listen() -> None:
    from opora.cases.due_facts import CasesDueFacts
    from opora.cases.sections import SECTIONS
    from opora.deadlines import stored

    assert isinstance(due_facts.due_facts_provider(), CasesDueFacts)
    assert stored.facts_changed in due_facts._listeners
    assert SECTIONS["deadlines"].template == "deadlines/_case_deadlines.html"
