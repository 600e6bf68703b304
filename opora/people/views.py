"""Pages of the people register: the list, registration, a person's page, relations, households, the family.

Every record is reached through ``scope()`` or ``get_for_user_or_404()``; every page about a person is
written to the view log.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opora.access import (
    Perm,
    acting_user,
    get_for_user_or_404,
    has_permission,
    has_permission_on,
    organisation_of,
    require,
    scope,
)
from opora.cases.intake.selectors import casework_of
from opora.core.conflicts import StaleEdit, conflict, differences
from opora.core.forms import parse_id
from opora.core.pagination import capped_page
from opora.core.phones import format_phone
from opora.organisation.models import Service
from opora.people.forms import (
    HouseholdMemberEditForm,
    HouseholdMemberForm,
    PersonForm,
    PersonMergeForm,
    RelationshipEditForm,
    RelationshipForm,
    mother_candidates,
    person_label,
)
from opora.people.links import offer_link
from opora.people.models import Household, HouseholdMember, Person, PersonKind, PersonMerge, Relationship, Sex
from opora.people.records import records_of
from opora.people.search import duplicate_candidates, rank_people, search_people
from opora.people.selectors import family_of, relationships_of
from opora.people.services import (
    IdentifierTaken,
    household_create,
    household_join,
    person_register,
    person_update,
    relationship_add,
)
from opora.people.services import person_merge as merge_records

PAGE_SIZE = 50
# A search shows at most this many people, best first.
SEARCH_LIMIT = 200
# A picker's list shows this many, best first: more is read by no one; a longer name narrows it.
PICK_LIMIT = 15
# The picker starts asking at this many letters (picker.js waits for as many): one letter finds everyone.
PICK_MIN_LETTERS = 2


def _people(request: HttpRequest, permission: str = Perm.PERSON_VIEW) -> QuerySet[Person]:
    """The people the user may reach, without the records merged into another one."""
    return scope(request.user, Person.objects.active(), permission)


def _person(
    request: HttpRequest, pk: int, permission: str = Perm.PERSON_VIEW, people: QuerySet[Person] | None = None
) -> Person:
    """One person the user may reach (among ``people``, with what a page needs); also a record merged into
    another (its page says so).

    A merged record is read-only: its links live on the survivor, so changing it would change nothing
    anyone sees, and would make the merge harder to explain later.
    """
    if people is None:
        people = Person.objects.all()
    person = get_for_user_or_404(
        request, people.select_related("settlement", "mother", "merged_into"), permission, pk=pk
    )
    if permission != Perm.PERSON_VIEW and person.merged_into_id is not None:
        raise PermissionDenied
    return person


# --- The register ---------------------------------------------------------------------------------


@require(Perm.PERSON_VIEW)
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    people: QuerySet[Person] | list[Person]
    more_than_shown = False
    if query:
        people = search_people(request.user, query, limit=SEARCH_LIMIT)
        # As many as the search gives: there are more, equally close (a common name); say how to narrow it.
        more_than_shown = len(people) >= SEARCH_LIMIT
    else:
        people = _people(request).select_related("settlement").order_by("last_name", "first_name", "middle_name", "pk")
    page = capped_page(people, PAGE_SIZE, request.GET.get("page"))
    prefetch_related_objects(list(page), Prefetch("services", queryset=Service.objects.order_by("name")))
    return render(
        request,
        "people/person_list.html",
        {
            "page": page,
            "query": query,
            "more_than_shown": more_than_shown,
            "can_register": _registering_services(request).exists(),
        },
    )


@require(Perm.PERSON_VIEW)
@require_http_methods(["GET"])
def person_pick(request: HttpRequest) -> JsonResponse:
    """What a people picker offers for what was typed: the people list's own search, scoped alike, as
    ``{"results": [{"id", "label"}]}`` (a name and a birth year; never an identifier). ``?who=mother``
    offers only those who may be a mother, as the person form does."""
    query = request.GET.get("q", "").strip()[:100]
    if len(query) < PICK_MIN_LETTERS:
        return JsonResponse({"results": []})
    people = _people(request)
    if request.GET.get("who") == "mother":
        people = mother_candidates(people)
    found = rank_people(people, query, limit=PICK_LIMIT)
    return JsonResponse({"results": [{"id": person.pk, "label": person_label(person)} for person in found]})


def _registering_services(request: HttpRequest) -> QuerySet[Service]:
    """The active services in which the user may register a person."""
    return scope(request.user, Service.objects.filter(is_active=True), Perm.PERSON_MANAGE).order_by("name")


# --- One person -------------------------------------------------------------------------------------


def _with_what_points_here() -> QuerySet[Person]:
    """People, each with whether anyone was merged into them and whether they expect a child, asked with the
    person: most have neither, and their pages then ask for neither."""
    return Person.objects.annotate(
        has_merges=Exists(PersonMerge.objects.filter(survivor=OuterRef("pk"))),
        has_expected_children=Exists(Person.objects.filter(mother=OuterRef("pk"))),
    )


@require(Perm.PERSON_VIEW)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, people=_with_what_points_here())
    around = _people_around(request, person)
    can_see_identifier = has_permission_on(request.user, Perm.IDENTIFIER_VIEW, person)
    merged = person.merged_into_id is not None
    memberships = (
        scope(request.user, HouseholdMember.objects.all(), Perm.PERSON_VIEW)
        .filter(person=person)
        .select_related("household", "household__settlement")
        .order_by("-start_date", "pk")
    )
    cases, referrals = casework_of(request.user, person)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "identifier": _identifier_shown(person, can_see_identifier),
            "can_see_identifier": can_see_identifier,
            "phone": format_phone(person.phone) if person.phone else "",
            "services": person.services.order_by("name"),
            "mother": around.get(person.mother_id) if person.mother_id else None,
            "expected_children": sorted(
                (one for one in around.values() if one.mother_id == person.pk),
                key=lambda one: (one.due_date or datetime.date.min, one.pk),
            ),
            "relations": _relation_rows(person, relationships_of(person, _relationships(request), _people(request))),
            "memberships": memberships,
            "cases": cases,
            "referrals": referrals,
            "can_refer": not merged and has_permission(request.user, Perm.REFERRAL_MANAGE),
            "can_manage": not merged and has_permission_on(request.user, Perm.PERSON_MANAGE, person),
            "can_merge": not merged and has_permission_on(request.user, Perm.PERSON_MERGE, person),
            "may_be_mother": person.kind != PersonKind.UNBORN and person.sex != Sex.MALE,
            "merged_into": around.get(person.merged_into_id) if person.merged_into_id else None,
            "merges": scope(request.user, PersonMerge.objects.all(), Perm.PERSON_VIEW)
            .filter(survivor=person)
            .select_related("merged", "by")
            .order_by("-at", "-pk")
            if person.has_merges  # type: ignore[attr-defined]  # annotated above
            else [],
        },
    )


def _people_around(request: HttpRequest, person: Person) -> dict[int, Person]:
    """The person's mother, expected children and the record the person was merged into, by id, those the user
    may see (the mother and the children while they are not merged into another record themselves): one query,
    and none when the person has none of them."""
    wanted = Q()
    if person.has_expected_children:  # type: ignore[attr-defined]  # annotated by the page
        wanted |= Q(mother=person, merged_into__isnull=True)
    if person.mother_id:
        wanted |= Q(pk=person.mother_id, merged_into__isnull=True)
    if person.merged_into_id:
        wanted |= Q(pk=person.merged_into_id)
    if not wanted:
        return {}
    return {one.pk: one for one in scope(request.user, Person.objects.filter(wanted), Perm.PERSON_VIEW)}


def _identifier_shown(person: Person, can_see_identifier: bool) -> str:
    if not person.identifier_encrypted:
        return ""
    return person.identifier if can_see_identifier else person.masked_identifier


def _relationships(request: HttpRequest, permission: str = Perm.PERSON_VIEW) -> QuerySet[Relationship]:
    return scope(request.user, Relationship.objects.all(), permission)


def _relation_rows(person: Person, relations: list[Relationship]) -> list[tuple[Person, str, Relationship]]:
    """Each relation read from ``person``'s side: (the other person, what they are to ``person``, relation)."""
    rows = []
    for relation in relations:
        if relation.person_id == person.pk:
            rows.append((relation.relative, relation.get_kind_display(), relation))
        else:
            rows.append((relation.person, relation.inverse_label, relation))
    return rows


