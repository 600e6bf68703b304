"""Writing the view log: who looked at which person-level page, and who was refused one."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpRequest

from opora.audit.models import ViewEvent, ViewOutcome
from opora.core.access import acting_user


def _log(request: HttpRequest, record: Model, outcome: str) -> None:
    ViewEvent.objects.create(
        actor=acting_user(request),
        outcome=outcome,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=str(record.pk),
        path=request.get_full_path()[:500],
    )


def log_view(request: HttpRequest, record: Model) -> None:
    """Record that the user opened a person-level page about ``record``."""
    _log(request, record, ViewOutcome.VIEWED)


def log_view_denied(request: HttpRequest, record: Model) -> None:
    """Record that the user asked for a record outside their scope (and was told it does not exist)."""
    _log(request, record, ViewOutcome.DENIED)
