"""The module import graph of ``opora/``: no import cycle between modules, and ``opora.core`` importing no
Opora app.

The graph is read from the source (an AST walk of every ``.py``), not by importing it. What counts:

- **Every import counts for cycles, function-level ones too.** An import moved into a function to dodge a
  cycle still ties the two modules together both ways (``core.access`` imported ``audit.log`` inside
  ``get_for_user_or_404`` while ``audit.log`` imported ``core.access``); a cycle is broken by a registry or a
  hook instead (``opora.access.registry.on_denied``). Django's ``AppConfig.ready()`` imports are counted as
  well: nothing imports an ``apps.py``, so they start edges and never close a cycle.
- Imports under ``if TYPE_CHECKING:`` never run and do not count for cycles; they count for ``core``.
- ``from package import name`` is an edge to ``package.name`` when that is a module, else to ``package``;
  importing ``a.b.c`` is not counted as importing the packages ``a`` and ``a.b``.
- Modules only: apps still depend on each other both ways in places (``organisation`` registers its menu
  entries with ``ui``, whose start-page permission names ``organisation``'s roles), which is allowed as long as
  no two modules import each other, directly or round a circle.
- ``opora.cases`` imports nothing of ``opora.deadlines``, and ``opora.deadlines`` nothing of ``opora.cases``: the
  two meet through the contract ``opora.core.due_facts`` (the facts of cases and tasks, read through the provider
  cases registers; the signal of a recorded referral; what the time limits show on a case's page).
- Inside ``opora.cases``, its three packages depend in one direction: ``intake`` and ``planning`` are built on
  ``casework``; ``casework`` reaches neither of them, not even round another module (``opora.cases.models``
  imports all three for Django); ``intake`` and ``planning`` do not reach each other. What case work needs of
  planning is registered with ``opora.cases.casework.hooks`` (``CasesConfig.ready()``).
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "opora"

# Import cycles known and being removed: each entry is one edge (importer, imported) left out of the cycle
# check. An entry that no longer closes a cycle fails the test, so the list only shrinks.
ALLOWED_CYCLE_EDGES: set[tuple[str, str]] = set()


@dataclass
class Imports:
    """The Opora modules one module imports: those that count for cycles (all but TYPE_CHECKING), and every one."""

    counted: set[str] = field(default_factory=set)
    every: set[str] = field(default_factory=set)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(nodes: list[ast.stmt], *, counted: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement under ``nodes``, with whether it counts for cycles (it is not TYPE_CHECKING's)."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, counted
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _walk(node.body, counted=False)
            yield from _walk(node.orelse, counted=counted)
        else:
            # Functions, classes, try, with, for, a plain if: whatever the statement, its inner statements.
            for name in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, name, None)
                if isinstance(children, list):
                    yield from _walk([child for child in children if isinstance(child, ast.stmt)], counted=counted)
                    for handler in children:
                        if isinstance(handler, ast.ExceptHandler):
                            yield from _walk(handler.body, counted=counted)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}


def import_graph() -> dict[str, Imports]:
    modules = all_modules()
    graph: dict[str, Imports] = {}
    for name, path in modules.items():
        imports = graph.setdefault(name, Imports())
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, counted in _walk(tree.body, counted=True):
            for target in _targets(node, name, path.name == "__init__.py", set(modules)):
                if target in modules and target != name:
                    imports.every.add(target)
                    if counted:
                        imports.counted.add(target)
    return graph


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def runtime_edges(graph: dict[str, Imports], allowed: set[tuple[str, str]]) -> dict[str, set[str]]:
    return {module: {t for t in imports.counted if (module, t) not in allowed} for module, imports in graph.items()}


def test_the_cycle_finder_finds_a_cycle_and_only_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_function_level_imports_count_and_type_checking_ones_do_not() -> None:
    source = """
from typing import TYPE_CHECKING
import opora.a
if TYPE_CHECKING:
    from opora.b import B
else:
    import opora.c
def later():
    from opora.d import d
class K:
    try:
        import opora.e
    except ImportError:
        import opora.f
