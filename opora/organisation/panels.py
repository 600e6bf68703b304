"""What the organisation puts on the start page (registered in ``OrganisationConfig.ready()``)."""

from typing import Any

from django.http import HttpRequest

from opora.access import memberships


def home_roles(request: HttpRequest) -> dict[str, Any]:
    """The user's roles: the organisation-wide one first, then by service."""
    mine = sorted(memberships(request.user), key=lambda m: (m.service is not None, str(m.service or "")))
    return {"memberships": mine}