@require(Perm.PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    person = Person(organisation=organisation)
    initial = {}
    mother_pk = parse_id(request.GET.get("mother"))
    if mother_pk is not None and _people(request).filter(pk=mother_pk).exists():
        # "Register an expected child" from the mother's page.
        initial = {"kind": PersonKind.UNBORN, "mother": mother_pk, "identity_kind": "none"}
    form = PersonForm(
        request.POST or None,
        instance=person,
        initial=initial,
        organisation=organisation,
        people=_people(request),
        services=_registering_services(request),
        can_see_identifier=True,  # nothing is stored yet: the user sees what they type
    )
    candidates: list[Candidate] = []
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data.get("different_person"):
            candidates = _candidates(request, form.save(commit=False))
        if not candidates:
            try:
                person = person_register(
                    person=form.save(commit=False), service=form.cleaned_data["service"], by=acting_user(request)
                )
            except IdentifierTaken:
                form.refuse_taken_identifier()
            else:
                messages.success(request, _("The person has been registered."))
                return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person, "candidates": candidates})


@dataclass
class Candidate:
    """A person who may be the one being registered. ``person`` only when the user may see them; otherwise
    just the services that work with them, to ask."""

    score: float
    reasons: list[str]
    person: Person | None = None
    services: list[str] = field(default_factory=list)
    # For a head of service: the token to ask for a link of the person to her service (``people.links``).
    link: str = ""


