"""What the header's search finds among people (registered in ``PeopleConfig.ready()``), and the people it
found, kept for the request: the referrals and cases it finds are those of the same people, so the people
search, the costliest part, runs once for the whole search page."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from opora.people.models import Person
from opora.people.search import search_people
from opora.ui.registry import SearchFound, SearchHit

# How many people a search page reads at most: the hits it shows and the people whose cases it shows.
FOUND_PEOPLE = 50


def found_people(request: HttpRequest, text: str) -> list[Person]:
    """The people the user may see that ``text`` finds, best first, as the people list's search finds them
    (asked once per request and text)."""
    kept: dict[str, list[Person]] = request.__dict__.setdefault("_opora_found_people", {})
    if text not in kept:
        kept[text] = search_people(request.user, text, limit=FOUND_PEOPLE)
    return kept[text]


def person_hit(person: Person) -> SearchHit:
    born = person.birth_date.strftime("%d.%m.%Y") if person.birth_date else ""
    detail = " · ".join(part for part in (str(person.get_kind_display()), born) if part)
    return SearchHit(title=str(person), url=reverse("people:person_detail", args=[person.pk]), detail=detail)


def find_people(request: HttpRequest, text: str, limit: int) -> SearchFound:
    people = found_people(request, text)
    return SearchFound(
        hits=[person_hit(person) for person in people[:limit]],
        more=len(people) > limit,
        all_url=reverse("people:person_list") + "?" + urlencode({"q": text}),
    )
