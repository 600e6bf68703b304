from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from opora.accounts.mfa import has_totp, mfa_required

# Pages a user who still has to set up two-factor authentication may open.
_ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/")


class RequireMfaMiddleware:
    """Sends a user whose role requires two-factor authentication to set it up before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and mfa_required(user)
            and not has_totp(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


# The idle timeout is renewed by saving the session; once a minute is enough, so that an ordinary
# request reads the session without writing it back.
SESSION_RENEW_SECONDS = 60
_LAST_SEEN_KEY = "opora.last_seen"


class IdleSessionMiddleware:
    """Keeps a logged-in session alive while it is used, writing it at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(timezone.now().timestamp())
            if now - int(request.session.get(_LAST_SEEN_KEY, 0)) >= SESSION_RENEW_SECONDS:
                # A changed session is saved with a new expiry: SESSION_COOKIE_AGE from now.
                request.session[_LAST_SEEN_KEY] = now
        return self.get_response(request)
