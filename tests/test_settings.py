"""Production settings refuse unsafe configurations; a correct one passes Django's deployment check."""

import secrets
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from cryptography.fernet import Fernet

from tests import support


def production(tmp_path: Path, *args: str, without: tuple[str, ...] = (), **env: str) -> CompletedProcess[str]:
    """manage.py under a complete production configuration, less ``without``, with ``env`` on top."""
    complete = {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "opora.example.org",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "LOOKUP_HASH_KEY": secrets.token_urlsafe(40),
    }
    chosen = {name: value for name, value in complete.items() if name not in without} | env
    return support.run_manage(tmp_path, *args, environment="production", **chosen)


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS and LOOKUP_HASH_KEY"),
        ("LOOKUP_HASH_KEY", "FIELD_ENCRYPTION_KEYS and LOOKUP_HASH_KEY"),
    ],
)
def test_production_refuses_to_start_without_a_required_setting(tmp_path: Path, missing: str, message: str) -> None:
    result = production(tmp_path, "check", without=(missing,))
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    result = production(tmp_path, "check", SECRET_KEY="short")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_with_debug_on(tmp_path: Path) -> None:
    result = production(tmp_path, "check", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_an_unreadable_boolean_is_refused_rather_than_guessed(tmp_path: Path) -> None:
    result = production(tmp_path, "check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    result = production(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
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
    result = production(tmp_path, "shell", "-c", f"from django.conf import settings; print({setting})")
    assert result.returncode == 0, result.stderr
    assert support.last_line(result) == expected
