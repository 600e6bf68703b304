"""Who may see and do what: decided here and nowhere else.

Every list, search, report and export reaches its rows through ``scope()``; every page that shows one
record fetches it through ``get_for_user_or_404()``. Rules:

- deny unless allowed: a permission no app granted to a role (``grant()`` in the app's ``permissions.py``)
  is refused;
- a user sees only records of the services they belong to; the organisation administrator sees every
  service of the organisation;
- monitoring-and-evaluation users see aggregates, never names: person-level records are never in
  their scope;
- a record the user must not know exists is "not found" (404), never "forbidden" (403), and the attempt
  is written to the view log.

A model states how it is scoped with a ``scope_by`` class attribute: "organisation", "self" (a
service), "service" (a foreign key to one), "services" (many-to-many), "staff" (the user model),
"membership" (a staff member's role in a service), "survivor" (a merge of two records, visible when the
surviving person is), "person" (a record about one person, visible when
that person is), "members" (a record of several people, visible when one of them is), "referral" (a record
about a referral, visible when the referral is), "case" (a record about a case, visible when the case is) or
"owner" (a record written for one user, such as a notification: theirs alone, whatever their roles).
"organisation" and "owner" are built in; the app that owns each of the others declares its paths with
``scope_path()`` in its ``permissions.py`` (``opora.access.registry``), and later apps add theirs the same way.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ManyToManyField, Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from opora.access.registry import DENIED_HOOKS, ROLE_PERMISSIONS, SCOPE_PATHS, Perm
from opora.accounts.models import User
from opora.organisation.models import Membership, Organisation, Role, Service

# The roles are read on every request: they are kept in Django's cache (shared by the app servers when
# REDIS_URL is set) and forgotten when a membership or the user changes. The time limit bounds how long
# a change made by a write the signals do not see (a bulk update) could go unnoticed.
MEMBERSHIPS_CACHE_SECONDS = 300


def _memberships_key(user_id: int) -> str:
    return f"opora:access:v1:memberships:{user_id}"


def memberships(user: Any) -> list[Membership]:
    """The user's roles, from the shared cache or the database, and kept on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_opora_memberships", None)
    if cached is None:
        cached = cache.get(_memberships_key(user.pk))
        if cached is None:
            cached = list(Membership.objects.filter(user=user).select_related("service"))
            cache.set(_memberships_key(user.pk), cached, MEMBERSHIPS_CACHE_SECONDS)
        user._opora_memberships = cached
    return cached


def forget_memberships(user: Any) -> None:
    """Drop the cached roles after they change within a request."""
    if hasattr(user, "_opora_memberships"):
        del user._opora_memberships


def forget_cached_memberships(user_id: int) -> None:
    """Drop the user's roles from the shared cache, now and again when the change is committed (so that a
    request reading the old rows in between cannot put them back for good)."""
    cache.delete(_memberships_key(user_id))
    transaction.on_commit(lambda: cache.delete(_memberships_key(user_id)))


def is_administrator(user: Any) -> bool:
    return any(m.role == Role.ADMINISTRATOR for m in memberships(user))


def roles_of(user: Any) -> set[str]:
    return {m.role for m in memberships(user)}


def has_permission(user: Any, permission: str, service: Service | None = None) -> bool:
    """Whether the user holds ``permission`` anywhere, or in ``service`` when one is given."""
    for membership in memberships(user):
        granted = permission in ROLE_PERMISSIONS.get(membership.role, frozenset())
        if not granted:
            continue
        if membership.role == Role.ADMINISTRATOR:
            if service is None or service.organisation_id == user.organisation_id:
                return True
        elif service is None or membership.service_id == service.pk:
            return True
    return False