def _candidates(request: HttpRequest, new: Person) -> list[Candidate]:
    """People of the whole organisation who may be ``new``: duplicates are caught across services, but one
    the user may not see is shown without any personal detail."""
    found = duplicate_candidates(
        new.organisation,
        first_name=new.first_name,
        last_name=new.last_name,
        middle_name=new.middle_name,
        birth_date=new.birth_date,
        identifier_digest=new.identifier_digest,
        sex=new.sex,
    )
    if not found:
        return []
    people = [person for person, _score, _reasons in found]
    may_link = has_permission(request.user, Perm.REFERRAL_TRIAGE)
    visible = set(_people(request).filter(pk__in=[person.pk for person in people]).values_list("pk", flat=True))
    prefetch_related_objects(people, Prefetch("services", queryset=Service.objects.order_by("name")))
    rows = []
    for person, score, reasons in found:
        if person.pk in visible:
            rows.append(Candidate(score=score, reasons=reasons, person=person))
        else:
            services = [service.name for service in person.services.all()]
            link = offer_link(request, person.pk) if may_link else ""
            rows.append(Candidate(score=score, reasons=[], services=services, link=link))
    return rows


@require(Perm.PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, Perm.PERSON_MANAGE)
    can_see_identifier = has_permission_on(request.user, Perm.IDENTIFIER_VIEW, person)
    form = _edit_form(request, request.POST or None, person, can_see_identifier)
    shown_conflict: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        typed = form.save(commit=False)
        try:
            person_update(person=typed, version=form.cleaned_data.get("version") or "", by=acting_user(request))
        except StaleEdit as stale:
            rows = _person_differences(form, stale.current, typed, can_see_identifier)
            form = _rebased_person_form(request, stale, can_see_identifier)
            shown_conflict = conflict(_("Someone else saved this person's record while you were editing it"), rows)
        except IdentifierTaken:
            form.refuse_taken_identifier()
        else:
            messages.success(request, _("The person has been saved."))
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person, "conflict": shown_conflict})


def _edit_form(request: HttpRequest, data: Any, person: Person, can_see_identifier: bool) -> PersonForm:
    return PersonForm(
        data,
        instance=person,
        organisation=organisation_of(request),
        people=_people(request),
        can_see_identifier=can_see_identifier,
    )


