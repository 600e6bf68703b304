"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The live server answers from another thread, so every test runs on a transactional database (the
``site`` fixture asks for it) and starts from the shared ``world`` of tests/conftest.py. Run them with
``pytest tests/browser``; every test is marked ``browser``.

Every page a browser test opens is checked with axe-core (``axe_audit``): a test whose pages have a serious
or critical violation fails, whatever else it checks.
"""

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Locator, Page, ViewportSize
from pytest_django.live_server_helper import LiveServer
from pytest_playwright import CreateContextCallback

from opora.accounts.models import User
from tests.conftest import PASSWORD, World

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# A phone as Chromium emulates it: the page's meta viewport is honoured and touch is on.
PHONE_CONTEXT: dict[str, Any] = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


# axe-core as axe-playwright-python ships it (a pinned dev dependency, so no copy is kept in the repository).
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
BLOCKING_IMPACTS = ("serious", "critical")
# Run in every page of a watched context before its own scripts, as an init script (which the page's
# Content-Security-Policy does not govern, so the pages are checked exactly as served). Once the page has
# loaded and its scripts have run (forms.js moves the focus, htmx settles), axe checks it and hands the
# serious and critical violations to the test through a binding. ``__oporaAxeDone`` lets the teardown wait
# for a check still running. A page left before its check ends is not reported.
AXE_WATCH = (
    AXE_SOURCE
    + """
;(() => {
  if (window.top !== window || !/^https?:$/.test(location.protocol)) { return; }
  window.__oporaAxeDone = new Promise((resolve) => {
    window.addEventListener("load", () => setTimeout(async () => {
      try {
        // A toast still fading in is not what the user reads: let the animations end first.
        await Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => null)));
        const results = await axe.run(document, { resultTypes: ["violations"] });
        const found = results.violations
          .filter((violation) => BLOCKING_IMPACTS.includes(violation.impact))
          .map((violation) => ({
            id: violation.id, impact: violation.impact, help: violation.help,
            targets: violation.nodes.map((node) => node.target.join(" ")),
          }));
        await window.__oporaAxeReport(location.pathname + location.search, found);
      } catch (error) {
        // The test is running axe on this page itself (blocking_violations) and checks what it finds.
        if (String(error).includes("already running")) { return; }
        await window.__oporaAxeReport(location.pathname + location.search, [
          { id: "axe-did-not-run", impact: "critical", help: String(error), targets: [] },
        ]);
      } finally {
        resolve(true);
      }
    }, 50));
  });
})();
""".replace("BLOCKING_IMPACTS", json.dumps(list(BLOCKING_IMPACTS)))
)


class AxeAudit:
    """The pages a test's browsers opened and the serious or critical axe violations found on them."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.problems: list[str] = []
        self.contexts: list[BrowserContext] = []

    def watch(self, context: BrowserContext) -> None:
        context.expose_binding("__oporaAxeReport", lambda _source, path, found: self.record(path, found))
        context.add_init_script(script=AXE_WATCH)
        self.contexts.append(context)

    def record(self, path: str, found: list[dict[str, Any]]) -> None:
        self.checked.append(path)
        for violation in found:
            where = ", ".join(violation["targets"])
            self.problems.append(f"{path}: {violation['id']} ({violation['impact']}): {violation['help']} — {where}")

    def finish(self) -> None:
        """Wait for the checks of the pages still open, then fail on what was found."""
        for context in self.contexts:
            for page in context.pages:
                # A page closed or leaving has nothing more to tell.
                with contextlib.suppress(Error):
                    page.evaluate("() => window.__oporaAxeDone || true")
        if self.problems:
            pytest.fail("axe found serious or critical violations:\n  " + "\n  ".join(self.problems), pytrace=False)


@pytest.fixture
def axe_audit() -> Iterator[AxeAudit]:
    """Every context the test creates is watched (through ``new_context`` below); checked at the end."""
    audit = AxeAudit()
    yield audit
    audit.finish()


