"""Writing the view log: who looked at which person-level page, and who was refused one.

Each event is in the log of the organisation the record belongs to, so a refused look at another
organisation's record tells the user's own administrator nothing about which ids exist there.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpRequest

from opora.access import acting_user, organisation_id_of
from opora.audit.models import ViewEvent, ViewOutcome


def _log(request: HttpRequest, record: Model | None, outcome: str, organisation_id: int | None) -> None:
    ViewEvent.objects.create(
        actor=acting_user(request),
        organisation_id=organisation_id,
        outcome=outcome,
        content_type=None if record is None else ContentType.objects.get_for_model(type(record)),
        object_id="" if record is None else str(record.pk),
        path=request.get_full_path()[:500],
    )


def log_view(request: HttpRequest, record: Model) -> None:
    """Record that the user opened a person-level page about ``record`` (in their scope: their organisation)."""
    _log(request, record, ViewOutcome.VIEWED, acting_user(request).organisation_id)


def log_view_denied(request: HttpRequest, record: Model) -> None:
    """Record that the user asked for a record outside their scope (and was told it does not exist)."""
    _log(request, record, ViewOutcome.DENIED, organisation_id_of(record))


def log_forbidden(request: HttpRequest) -> None:
    """Record that the user was refused a page for want of permission (before any record was looked up)."""
    _log(request, None, ViewOutcome.FORBIDDEN, acting_user(request).organisation_id)
