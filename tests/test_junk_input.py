"""Junk typed or crafted into any page never gets a server error (Hypothesis).

Every page of Opora's URLconf is opened as the administrator (who holds every permission, freshly
re-authenticated), records resolved with the permission matrix's world. Then generated junk — huge and
negative numbers, empty values, long strings, unicode, NUL bytes, dates of year 1 or 99999, ``abc`` for a
formset's counters, several values for a single field — goes
- as the query string of the page (its filters' parameters and the usual ``page``, ``q``, ``person``…), and
- as the body of every POST form the page shows, each field either as rendered or junk.
The answer is never a 5xx; a form that comes back shows every text field as it was typed.

Settings are fixed (derandomised, no deadline, bounded examples) so that CI runs the same examples every time;
every example runs in a savepoint rolled back after it, so the world stays as built."""

from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import test_permission_matrix as permission_matrix
from tests.test_permission_matrix import ADMIN, Matrix, client_for, url_of, url_patterns

# The permission matrix's world (its fixtures, built once for this module too).
built_once = permission_matrix.built_once
matrix = permission_matrix.matrix

# The parameters list and search pages read, besides those their filter forms and links show.
QUERY_PARAMETERS = ["page", "q", "person", "service", "status", "state", "worker", "type", "object", "mother"]
TEXT_INPUTS = {"text", "search", "email", "tel", "number", "date", "datetime-local", "url", "textarea"}

# Values a hurried worker or an attacker types, besides what Hypothesis makes up.
SPECIAL = [
    "",
    " ",
    "0",
    "-1",
    "abc",
    "99999999999999999999999",
    "-99999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "1e400",
    "nan",
    "1.5",
    "²",
    "٣",
    "\x00",
    "1\x00",
    "0001-01-01",
    "0001-01-01T00:00",
    "99999-01-01",
    "9999-12-31",
    "9999-12-31T23:59",
    "2026-02-30",
    "<b>x</b>",
    "x" * 3000,
    "Мария Иванова 🙂",
]
# Each of these in every field of a form at once, before the generated examples: every field meets them.
EVERY_FIELD = ["99999999999999999999999", "²", "0001-01-01T00:00", "abc", "1\x00"]
junk = st.one_of(
    st.sampled_from(SPECIAL),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(max_size=30),
)
junk_values = st.one_of(junk, st.lists(junk, min_size=2, max_size=3))

