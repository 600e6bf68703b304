"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The live server answers from another thread, so every test runs on a transactional database (the
``site`` fixture asks for it) and starts from the shared ``world`` of tests/conftest.py. Run them with
``pytest tests/browser``; every test is marked ``browser``.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page
from pytest_django.live_server_helper import LiveServer

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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A phone as Chromium emulates it: the page's meta viewport is honoured and touch is on.
PHONE_CONTEXT: dict[str, Any] = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


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
