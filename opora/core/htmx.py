from django.http import HttpRequest


def htmx_partial(request: HttpRequest) -> bool:
    """Whether htmx asked for a fragment of the page rather than the whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
