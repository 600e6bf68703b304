from typing import Any

from allauth.account.utils import filter_users_by_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """The page shown while a username and address are locked out.

    It names neither the username nor whether an account exists: an attacker learns only that this
    address must wait.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "account/lockout.html", {"cooloff_minutes": minutes}, status=429)


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username of a login attempt, as allauth passes it to the backends or as the form posted it.

    Axes must see the same username whether or not the account exists, so that a lockout of an
    unknown name looks exactly like a lockout of a real one.
    """
    if credentials and credentials.get("username"):
        return normalised_username(str(credentials["username"]))
    posted = request.POST.get("login") if request is not None else None
    return normalised_username(posted) if posted else None


def normalised_username(name: str) -> str:
    """The one name under which Axes counts every spelling that logs into the same account.

    allauth matches the username case-insensitively (by the database's collation), so "Diana" and
    "DIANA" reach the account "diana": their failures must count together. An existing account is named
    as stored; an unknown name is lower-cased, which counts its spellings together just the same.
    """
    name = name.strip()
    matches = list(filter_users_by_username(name).values_list("username", flat=True)[:2])
    return (matches[0] if len(matches) == 1 else name).lower()
