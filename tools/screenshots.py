"""``make screenshots``: the demo in Chromium, photographed at a desk (1280×800) and on a phone (390×844).

Run as ``python -m tools.screenshots [--out docs/screenshots]``. Each run starts from nothing, so it gives
the same pictures whenever it is run (only the dates the demo counts back from today change):

1. a throwaway SQLite database in a temporary directory: ``migrate``, ``load_demo`` (as ``make demo``);
2. the first lines of scenarios 1 and 3 played through the services, as the staff would on the pages
   (the demo leaves them unplayed, so that each scenario can be walked from its first line): Ралица links
   Мартин to her centre, records ОЗД's referral and accepts it with Гергана as case manager and Диана in the
   team; Гергана writes the needs assessment, Ралица approves it, Гергана drafts the plan. Стела's referral
   was accepted six weeks ago and her assessment is late, so Overdue has something to show;
3. gunicorn on a free port of 127.0.0.1, the demo's staff logged in through the login page, and every page
   of PAGES saved as ``<name>-desk.png`` and ``<name>-phone.png`` (the window, not the whole page: what a
   user sees first). A page that does not answer 200, or answers with the login page, stops the run.

PNGs are recompressed with ``oxipng`` or ``optipng`` when one is installed (lossless; optional)."""

import argparse
import contextlib
import datetime
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--lang=bg-BG"]
DEMO_PASSWORD = "opora-demo-2026"  # load_demo's DEMO_PASSWORD (read from it in setup_django)
SIZES: dict[str, dict[str, Any]] = {
    "desk": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
WORKER, HEAD, ADMIN = "gergana", "ralitsa", "admin"


@dataclass(frozen=True)
class Shot:
    name: str
    user: str
    path: str
    centre: str = ""  # a CSS selector to scroll to the middle of the window first
    # Typed into a picker's box (its id, what to type) before the picture: the first typed is chosen (a
    # chip), the last is left with its list open.
    typed: tuple[tuple[str, str], ...] = ()


def setup_django(var_dir: Path) -> None:
    """Django on the throwaway database (never DATABASE_URL's: this run drops nothing of anyone's)."""
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        OPORA_ENVIRONMENT="development",
        OPORA_VAR_DIR=str(var_dir),
        SQLITE_PATH=str(var_dir / "opora.sqlite3"),
        DJANGO_SETTINGS_MODULE="opora.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from opora.organisation.management.commands import load_demo

    assert load_demo.DEMO_PASSWORD == DEMO_PASSWORD, "load_demo's password changed: update DEMO_PASSWORD here"


def load_demo() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", stdout=io.StringIO())


def play_scenarios() -> dict[str, int]:
    """Scenario 1 and the start of 3 for Мартин; Стела's case six weeks old. The ids of the records shown."""
    from django.utils import timezone

    from opora.accounts.models import User
    from opora.cases.casework.services import case_begin_assessment
    from opora.cases.intake.models import Referral, ReferralKind, ReferralSource
    from opora.cases.intake.services import person_link_to_service, referral_accept, referral_record
    from opora.cases.planning.models import Assessment, Domain, RiskLevel
    from opora.cases.planning.services import (
        ActivityData,
        GoalData,
        assessment_save,
        document_approve,
        document_submit,
        plan_save,
    )
    from opora.organisation.models import Service
    from opora.people.models import Person

    staff = {user.username: user for user in User.objects.all()}
    head, worker, psychologist = staff[HEAD], staff[WORKER], staff["diana"]
    service = Service.objects.get(name="Център за обществена подкрепа – Русе")
    martin = Person.objects.get(first_name="Мартин", last_name="Колов")
    mother = Person.objects.get(first_name="Петя", last_name="Колева")
    stela = Person.objects.get(first_name="Стела", last_name="Андреева")
    now = timezone.now()

    def referral(people: list[Person], received: datetime.datetime, reasons: str, by: User) -> Referral:
        return referral_record(
            referral=Referral(
                service=service,
                kind=ReferralKind.REFERRAL,
                source=ReferralSource.CHILD_PROTECTION,
                referring_institution="ОЗД към ДСП Русе",
                received_at=received,
                reasons=reasons,
                preliminary_assessment="Нужда от подкрепа на майката и на детето.",
                home_municipality=service.municipality,
            ),
            people=people,
            by=by,
        )

    # Стела: referred and accepted six weeks ago; her needs assessment is overdue (20 days).
    weeks_ago = now - datetime.timedelta(days=42)
    with mock.patch("django.utils.timezone.now", return_value=weeks_ago):
        stela_referral = referral([stela], weeks_ago, "Без документи, не посещава детска градина.", worker)
        referral_accept(referral=stela_referral, by=head, case_manager=worker)

    # Scenario 1: Ралица links Мартин (registered by the street-children centre) and accepts the referral.
    person_link_to_service(
        person=martin, service=service, by=head, reason="Същото дете: име, дата на раждане и адрес от направлението."
    )
    person_link_to_service(person=mother, service=service, by=head, reason="Майката на Мартин, от същото направление.")
    martin_referral = referral(
        [martin, mother], now - datetime.timedelta(days=12), "Отсъства от училище; конфликти у дома.", head
    )
    case = referral_accept(referral=martin_referral, by=head, case_manager=worker, team=[psychologist])

    # Scenario 3: the assessment, approved; the plan, drafted.
    case_begin_assessment(case=case, by=worker)
    domains: dict[str, tuple[int | None, str]] = {domain.value: (2, "Има нужда от подкрепа.") for domain in Domain}
    domains[Domain.EDUCATION.value] = (3, "Отсъства от училище по няколко дни седмично.")
    assessment = assessment_save(
        case=case,
        by=worker,
        values={
            "assessed_on": timezone.localdate() - datetime.timedelta(days=2),
            "risk_level": RiskLevel.MEDIUM,
            "summary": "Мартин пропуска училище; майката има нужда от подкрепа в грижата и границите у дома.",
            "children_views": "Мартин казва, че в училище му е скучно и че се кара с по-големите деца.",
            "parents_participation": "Майката участва във всички срещи.",
            "professionals": "Гергана Илиева, социален работник; Диана Маринова, психолог.",
        },
        domains=domains,
        heard_children=[martin],
        based_on=None,
        edit_version=None,
    )
    assessment = document_submit(document=assessment, by=worker, edit_version=assessment.edit_version)
    document_approve(document=assessment, by=head, edit_version=assessment.edit_version)
    today = timezone.localdate()
    plan = plan_save(
        case=case,
        by=worker,
        values={
            "person_agreed": True,
            "parents_agreed": True,
            "contract_number": "Д-17",
            "contract_date": today,
            "contract_signed_by": "Петя Колева",
        },
        goals=[
            GoalData(
                text="Редовно посещение на училище",
                needs=[Domain.EDUCATION.value],
                expected_results="Без неизвинени отсъствия за месец.",
                activities=[
                    ActivityData(
                        what="Среща с класния ръководител",
                        frequency="всеки месец",
                        starts_on=today,
                        staff=worker,
                        partner="ОУ „Н. Й. Вапцаров“",
                    ),
                    ActivityData(what="Група „Обратно в клас“", frequency="всяка сряда", starts_on=today),
                ],
            ),
            GoalData(
                text="Подкрепа на майката в грижата",
                needs=[Domain.EDUCATION.value],
                expected_results="Майката посещава групата за родители.",
                activities=[
                    ActivityData(
                        what="Посещение в дома",
                        frequency="на две седмици",
                        starts_on=today,
                        ends_on=today + datetime.timedelta(days=70),
                        staff=worker,
                    )
                ],
            ),
            GoalData(
                text="Справяне с гнева у дома",
                needs=[Domain.EDUCATION.value],
                expected_results="По-малко конфликти, по думите на майката и на Мартин.",
                activities=[
                    ActivityData(
                        what="Психологическа консултация",
                        frequency="всеки четвъртък, 15:00",
                        starts_on=today,
                        ends_on=today + datetime.timedelta(days=70),
                        staff=psychologist,
                    )
                ],
            ),
        ],
        based_on=None,
        edit_version=None,
    )
    from django.core.management import call_command

    call_command("sync_due_items", verbosity=0)
    assert Assessment.objects.filter(case=case).exists()
    return {"person": martin.pk, "case": case.pk, "plan": plan.pk}


def shots(ids: dict[str, int]) -> list[Shot]:
    person, case, plan = ids["person"], ids["case"], ids["plan"]
    return [
        Shot("home-worker", WORKER, "/"),
        Shot("home-head", HEAD, "/"),
        Shot("people", WORKER, "/people/"),
        Shot("person", WORKER, f"/people/{person}/"),
        Shot("person-form", WORKER, f"/people/{person}/edit/", centre="#id_birth_date"),  # typed дд.мм.гггг
        Shot("family", WORKER, f"/people/{person}/family/"),
        Shot("referrals", HEAD, "/referrals/"),
        Shot(
            "referral-form",
            WORKER,
            "/referrals/new/",
            typed=(("#id_people_search", "Мартин"), ("#id_people_search", "Кол")),
        ),
        Shot("waiting", HEAD, "/referrals/waiting/"),
        Shot("case", WORKER, f"/cases/{case}/"),
        Shot("case-timeline", WORKER, f"/cases/{case}/?tab=timeline"),
        Shot("search", WORKER, "/search/?q=%D0%9A%D0%BE%D0%BB"),
        Shot("plan", WORKER, f"/plans/{plan}/"),
        Shot("my-tasks", WORKER, "/my-tasks/"),
        Shot("overdue", HEAD, "/overdue/"),
        Shot("audit", ADMIN, "/audit/changes/"),
    ]


def shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(port: int) -> Iterator[str]:
    """gunicorn serving the throwaway database (the environment setup_django made), until the block ends."""
    base = f"http://127.0.0.1:{port}"
    control = os.path.join(os.environ["OPORA_VAR_DIR"], "gunicorn.ctl")  # not the shared ~/.gunicorn one
    command = [str(ROOT / ".venv/bin/gunicorn"), "opora.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    process = subprocess.Popen(
        [*command, "--log-level", "warning", "--control-socket", control],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the demo server did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def photograph(base: str, todo: list[Shot], out: Path) -> list[Path]:
    from playwright.sync_api import Page, sync_playwright

    written: list[Path] = []

    def log_in(page: Page, username: str) -> None:
        page.goto(f"{base}/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        if "/accounts/login" in page.url:
            raise SystemExit(f"could not log in as {username}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        users = sorted({shot.user for shot in todo})
        sessions: dict[str, Any] = {}
        for username in users:
            context = browser.new_context(locale="bg-BG", timezone_id="Europe/Sofia")
            log_in(context.new_page(), username)
            sessions[username] = context.storage_state()
            context.close()
        for size, options in SIZES.items():
            for username in users:
                context = browser.new_context(
                    **options, locale="bg-BG", timezone_id="Europe/Sofia", storage_state=sessions[username]
                )
                page = context.new_page()
                for shot in (shot for shot in todo if shot.user == username):
                    answer = page.goto(base + shot.path, wait_until="networkidle")
                    if answer is None or answer.status != 200 or "/accounts/" in page.url:
                        status = answer.status if answer else "no answer"
                        raise SystemExit(f"{shot.path} as {username}: {status} at {page.url}")
                    page.evaluate("document.fonts.ready")
                    for number, (box, text) in enumerate(shot.typed, start=1):
                        page.locator(box).press_sequentially(text, delay=20)
                        page.locator("[role=listbox] [role=option]").first.wait_for()
                        if number < len(shot.typed):
                            page.locator("[role=listbox] [role=option]").first.click()
                    if shot.centre:
                        page.locator(shot.centre).evaluate("element => element.scrollIntoView({block: 'center'})")
                    path = out / f"{shot.name}-{size}.png"
                    page.screenshot(path=str(path), animations="disabled", caret="hide")
                    written.append(path)
                    print(f"  {shown(path)}")
                context.close()
        browser.close()
    return written


def optimise(paths: list[Path]) -> None:
    """Lossless recompression with whichever optimiser is installed; none is fine."""
    if oxipng := shutil.which("oxipng"):
        subprocess.run([oxipng, "-q", "-o", "3", "--strip", "safe", *map(str, paths)], check=True)
    elif optipng := shutil.which("optipng"):
        subprocess.run([optipng, "-quiet", "-o2", "-strip", "all", *map(str, paths)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go (default: docs/screenshots)")
    arguments = parser.parse_args()
    out: Path = arguments.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="opora-screenshots-") as var_dir:
        setup_django(Path(var_dir))
        load_demo()
        ids = play_scenarios()
        todo = shots(ids)
        with server(free_port()) as base:
            written = photograph(base, todo, out)
    optimise(written)
    print(f"{len(written)} screenshots in {shown(out)}")


if __name__ == "__main__":
    main()
