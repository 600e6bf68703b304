"""Request and response fixes that hold for every page."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.utils.cache import patch_cache_control

Handler = Callable[[HttpRequest], HttpResponseBase]


def query_without_nul(get_response: Handler) -> Handler:
    """Drops NUL characters from the query string's names and values: nobody types one, PostgreSQL refuses
    them in text (a search for ``?q=a%00`` would be a server error) and no page means anything by them."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
            cleaned._mutable = False
            request.GET = cleaned  # type: ignore[assignment]  # an immutable QueryDict, as Django's
        return get_response(request)

    return middleware


def no_store_for_users(get_response: Handler) -> Handler:
    """``Cache-Control: no-store`` on every answer to a logged-in user that does not say otherwise itself:
    pages and files about people must not stay in a browser's or a proxy's cache on a shared computer.
    Static files never get here (WhiteNoise answers them earlier) and keep their long caching."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True)
        return response

    return middleware