def _rebased_person_form(request: HttpRequest, stale: StaleEdit, can_see_identifier: bool) -> PersonForm:
    """The form as the user typed it, now carrying the version saved meanwhile: the refusal is shown above
    it, and saving again (having seen the other change) replaces that version knowingly."""
    current: Person = stale.current
    data = request.POST.copy()
    data["version"] = current.updated_at.isoformat()
    form = _edit_form(request, data, current, can_see_identifier)
    form.is_valid()
    form.add_error(None, stale.messages)
    return form


def _person_differences(
    form: PersonForm, current: Person, typed: Person, can_see_identifier: bool
) -> list[tuple[str, str, str]]:
    """(field, saved now, typed) where the colleague's save and what the user typed differ. The Latin names
    are compared as they would be saved (transliterated), and a number the user may not see stays masked."""
    typed.fill_latin_names()

    def values(person: Person) -> dict[str, Any]:
        found = {name: getattr(person, name) for name in PersonForm.Meta.fields}
        found["phone"] = format_phone(person.phone) if person.phone else ""
        same_number = current.identifier_digest == typed.identifier_digest
        found["identifier"] = (
            person.identifier if can_see_identifier else "" if same_number else person.masked_identifier
        )
        return found

    return differences(form, values(current), values(typed))


# --- Relations ---------------------------------------------------------------------------------------


@require(Perm.PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def relationship_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, Perm.PERSON_MANAGE)
    query = request.GET.get("q", "").strip()[:100]
    form = RelationshipForm(request.POST or None, person=person, people=_people(request), query=query)
    if request.method == "POST" and form.is_valid():
        relationship = form.instance
        relationship_add(
            person=relationship.person,
            relative=relationship.relative,
            kind=relationship.kind,
            start_date=relationship.start_date,
            end_date=relationship.end_date,
            by=acting_user(request),
        )
        messages.success(request, _("The relation has been added."))
        return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/relationship_form.html", {"form": form, "person": person, "query": query})


