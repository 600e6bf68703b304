"""Logging in: generic errors, lockout that cannot lock anyone out for good, MFA by role, idle sessions."""

import re
from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opora.accounts.models import User
from opora.organisation.models import Role, RolePolicy
from tests.conftest import PASSWORD, Clock, World

LOGIN = reverse("account_login")


def attempt(client: Client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(LOGIN, {"login": username, "password": password}, REMOTE_ADDR=address)


def error_text(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(world: World) -> None:
    wrong_password = attempt(Client(), "social_worker", "not the password")
    unknown_user = attempt(Client(), "nobody-by-this-name", "not the password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert error_text(wrong_password) == error_text(unknown_user) != ""


def test_the_right_password_logs_in(world: World) -> None:
    client = Client()
    response = attempt(client, "social_worker", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("ui:home")).status_code == 200


def lock_out(username: str, address: str = "203.0.113.7") -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(), username, "wrong guess", address)


def test_repeated_failures_lock_the_username_from_that_address(world: World) -> None:
    lock_out("social_worker")
    response = attempt(Client(), "social_worker", PASSWORD)
    assert response.status_code == 429
    assert "social_worker" not in response.content.decode()


def without_csrf_token(page: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page)


def test_a_locked_unknown_username_looks_like_a_locked_real_one(world: World) -> None:
    lock_out("social_worker")
    lock_out("nobody-by-this-name")
    real = attempt(Client(), "social_worker", "x")
    unknown = attempt(Client(), "nobody-by-this-name", "x")
    assert real.status_code == unknown.status_code == 429
    assert without_csrf_token(real.content) == without_csrf_token(unknown.content)


def logged_in_as(client: Client) -> int | None:
    """The id of the user the client's session is logged in as (None when it is not)."""
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def test_an_attacker_elsewhere_cannot_lock_the_user_out(world: World) -> None:
    lock_out("social_worker", address="198.51.100.66")
    client = Client()
    response = attempt(client, "social_worker", PASSWORD, address="203.0.113.7")
    assert response.status_code == 302
    assert logged_in_as(client) == world.users[Role.SOCIAL_WORKER].pk


def age_attempts(minutes: int) -> None:
    past = timezone.now() - timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=past)


def test_the_lockout_ends_after_the_cool_off_even_if_the_attacker_kept_trying(world: World) -> None:
    lock_out("social_worker")
    for _ in range(10):
        attempt(Client(), "social_worker", "still guessing")
    assert attempt(Client(), "social_worker", PASSWORD).status_code == 429
    cool_off_minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    age_attempts(cool_off_minutes + 1)
    client = Client()
    assert attempt(client, "social_worker", PASSWORD).status_code == 302
    assert logged_in_as(client) == world.users[Role.SOCIAL_WORKER].pk


def require_mfa_for(world: World, role: str) -> None:
    RolePolicy.objects.create(organisation=world.organisation, role=role, mfa_required=True)


def test_a_role_that_requires_mfa_is_sent_to_set_it_up(world: World) -> None:
    require_mfa_for(world, Role.SOCIAL_WORKER)
    client = world.client_for(Role.SOCIAL_WORKER)
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Sent to set it up, not logged out, and every other page sends there too.
    assert logged_in_as(client) == world.users[Role.SOCIAL_WORKER].pk
    assert client.get(reverse("people:person_list"))["Location"] == reverse("mfa_activate_totp")


def test_roles_without_the_policy_are_not_asked_for_mfa(world: World) -> None:
    require_mfa_for(world, Role.SOCIAL_WORKER)
    assert world.client_for(Role.PSYCHOLOGIST).get(reverse("ui:home")).status_code == 200


def test_a_user_with_totp_passes_the_mfa_policy(world: World) -> None:
    require_mfa_for(world, Role.SOCIAL_WORKER)
    TOTP.activate(world.users[Role.SOCIAL_WORKER], generate_totp_secret())
    assert world.client_for(Role.SOCIAL_WORKER).get(reverse("ui:home")).status_code == 200


def test_the_mfa_setup_page_itself_stays_reachable(world: World) -> None:
    require_mfa_for(world, Role.SOCIAL_WORKER)
    client = logged_in_afresh("social_worker")
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


def test_a_session_ends_after_idle_time(world: World) -> None:
    client = Client()
    attempt(client, "social_worker", PASSWORD)
    assert client.get(reverse("ui:home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert logged_in_as(client) is None


def test_a_request_a_minute_later_extends_the_idle_timeout(world: World, clock: Clock) -> None:
    client = Client()
    attempt(client, "social_worker", PASSWORD)
    clock.advance(minutes=10)
    client.get(reverse("ui:home"))
    remaining = Session.objects.get().expire_date - clock.now
    assert remaining > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_requests_within_a_minute_do_not_rewrite_the_session(world: World, clock: Clock) -> None:
    client = Client()
    attempt(client, "social_worker", PASSWORD)
    client.get(reverse("ui:home"))
    written = Session.objects.get().expire_date
    clock.advance(seconds=30)
    client.get(reverse("ui:home"))
    assert Session.objects.get().expire_date == written


def test_sensitive_pages_ask_for_the_password_again(world: World) -> None:
    client = world.client_for(Role.ADMINISTRATOR)  # logged in without a fresh password entry
    response = client.get(reverse("organisation:staff_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    # Only the password is asked again: the session stays, and so do the pages that are not sensitive.
    assert logged_in_as(client) == world.users[Role.ADMINISTRATOR].pk
    assert client.get(reverse("organisation:staff_list")).status_code == 200


def reauthenticate(client: Client, password: str = PASSWORD):
    return client.post(reverse("account_reauthenticate"), {"password": password})


def logged_in_afresh(username: str) -> Client:
    client = Client()
    attempt(client, username, PASSWORD)
    reauthenticate(client)
    return client


def test_after_entering_the_password_again_sensitive_pages_open(world: World) -> None:
    client = Client()
    attempt(client, "administrator", PASSWORD)
    assert reauthenticate(client, "wrong").status_code == 200
    assert client.get(reverse("organisation:staff_create")).status_code == 302
    reauthenticate(client)
    assert client.get(reverse("organisation:staff_create")).status_code == 200


def new_staff_form(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "username": "nova",
        "first_name": "Нова",
        "last_name": "Колегова",
        "email": "nova@example.org",
        "job_title": "Социален работник",
        "phone": "",
        "is_active": "on",
        "password": "a long enough password 2026",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-service": str(world.own.pk),
        "memberships-0-role": Role.SOCIAL_WORKER,
        "memberships-1-service": "",
        "memberships-1-role": "",
    }
    data.update(overrides)
    return data


def test_a_new_staff_member_is_welcomed_by_the_task_worker_not_the_request(
    transactional_db: None, world: World
) -> None:
    # Transactional: the task is enqueued on commit, and the worker closes connections as it would in production.
    client = logged_in_afresh("administrator")
    response = client.post(reverse("organisation:staff_create"), new_staff_form(world))
    assert response.status_code == 302
    member = User.objects.get(username="nova")
    assert member.memberships.get().service == world.own
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nova@example.org"]
    assert "nova" in mail.outbox[0].body
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_refused_staff_form_keeps_what_was_typed(world: World) -> None:
    client = logged_in_afresh("administrator")
    response = client.post(reverse("organisation:staff_create"), new_staff_form(world, password="short"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "password" in form.errors
    assert form["first_name"].value() == "Нова"
    assert 'value="Колегова"' in response.content.decode()
    assert not User.objects.filter(username="nova").exists()


def test_nobody_can_sign_up(world: World) -> None:
    Client().post(reverse("account_signup"), {"username": "intruder", "password1": "a long password 2026"})
    assert not User.objects.filter(username="intruder").exists()


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(world: World) -> None:
    # With no trusted proxy configured, X-Forwarded-For is the client's own word and is ignored.
    for guess in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            LOGIN,
            {"login": "social_worker", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{guess}",
        )
    response = Client().post(
        LOGIN,
        {"login": "social_worker", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert response.status_code == 429


def test_the_lockout_counts_every_casing_of_a_username_as_one(world: World) -> None:
    # allauth matches the username case-insensitively, so the lockout must count the same way.
    for casing in ("social_worker", "Social_Worker", "SOCIAL_WORKER", "sOcial_worker", "social_WORKER"):
        attempt(Client(), casing, "wrong guess")
    for casing in ("social_worker", "Social_worker", "SOCIAL_WORKER"):
        assert attempt(Client(), casing, PASSWORD).status_code == 429


def test_a_success_in_another_casing_does_not_clear_the_lockout(world: World) -> None:
    lock_out("social_worker")
    assert attempt(Client(), "soCial_worker", PASSWORD).status_code == 429
    assert attempt(Client(), "social_worker", PASSWORD).status_code == 429


def test_a_totp_code_used_once_is_refused_the_second_time_even_after_the_cache_is_cleared(world: World) -> None:
    # Each app server has its own memory: the record of a used code must outlive any one process's cache.
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    secret = generate_totp_secret()
    totp = TOTP.activate(world.users[Role.SOCIAL_WORKER], secret)
    code = format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))
    assert totp.validate_code(code) is True
    cache.clear()
    assert TOTP(totp.instance).validate_code(code) is False


def current_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def test_a_totp_secret_is_stored_encrypted_and_login_with_it_still_works(world: World) -> None:
    from allauth.mfa.models import Authenticator

    from opora.core import crypto

    secret = generate_totp_secret()
    TOTP.activate(world.users[Role.SOCIAL_WORKER], secret)
    stored = Authenticator.objects.get(type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    assert crypto.decrypt(stored) == secret

    client = Client()
    assert attempt(client, "social_worker", PASSWORD).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("ui:home")).status_code == 200


def test_the_migration_encrypts_secrets_stored_in_the_clear_and_only_those(world: World) -> None:
    import importlib

    from allauth.mfa.models import Authenticator
    from django.apps import apps

    from opora.core import crypto

    migration = importlib.import_module("opora.accounts.migrations.0004_encrypt_mfa_secrets")
    plain = generate_totp_secret()
    Authenticator.objects.create(user=world.users[Role.SOCIAL_WORKER], type="totp", data={"secret": plain})
    already = crypto.encrypt(generate_totp_secret())
    Authenticator.objects.create(user=world.users[Role.HEAD], type="totp", data={"secret": already})

    migration.encrypt_secrets(apps, None)

    assert crypto.decrypt(Authenticator.objects.get(user=world.users[Role.SOCIAL_WORKER]).data["secret"]) == plain
    assert Authenticator.objects.get(user=world.users[Role.HEAD]).data["secret"] == already
