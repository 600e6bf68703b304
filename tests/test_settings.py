"""Production settings refuse unsafe configurations; a correct one passes Django's deployment check."""

import secrets
import subprocess
from pathlib import Path

import pytest

from tests import support


def run_manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return support.run_manage(tmp_path, *args, environment="production", **env)


def good_secret() -> str:
    return secrets.token_urlsafe(60)


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_manage(tmp_path, "check", ALLOWED_HOSTS="opora.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    result = run_manage(tmp_path, "check", SECRET_KEY="short", ALLOWED_HOSTS="opora.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_with_debug_on(tmp_path: Path) -> None:
    result = run_manage(tmp_path, "check", SECRET_KEY=good_secret(), ALLOWED_HOSTS="opora.example.org", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = run_manage(tmp_path, "check", SECRET_KEY=good_secret())
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_an_unreadable_boolean_is_refused_rather_than_guessed(tmp_path: Path) -> None:
    result = run_manage(tmp_path, "check", SECRET_KEY=good_secret(), ALLOWED_HOSTS="x.org", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    result = run_manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=good_secret(), ALLOWED_HOSTS="x.org"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("settings.PASSWORD_HASHERS[0]", "django.contrib.auth.hashers.Argon2PasswordHasher"),
        ("settings.SESSION_COOKIE_SECURE", "True"),
        ("settings.CSRF_COOKIE_SECURE", "True"),
        ("settings.SECURE_HSTS_SECONDS", "31536000"),
        ("' '.join(settings.SECURE_CSP['script-src'])", "'self'"),
        ("' '.join(settings.SECURE_CSP['style-src'])", "'self'"),
    ],
)
def test_production_settings_hold_the_secure_values(tmp_path: Path, setting: str, expected: str) -> None:
    code = f"from django.conf import settings; print({setting})"
    result = run_manage(tmp_path, "shell", "-c", code, SECRET_KEY=good_secret(), ALLOWED_HOSTS="x.org")
    assert result.returncode == 0, result.stderr
    assert support.last_line(result) == expected
