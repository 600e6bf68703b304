"""An offer to link a person whom the user may not see, without telling the user who the person is: the
duplicate check names a match registered by another service only by that service, and gives a head of
service an opaque token, kept in her session, to ask for a link (``opora.cases.intake.views.person_link``)."""

import secrets

from django.http import HttpRequest

SESSION_KEY = "opora.person_link_offers"
MAX_OFFERS = 20


def offer_link(request: HttpRequest, person_pk: int) -> str:
    """A token that stands for ``person_pk`` in this session only (the id never reaches the browser)."""
    offers: dict[str, int] = request.session.get(SESSION_KEY, {})
    token = secrets.token_urlsafe(16)
    offers = dict(list(offers.items())[-(MAX_OFFERS - 1) :]) | {token: person_pk}
    request.session[SESSION_KEY] = offers
    return token


def offered_person(request: HttpRequest, token: str) -> int | None:
    """The person a token of this session stands for, or None for any other string."""
    found = request.session.get(SESSION_KEY, {}).get(token)
    return found if isinstance(found, int) else None