@require(Perm.PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def relationship_edit(request: HttpRequest, pk: int) -> HttpResponse:
    relationships = Relationship.objects.select_related("person", "relative")
    return _link_edit(
        request,
        relationships,
        pk,
        RelationshipEditForm,
        "people/relationship_edit.html",
        "relationship",
        _("The relation has been saved."),
    )


# --- Households -------------------------------------------------------------------------------------


@require(Perm.PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def household_member_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, Perm.PERSON_MANAGE)
    people = _people(request)
    relatives = [row[0].pk for row in _relation_rows(person, relationships_of(person, _relationships(request), people))]
    households = (
        scope(request.user, Household.objects.all(), Perm.PERSON_VIEW)
        .filter(memberships__person__in=relatives, memberships__end_date__isnull=True)
        .exclude(memberships__person=person, memberships__end_date__isnull=True)
        .distinct()
        .order_by("name")
    )
    form = HouseholdMemberForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["household"] is not None:
            household_join(
                person=person, household=data["household"], start_date=data["start_date"], by=acting_user(request)
            )
        else:
            household_create(
                person=person,
                name=data["name"],
                settlement=data["settlement"],
                address=data["address"],
                start_date=data["start_date"],
                by=acting_user(request),
            )
        messages.success(request, _("The person has been added to the household."))
        return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/household_member_form.html", {"form": form, "person": person})


@require(Perm.PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def household_member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    members = HouseholdMember.objects.select_related("person", "household")
    return _link_edit(
        request,
        members,
        pk,
        HouseholdMemberEditForm,
        "people/household_member_edit.html",
        "member",
        _("The household membership has been saved."),
    )


def _link_edit(
    request: HttpRequest,
    queryset: QuerySet[Any],
    pk: int,
    form_class: Any,
    template: str,
    name: str,
    saved: str,
) -> HttpResponse:
    """Edit one record that links a person to others (its dates, mostly), then back to the person."""
    link = get_for_user_or_404(request, queryset, Perm.PERSON_MANAGE, pk=pk)
    form = form_class(request.POST or None, instance=link)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, saved)
        return redirect("people:person_detail", pk=link.person_id)
    return render(request, template, {"form": form, name: link})


# --- The family --------------------------------------------------------------------------------------


@require(Perm.PERSON_VIEW)
def person_family(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, people=_with_what_points_here())
    family = family_of(
        person,
        people=_people(request),
        relationships=_relationships(request),
        memberships=scope(request.user, HouseholdMember.objects.all(), Perm.PERSON_VIEW),
        households=scope(request.user, Household.objects.all(), Perm.PERSON_VIEW),
    )
    records = records_of(request.user, [member.person for member in family.members])
    for member in family.members:
        member.records = records.get(member.person.pk, [])
    return render(request, "people/person_family.html", {"person": person, "family": family})


# --- Merging two records of one person -------------------------------------------------------------------


@require(Perm.PERSON_MERGE)
@require_http_methods(["GET", "POST"])
@reauthentication_required
def person_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge a duplicate into the person of the page: find the duplicate, then confirm with a reason.

    Both records must be ones the user may merge (in their scope with ``Perm.PERSON_MERGE``)."""
    survivor = get_for_user_or_404(
        request, Person.objects.active().select_related("settlement"), Perm.PERSON_MERGE, pk=pk
    )
    chosen = request.POST.get("duplicate") or request.GET.get("duplicate", "")
    if not chosen:
        return _merge_search(request, survivor)
    duplicate_pk = parse_id(chosen)
    if duplicate_pk is None or duplicate_pk == survivor.pk:
        raise Http404
    duplicate = get_for_user_or_404(
        request, Person.objects.active().select_related("settlement"), Perm.PERSON_MERGE, pk=duplicate_pk
    )
    form = PersonMergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merge_records(
                survivor=survivor, duplicate=duplicate, by=acting_user(request), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The two records have been merged."))
            return redirect("people:person_detail", pk=survivor.pk)
    return render(
        request,
        "people/person_merge_confirm.html",
        {
            "person": survivor,
            "duplicate": duplicate,
            "form": form,
            "rows": _side_by_side(request, survivor, duplicate),
        },
    )


def _merge_search(request: HttpRequest, survivor: Person) -> HttpResponse:
    mergeable = scope(request.user, Person.objects.active(), Perm.PERSON_MERGE).exclude(pk=survivor.pk)
    query = request.GET.get("q", "").strip()[:100]
    found = rank_people(mergeable, query, limit=50) if query else []
    candidates = duplicate_candidates(
        survivor.organisation,
        first_name=survivor.first_name,
        last_name=survivor.last_name,
        middle_name=survivor.middle_name,
        birth_date=survivor.birth_date,
        identifier_digest=survivor.identifier_digest,
        sex=survivor.sex,
        exclude_pk=survivor.pk,
        among=mergeable,
    )
    return render(
        request,
        "people/person_merge.html",
        {
            "person": survivor,
            "query": query,
            "found": found,
            "candidates": [(person, reasons) for person, _score, reasons in candidates],
        },
    )


def _side_by_side(request: HttpRequest, survivor: Person, duplicate: Person) -> list[tuple[str, Any, Any]]:
    """The two records' details, row by row, each identifier shown or masked as on the person's page."""

    def identifier(person: Person) -> str:
        return _identifier_shown(person, has_permission_on(request.user, Perm.IDENTIFIER_VIEW, person))

    def services(person: Person) -> str:
        return ", ".join(str(service) for service in person.services.order_by("name"))

    def address(person: Person) -> str:
        return ", ".join(str(part) for part in (person.settlement, person.address) if part)

    return [
        (_("Name"), survivor, duplicate),
        (_("Registered as"), survivor.get_kind_display(), duplicate.get_kind_display()),
        (_("Name in Latin"), survivor.full_name_latin, duplicate.full_name_latin),
        (_("Identified by"), survivor.get_identity_kind_display(), duplicate.get_identity_kind_display()),
        (_("Number"), identifier(survivor), identifier(duplicate)),
        (_("Birth date"), survivor.birth_date, duplicate.birth_date),
        (_("Sex"), survivor.get_sex_display(), duplicate.get_sex_display()),
        (_("Address"), address(survivor), address(duplicate)),
        (
            _("Phone"),
            format_phone(survivor.phone) if survivor.phone else "",
            format_phone(duplicate.phone) if duplicate.phone else "",
        ),
        (_("Services"), services(survivor), services(duplicate)),
        (_("Registered"), survivor.created_at, duplicate.created_at),
    ]