def service_ids_with(user: Any, permission: str, *, person_level: bool = False) -> set[int] | None:
    """Ids of services where the user holds ``permission``; None means every service of the organisation.

    For person-level records a monitoring role counts nowhere: it never reaches a name, even for a user
    who does casework in another service.
    """
    ids: set[int] = set()
    for membership in memberships(user):
        if permission not in ROLE_PERMISSIONS.get(membership.role, frozenset()):
            continue
        if person_level and membership.role == Role.MONITORING:
            continue
        if membership.role == Role.ADMINISTRATOR:
            return None
        assert membership.service_id is not None
        ids.add(membership.service_id)
    return ids


def scope[M: Model](user: Any, queryset: QuerySet[M], permission: str) -> QuerySet[M]:
    """The rows of ``queryset`` the user may reach with ``permission``; none when in doubt."""
    model = queryset.model
    how = getattr(model, "scope_by", None)
    if how is None or not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return queryset.none()
    ids = service_ids_with(user, permission, person_level=getattr(model, "is_person_level", False))
    if ids is not None and not ids:
        return queryset.none()
    if how == "owner":
        return queryset.filter(user_id=user.pk)
    return queryset.filter(_scope_filter(how, model, user.organisation_id, ids))


def _scope_filter(how: str, model: type[Model], organisation_id: int, service_ids: set[int] | None) -> Q:
    """The filter for one way of scoping: within the organisation, then within the services.

    A path through a many-valued relation (a person's services, a staff member's memberships) is asked as
    a subquery, "pk IN (rows reached through the services)", rather than joined: a join repeats a row once
    per matching service and would need DISTINCT, which stops the database from ordering and limiting a
    million rows by an index or a score.
    """
    if how == "organisation":
        if service_ids is None:
            return Q(pk=organisation_id)
        return Q(pk=organisation_id) & Q(pk__in=model._base_manager.filter(services__in=service_ids).values("pk"))
    if how not in SCOPE_PATHS:
        raise ValueError(f"unknown scope_by {how!r}: no app declares it with scope_path() in its permissions.py")
    organisation_path, service_path, many = SCOPE_PATHS[how]
    condition = Q(**{organisation_path: organisation_id})
    if service_ids is None:
        return condition
    if many:
        return condition & _reached_through_services(model, service_path, service_ids)
    return condition & Q(**{service_path: service_ids})


def _reached_through_services(model: type[Model], service_path: str, service_ids: set[int]) -> Q:
    """The rows reached through a many-valued ``service_path``, as "id IN (subquery)".

    When the path ends in a many-to-many of services reached along single-valued relations (``services__in``,
    ``case__services__in``), the subquery reads only that many-to-many's own table, "case_id IN (SELECT
    case_id FROM case_services WHERE service_id IN …)", instead of joining it back to every row of the model
    (a read of all 100,000 cases, or a million people, on each scoped list at a million)."""
    *prefix, last, lookup = service_path.split("__")
    owner = _along_single_relations(model, prefix)
    if lookup == "in" and owner is not None:
        m2m = owner._meta.get_field(last)
        if isinstance(m2m, ManyToManyField):
            through: Any = m2m.remote_field.through
            ids = through._base_manager.filter(**{f"{m2m.m2m_reverse_field_name()}__in": service_ids})
            return Q(**{"__".join([*prefix, "in"]) if prefix else "pk__in": ids.values(m2m.m2m_field_name())})
    return Q(pk__in=model._base_manager.filter(**{service_path: service_ids}).values("pk"))


def _along_single_relations(model: type[Model], names: list[str]) -> type[Model] | None:
    """The model reached from ``model`` along the foreign keys ``names``; None if one is many-valued."""
    owner: Any = model
    for name in names:
        field = owner._meta.get_field(name)
        if not (field.concrete and (field.many_to_one or field.one_to_one)):
            return None
        owner = field.related_model
    return owner


def organisation_id_of(record: Model) -> int | None:
    """The id of the organisation ``record`` belongs to, whoever asks (for the audit trail's owner)."""
    how = getattr(type(record), "scope_by", None)
    if how == "organisation":
        return record.pk
    if how not in SCOPE_PATHS:
        return None
    path = SCOPE_PATHS[how].organisation
    return type(record)._base_manager.filter(pk=record.pk).values_list(path, flat=True).first()


