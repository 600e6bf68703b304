"""Used TOTP codes kept in the database, in place of allauth's per-process cache."""

from datetime import timedelta

from allauth.core.internal.cryptokit import normalize_user_code
from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import TOTP
from django.db import IntegrityError, transaction
from django.utils import timezone

from opora.accounts.models import UsedTotpCode


def _validity() -> timedelta:
    """How long a code is accepted: its period and the tolerated periods on either side."""
    return timedelta(seconds=app_settings.TOTP_PERIOD * (2 * app_settings.TOTP_TOLERANCE + 1))


def mark_code_used(totp: TOTP, code: str) -> bool:
    """True the first time a code is used while valid; False when it was used already (by any process)."""
    now = timezone.now()
    user_id = totp.instance.user_id
    try:
        with transaction.atomic():
            UsedTotpCode.objects.filter(user_id=user_id, used_at__lt=now - _validity()).delete()
            UsedTotpCode.objects.create(user_id=user_id, code=normalize_user_code(code), used_at=now)
    except IntegrityError:
        return False
    return True


def install() -> None:
    # allauth (pinned in requirements.lock) offers no hook for where used codes are kept; this replaces
    # its cache-based marker. tests/test_accounts.py checks that a code is refused after the cache is cleared.
    TOTP._mark_code_used = mark_code_used