"""
    found = {
        (getattr(node, "module", None) or node.names[0].name, counted)
        for node, counted in _walk(ast.parse(source).body, counted=True)
    }
    assert found == {
        ("typing", True),
        ("opora.a", True),
        ("opora.b", False),
        ("opora.c", True),
        ("opora.d", True),
        ("opora.e", True),
        ("opora.f", True),
    }


def test_no_import_cycle_between_modules() -> None:
    found = cycles(runtime_edges(import_graph(), ALLOWED_CYCLE_EDGES))
    assert found == [], f"import cycles: {found}"


def test_every_allowed_cycle_edge_still_closes_a_cycle() -> None:
    graph = import_graph()
    for edge in ALLOWED_CYCLE_EDGES:
        assert edge[1] in graph[edge[0]].counted, f"{edge} is no longer imported: remove it from the list"
        with_it = cycles(runtime_edges(graph, ALLOWED_CYCLE_EDGES - {edge}))
        assert with_it, f"{edge} no longer closes a cycle: remove it from the list"


def opora_apps() -> set[str]:
    return {app for app in settings.INSTALLED_APPS if app.startswith("opora.")}


def test_core_imports_no_opora_app() -> None:
    others = opora_apps() - {"opora.core"}
    assert others, "the list of Opora apps comes from INSTALLED_APPS"
    offending = {
        (module, target)
        for module, imports in import_graph().items()
        if module == "opora.core" or module.startswith("opora.core.")
        for target in imports.every
        if any(target == app or target.startswith(f"{app}.") for app in others)
    }
    assert offending == set()


def _imports_of_app(graph: dict[str, Imports], importer: str, imported: str) -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, imports in graph.items()
        if module == importer or module.startswith(f"{importer}.")
        for target in imports.every
        if target == imported or target.startswith(f"{imported}.")
    }


def test_cases_imports_nothing_of_deadlines() -> None:
    graph = import_graph()
    assert _imports_of_app(graph, "opora.cases", "opora.core"), "the check reads the imports of both apps"
    assert _imports_of_app(graph, "opora.cases", "opora.deadlines") == set()


def test_deadlines_imports_nothing_of_cases() -> None:
    """The time limits read the facts of cases and tasks through the provider cases registers
    (``opora.core.due_facts``), never cases' models, states or registries."""
    graph = import_graph()
    assert _imports_of_app(graph, "opora.deadlines", "opora.core"), "the check reads the imports of the app"
    assert _imports_of_app(graph, "opora.deadlines", "opora.cases") == set()


def test_both_meet_only_through_the_contract() -> None:
    graph = import_graph()
    assert ("opora.cases.due_facts", "opora.core.due_facts") in _imports_of_app(graph, "opora.cases", "opora.core")
    assert ("opora.deadlines.stored", "opora.core.due_facts") in _imports_of_app(graph, "opora.deadlines", "opora.core")


def test_cases_templates_include_nothing_of_deadlines() -> None:
    """A template include is an import too: the case page gets the deadlines' panel as a registered section."""
    templates = sorted((SOURCE / "cases").rglob("*.html"))
    assert templates
    assert [path.name for path in templates if "deadlines/" in path.read_text(encoding="utf-8")] == []


CASES_PACKAGES = ("intake", "casework", "planning")
# (package, package it must not reach): casework is the base of the other two, which are side by side.
CASES_FORBIDDEN = {
    ("casework", "intake"),
    ("casework", "planning"),
    ("intake", "planning"),
    ("planning", "intake"),
}


def _reached(graph: dict[str, Imports], package: str) -> set[str]:
    """Every module the modules of ``package`` import, directly or round other modules (any import counts)."""
    seen: set[str] = set()
    todo = [module for module in graph if module == package or module.startswith(f"{package}.")]
    while todo:
        module = todo.pop()
        for target in graph.get(module, Imports()).every:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def test_the_cases_packages_exist_and_the_old_modules_are_gone() -> None:
    modules = all_modules()
    for package in CASES_PACKAGES:
        assert f"opora.cases.{package}.models" in modules
        assert f"opora.cases.{package}.services" in modules
    # No module at the old paths re-exports the packages' code.
    assert {f"opora.cases.{name}" for name in ("services", "selectors", "forms", "views")} & set(modules) == set()


def test_intake_and_planning_build_on_casework() -> None:
    graph = import_graph()
    for package in ("intake", "planning"):
        assert _imports_of_app(graph, f"opora.cases.{package}", "opora.cases.casework"), "the check reads the imports"


def test_the_cases_packages_import_each_other_only_downwards() -> None:
    graph = import_graph()
    direct = {
        (package, other): _imports_of_app(graph, f"opora.cases.{package}", f"opora.cases.{other}")
        for package, other in CASES_FORBIDDEN
    }
    assert {pair: found for pair, found in direct.items() if found} == {}


def test_the_cases_packages_do_not_reach_each_other_round_other_modules() -> None:
    graph = import_graph()
    reached = {
        (package, other): sorted(
            module
            for module in _reached(graph, f"opora.cases.{package}")
            if _in_package(module, f"opora.cases.{other}")
        )
        for package, other in CASES_FORBIDDEN
    }
    assert {pair: found for pair, found in reached.items() if found} == {}


def test_the_reach_check_follows_chains() -> None:
    graph = {
        "opora.cases.casework.views": Imports(every={"opora.cases.models"}),
        "opora.cases.models": Imports(every={"opora.cases.planning.models"}),
        "opora.cases.planning.models": Imports(),
    }
    assert "opora.cases.planning.models" in _reached(graph, "opora.cases.casework")