# The person-level records a view fetched, on the request: the view log writes them once the page is shown.
SHOWN_RECORDS = "opora_shown_records"


def records_shown(request: HttpRequest) -> list[Model]:
    return getattr(request, SHOWN_RECORDS, [])


# Within one read-only request, whether a record is in a scope is asked once: a page asks it for each of its
# buttons (work, approve, every move), and the answer cannot change while nothing is written. The key is
# what ``scope`` depends on (the record, the user, the services the permission reaches), so permissions
# that reach the same services share one answer. Requests that write never use it.
_scope_answers: ContextVar[dict[tuple[Any, ...], bool] | None] = ContextVar("opora_scope_answers", default=None)


@contextmanager
def remembered_scope_answers() -> Iterator[None]:
    token = _scope_answers.set({})
    try:
        yield
    finally:
        _scope_answers.reset(token)


def _answer_key(user: Any, permission: str, record: Model) -> tuple[Any, ...]:
    model = type(record)
    ids = service_ids_with(user, permission, person_level=getattr(model, "is_person_level", False))
    return (model._meta.label, record.pk, user.pk, None if ids is None else frozenset(ids))


def has_permission_on(user: Any, permission: str, record: Model) -> bool:
    """Whether ``record`` is in the user's scope for ``permission`` (for example, to show an edit button
    or a full identifier on a page the user reached with a weaker permission)."""
    if record.pk is None:
        return False
    answers = _scope_answers.get()
    key = _answer_key(user, permission, record) if answers is not None else ()
    if answers is not None and key in answers:
        return answers[key]
    answer = scope(user, type(record)._default_manager.filter(pk=record.pk), permission).exists()
    if answers is not None:
        answers[key] = answer
    return answer


def get_for_user_or_404[M: Model](request: HttpRequest, queryset: QuerySet[M], permission: str, **lookup: Any) -> M:
    """One record the user may reach, or 404 — and a denied attempt on a real record is logged.

    A person-level record found is noted on the request; the view log records it if the page is shown."""
    found = scope(request.user, queryset, permission).filter(**lookup).first()
    if found is not None:
        answers = _scope_answers.get()
        if answers is not None:
            answers[_answer_key(request.user, permission, found)] = True
        if getattr(queryset.model, "is_person_level", False):
            # One mechanism for every page about a person: the view log middleware writes the view when
            # the page is shown (a 200), so no view calls the log by hand and none can forget to.
            setattr(request, SHOWN_RECORDS, [*records_shown(request), found])
        return found
    existing = queryset.model._base_manager.filter(**lookup).first()
    if existing is not None and request.user.is_authenticated:
        for hook in DENIED_HOOKS:  # the audit app's view log, plugged in from its ready()
            hook(request, existing)
    raise Http404


def require[R: HttpResponseBase](permission: str) -> Callable[[Callable[..., R]], Callable[..., R | HttpResponse]]:
    """View decorator: anonymous users go to the login page; users without ``permission`` get 403."""

    def decorator(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, permission):
                raise PermissionDenied
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            with remembered_scope_answers():
                return view(request, *args, **kwargs)

        wrapper.opora_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def visible_services(user: Any, permission: str | None = None) -> QuerySet[Service]:
    """The services the user may see (with ``Perm.SERVICE_VIEW`` unless another permission is given)."""
    return scope(user, Service.objects.all(), permission or Perm.SERVICE_VIEW)


def acting_user(request: HttpRequest) -> User:
    """The logged-in user of a view behind ``require`` (there, never anonymous)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def organisation_of(request: HttpRequest) -> Organisation:
    """The acting user's organisation; a user who belongs to none reaches nothing."""
    organisation = acting_user(request).organisation
    if organisation is None:
        raise Http404
    return organisation