@pytest.fixture
def new_context(new_context: CreateContextCallback, axe_audit: AxeAudit) -> CreateContextCallback:
    """pytest-playwright's contexts (``context`` and ``page`` come from it too), each watched by axe."""

    def create(**kwargs: Any) -> BrowserContext:
        context = new_context(**kwargs)
        # A page without script runs no init script (and waiting on it would wait for ever): such a test
        # checks what it shows itself.
        if kwargs.get("java_script_enabled", True):
            axe_audit.watch(context)
        return context

    return create  # type: ignore[return-value]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest-playwright's own base_url fixture trips a pytest deprecation warning that is not ours to fix.
    quiet = pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods")
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(quiet)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless unless --headed (Playwright cannot download its own browsers here)."""
    return {"headless": True, **browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A Bulgarian user's browser: it asks for Bulgarian pages and lives in Sofia's time zone."""
    return {**browser_context_args, "locale": "bg-BG", "timezone_id": "Europe/Sofia"}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings: None) -> None:
    """Give a browser run its own PostgreSQL test database (``test_opora_browser``).

    The unit tests and the browser tests are often run side by side, each in its own pytest process;
    sharing ``test_opora`` would let one process drop the database under the other. SQLite test
    databases live in memory and need nothing.
    """
    for database in settings.DATABASES.values():
        if database["ENGINE"].endswith("sqlite3"):
            continue
        test = database.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_browser"


@pytest.fixture
def site(live_server: LiveServer, transactional_db: None, world: World) -> str:
    """The live server's address (no trailing slash), with the world in its database."""
    return live_server.url


def bg(text: str | Promise) -> str:
    """A message id (or a lazy label) as Opora shows it in Bulgarian, from the installed catalogues.

    Expected texts come from the same catalogues as the server's, so a test holds before and after a
    string is translated; what it checks is that the page was rendered in Bulgarian.
    """
    with translation.override("bg"):
        return str(text) if isinstance(text, Promise) else translation.gettext(text)


def submit(page: Page, button: Locator) -> int:
    """Click a form's submit button and wait for the page it leads to; the HTTP status of the POST."""
    with page.expect_navigation(), page.expect_response(lambda r: r.request.method == "POST") as answer:
        button.click()
    return answer.value.status


def submit_login(page: Page, base: str, username: str, password: str = PASSWORD) -> int:
    """Fill in and send the login page, as a person would; the HTTP status of the answer."""
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(password)
    return submit(page, page.locator("main form button[type=submit]"))


def log_in_through_form(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, and check that it worked (a successful login redirects)."""
    status = submit_login(page, base, username, password)
    assert status == 302, f"logging in as {username} answered {status}"


def sign_in(context: BrowserContext, base: str, user: User) -> None:
    """Give the browser a logged-in session cookie without going through the form (fast).

    Such a session has no record of a password check, so pages behind re-authentication still ask
    for the password, as they do after an ordinary login.
    """
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])


@pytest.fixture
def as_user(context: BrowserContext, site: str) -> Callable[[User], None]:
    """Log the test's browser in: ``as_user(world.users[Role.ADMINISTRATOR])``."""
    return lambda user: sign_in(context, site, user)


def reauthenticate(page: Page, password: str = PASSWORD) -> int:
    """Answer allauth's "confirm access" page, which asks for the password again."""
    assert "/accounts/reauthenticate/" in page.url, f"expected the re-authentication page, got {page.url}"
    page.locator("input[name=password]").fill(password)
    return submit(page, page.locator("main form button[type=submit]"))


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 or less when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """The console errors of ``page`` as they come (Chromium reports each CSP refusal as one)."""
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def pick(page: Page, field: str, typed: str, choose: str) -> None:
    """Choose someone in a picker as a person would: type part of the name in the field's box (``field``:
    the field's id, ``id_people``), wait for the list, click the option that holds ``choose``."""
    box = page.locator(f"#{field}_search")
    box.fill(typed)
    options = page.locator(f"#{box.get_attribute('aria-controls')} [role=option]")
    options.filter(has_text=choose).first.click()


def chips(page: Page, field: str) -> list[str]:
    """The names a picker shows as chosen, in order."""
    picker = page.locator(f"[data-picker][data-id={field}]")
    return [text.strip() for text in picker.locator(".chip span").all_inner_texts()]
