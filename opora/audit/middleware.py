from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import get_exception_response
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf

from opora.access import records_shown
from opora.audit.context import acting_as
from opora.audit.log import log_forbidden, log_view


class AuditActorMiddleware:
    """Makes the logged-in user the actor of every change recorded during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)


class ViewLogMiddleware:
    """The one place the view log is written for pages about a person, and where refusals are logged.

    ``get_for_user_or_404`` notes each person-level record a view fetched; a page shown (a 200 to a GET)
    logs a view of each. A ``PermissionDenied`` becomes the project's 403 page here and a "refused (no
    permission)" event; Django then logs the response in one line ("Forbidden: /path") instead of the
    traceback it writes for an exception that reaches it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in {"GET", "HEAD"} and response.status_code == 200:
            for record in {(type(record), record.pk): record for record in records_shown(request)}.values():
                log_view(request, record)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PermissionDenied):
            return None
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            log_forbidden(request)
        return get_exception_response(request, get_resolver(get_urlconf()), 403, exception)
