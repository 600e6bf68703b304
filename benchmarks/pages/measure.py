"""Each key page, as the administrator and as a social worker, served by gunicorn on loopback: one request at
a time (p50/p95), then under a bounded load (``BENCH_PAGES_CLIENTS`` connections for ``BENCH_PAGES_SECONDS``
each), interleaved with a hello-world view on the same gunicorn; the ratio of each page's throughput to
hello-world's in the same round, the median of ``BENCH_PAGES_ROUNDS`` rounds."""

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PORT = int(os.environ.get("BENCH_PAGES_PORT", "8765"))
HELLO = "/bench/hello"
# The targets of issue 8.
P95_TARGET_MS = 100
RATIO_TARGET = 0.15
SEARCH_RATIO_TARGET = 0.05


@dataclass
class Page:
    name: str
    path: str

    @property
    def ratio_target(self) -> float:
        return SEARCH_RATIO_TARGET if self.name == "people search" else RATIO_TARGET


def pages_for(user_id: int) -> list[Page]:
    """The key pages, on records the user reaches: a child of one of the user's cases, and the case."""
    from opora.access import Perm, scope
    from opora.accounts.models import User
    from opora.cases.casework.models import Case

    user = User.objects.get(pk=user_id)
    case = scope(user, Case.objects.filter(state="support"), Perm.CASE_VIEW).order_by("pk").first()
    assert case is not None, "no case in support for the benchmark's user"
    child = case.people.order_by("pk").first()
    assert child is not None
    search = quote(f"{child.first_name} {child.last_name}")
    return [
        Page("home", "/"),
        Page("people list", "/people/"),
        Page("people search", f"/people/?q={search}"),
        Page("person page", f"/people/{child.pk}/"),
        Page("family page", f"/people/{child.pk}/family/"),
        Page("referral list", "/referrals/"),
        Page("case list", "/cases/"),
        Page("case page", f"/cases/{case.pk}/"),
        Page("My tasks", "/my-tasks/"),
        Page("Overdue", "/overdue/"),
    ]


def session_cookie(user_id: int) -> str:
    from django.conf import settings
    from django.test import Client

    from opora.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class Connection:
    """One keep-alive connection to the server under test."""

    def __init__(self, cookie: str) -> None:
        self.cookie = cookie
        self.http = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)

    def get(self, path: str) -> int:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.http.request("GET", path, headers=headers)
        response = self.http.getresponse()
        response.read()
        return response.status


def serial(cookie: str, pages: list[Page], requests: int) -> dict[str, list[float]]:
    """Seconds of each request, one at a time, the pages interleaved (so that load elsewhere hits all alike)."""
    connection = Connection(cookie)
    times: dict[str, list[float]] = {page.name: [] for page in pages}
    for page in pages:  # warm each page's caches and plans
        for _ in range(2):
            _expect_ok(connection.get(page.path), page)
    for _ in range(requests):
        for page in pages:
            started = time.perf_counter()
            status = connection.get(page.path)
            times[page.name].append(time.perf_counter() - started)
            _expect_ok(status, page)
    return times


def _expect_ok(status: int, page: Page) -> None:
    if status != 200:
        raise SystemExit(f"{page.name} ({page.path}) answered {status}")


def throughput(cookie: str, path: str, clients: int, seconds: float) -> float:
    """Requests a second ``clients`` connections get answered for ``path`` in ``seconds``."""
    done = [0] * clients
    failed: list[int] = []
    deadline = time.perf_counter() + seconds

    def run(index: int) -> None:
        connection = Connection(cookie)
        while time.perf_counter() < deadline:
            status = connection.get(path)
            if status != 200:
                failed.append(status)
                return
            done[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise SystemExit(f"{path} answered {failed[0]} under load")
    return sum(done) / (time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_server(database_url: str) -> subprocess.Popen[bytes]:
    root = Path(__file__).resolve().parents[2]
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.pages.settings",
        "OPORA_ENVIRONMENT": os.environ.get("OPORA_ENVIRONMENT", "development"),
    }
    workers = os.environ.get("BENCH_PAGES_WORKERS", "2")
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [str(Path(sys.executable).parent / "gunicorn"), "opora.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", workers, "--threads", "2", "--log-level", "warning"],
        cwd=root, env=environment,
    )  # fmt: skip
    for _ in range(100):
        try:
            if Connection("").get(HELLO) == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def run(database_url: str, users: dict[str, int]) -> int:
    requests = int(os.environ.get("BENCH_PAGES_REQUESTS", "20"))
    rounds = int(os.environ.get("BENCH_PAGES_ROUNDS", "3"))
    seconds = float(os.environ.get("BENCH_PAGES_SECONDS", "2"))
    clients = int(os.environ.get("BENCH_PAGES_CLIENTS", "4"))
    roles = {role: (session_cookie(user_id), pages_for(user_id)) for role, user_id in users.items()}
    server = start_server(database_url)
    failures = []
    try:
        load_before = os.getloadavg()
        serial_times = {role: serial(cookie, pages, requests) for role, (cookie, pages) in roles.items()}
        ratios: dict[tuple[str, str], list[float]] = {}
        rates: dict[tuple[str, str], list[float]] = {}
        hello_rates = []
        for _ in range(rounds):
            hello = [throughput("", HELLO, clients, seconds)]
            for role, (cookie, pages) in roles.items():
                for page in pages:
                    rate = throughput(cookie, page.path, clients, seconds)
                    rates.setdefault((role, page.name), []).append(rate)
                    ratios.setdefault((role, page.name), []).append(rate)
            hello.append(throughput("", HELLO, clients, seconds))
            round_hello = statistics.mean(hello)
            hello_rates.append(round_hello)
            for key in ratios:
                ratios[key][-1] = ratios[key][-1] / round_hello
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"\nhello-world: {statistics.median(hello_rates):.0f} requests/s (median of {rounds} rounds, {clients} clients)"
    )
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 min)\n")
    print("| page | role | p50 ms | p95 ms | requests/s | × hello-world |")
    print("|---|---|---:|---:|---:|---:|")
    for role, (_cookie, pages) in roles.items():
        for page in pages:
            times = serial_times[role][page.name]
            p50, p95 = percentile(times, 0.5) * 1000, percentile(times, 0.95) * 1000
            ratio = statistics.median(ratios[(role, page.name)])
            rate = statistics.median(rates[(role, page.name)])
            marks = ("" if p95 < P95_TARGET_MS else " ✗p95") + ("" if ratio >= page.ratio_target else " ✗ratio")
            if marks:
                failures.append(f"{page.name} as {role}:{marks}")
            print(f"| {page.name} | {role} | {p50:.1f} | {p95:.1f} | {rate:.1f} | {ratio:.2f}{marks} |")
    if failures:
        print("\nOver target: " + "; ".join(failures))
        return 1
    return 0
