from django.http import HttpRequest, HttpResponse
from django.urls import path

from opora.urls import urlpatterns as opora_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    """The baseline: through every middleware, no session, no query."""
    return HttpResponse("hello")


urlpatterns = [path("bench/hello", hello), *opora_urlpatterns]