EXAMPLES_PER_FORM = 10
EXAMPLES_PER_QUERY = 5
FIXED = settings(
    max_examples=EXAMPLES_PER_FORM,
    derandomize=True,
    deadline=None,
    database=None,
    # No shrinking: a failure reports the example that failed at once instead of replaying hundreds of requests.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- Reading the forms of a page -------------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name → values as rendered (several for a list)
    text_fields: set[str] = field(default_factory=set)


class FormParser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and "href" in a:
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            self.forms.append(Form(a.get("method", "get").lower(), urljoin(self.url, a.get("action", ""))))
        elif not self.forms or "name" not in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                self.forms[-1].fields.setdefault(a["name"], [])
                return
            self.forms[-1].fields.setdefault(a["name"], []).append(a.get("value", "on" if kind == "checkbox" else ""))
            if kind in TEXT_INPUTS:
                self.forms[-1].text_fields.add(a["name"])
        elif tag == "select":
            self._select = a["name"]
            self.forms[-1].fields.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self.forms[-1].fields[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.forms[-1].fields[a["name"]] = [""]
            self.forms[-1].text_fields.add(a["name"])

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            values = self.forms[-1].fields[self._textarea]
            values[0] = values[0].removeprefix("\n")  # Django's textarea starts with a newline
            self._textarea = None


def parse(url: str, html: str) -> FormParser:
    parser = FormParser(url)
    parser.feed(html)
    return parser


def is_opora(url: str) -> bool:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return match.func.__module__.startswith("opora.") and match.view_name != "core:healthz"


# --- The pages -------------------------------------------------------------------------------------------

PAGES = sorted(
    str(pattern.name)
    for pattern in url_patterns()
    if pattern.callback.__module__.startswith("opora.") and pattern.name != "core:healthz"
)


def page_of(client: Client, url: str) -> FormParser:
    response = client.get(url)
    assert response.status_code < 500
    html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
    return parse(url, response.content.decode() if html else "")


def query_names(page: FormParser) -> list[str]:
    """The parameters to try on a page: the usual ones, its filter forms' fields and its links' parameters."""
    names = set(QUERY_PARAMETERS)
    for form in page.forms:
        if form.method == "get":
            names |= set(form.fields)
    for link in page.links:
        names |= {key for key, _value in parse_qsl(urlsplit(link).query)}
    return sorted(names)


@dataclass
class Site:
    """Every page as the administrator sees it, and the POST forms to try from each: a form shown on several
    pages (the same action and fields) is tried from the first of them only."""

    pages: dict[str, FormParser]
    forms: dict[str, list[Form]]


@pytest.fixture(scope="module")
def site(built_once: Matrix, django_db_blocker: Any) -> Site:
    with django_db_blocker.unblock():
        client = client_for(built_once.world.users[ADMIN])
        pages = {name: page_of(client, url_of(name, built_once)) for name in PAGES}
    forms: dict[str, list[Form]] = {name: [] for name in PAGES}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for name, page in pages.items():
        for form in page.forms:
            key = (urlsplit(form.action).path, tuple(sorted(form.fields)))
            if form.method == "post" and is_opora(form.action) and "logout" not in form.action and key not in seen:
                seen.add(key)
                forms[name].append(form)
    return Site(pages, forms)


def rolled_back(request: Any) -> Any:
    """The response of ``request()`` in a savepoint rolled back afterwards."""
    with transaction.atomic():
        response = request()
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("name", PAGES)
def test_junk_never_gets_a_server_error_and_a_form_keeps_what_was_typed(name: str, matrix: Matrix, site: Site) -> None:
    # A client of its own for each page, freshly re-authenticated for the pages that ask for it.
    admin = client_for(matrix.world.users[ADMIN])
    url = url_of(name, matrix)

    @settings(FIXED, max_examples=EXAMPLES_PER_QUERY)
    @given(st.dictionaries(st.sampled_from(query_names(site.pages[name])), junk_values, min_size=1, max_size=4))
    def get(query: dict[str, Any]) -> None:
        response = rolled_back(lambda: admin.get(url, query))
        assert response.status_code < 500, query

    get()
    for form in site.forms[name]:
        fuzz(form, admin)


def fuzz(form: Form, client: Client) -> None:
    """Post ``form`` with every field set to each of EVERY_FIELD, then with each field as rendered or junk."""
    values = {
        key: st.one_of(st.just(rendered if len(rendered) != 1 else rendered[0]), junk_values)
        for key, rendered in form.fields.items()
        if key != "csrfmiddlewaretoken"
    }
    for junk_value in EVERY_FIELD:
        check_post(form, client, dict.fromkeys(values, junk_value))

    @FIXED
    @given(st.fixed_dictionaries(values))
    def post(data: dict[str, Any]) -> None:
        check_post(form, client, data)

    post()


def check_post(form: Form, client: Client, data: dict[str, Any]) -> None:
    response = rolled_back(lambda: client.post(form.action, data))
    assert response.status_code < 500, (form.action, data)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert_typed_is_kept(form, data, response.content.decode())


def assert_typed_is_kept(form: Form, data: dict[str, Any], html: str) -> None:
    """Each text field posted with one value shows that value again when the same form comes back."""
    again = [shown for shown in parse(form.action, html).forms if shown.action == form.action]
    if not again:
        return
    shown = again[0]
    for key in form.text_fields & set(shown.text_fields):
        typed = data.get(key)
        if not isinstance(typed, str) or not typed.strip() or "\x00" in typed or "\r" in typed:
            continue
        assert [unescape(value) for value in shown.fields[key]] == [typed], key
