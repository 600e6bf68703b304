"""Which models are audited, and the signal handlers that record their changes.

Signals are used here (and nowhere else for business logic) because the trail must not depend on
every caller remembering to write it: a change made through any form, service or command is kept.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from opora.audit.context import current_actor
from opora.audit.models import ChangeAction, ChangeEvent

# Fields whose values are never written into the trail, only that they changed.
SECRET_FIELDS = {"password"}
MASK = "•••"
# Fields that change on their own and would only add noise.
IGNORED_FIELDS = {"last_login"}

_registered: dict[type[models.Model], set[str]] = {}
_secret: dict[type[models.Model], set[str]] = {}
_organisation_of: dict[type[models.Model], Callable[[Any], int | None]] = {}
_value_labels: dict[type[models.Model], dict[str, dict[Any, Any]]] = {}


def _own_organisation_id(instance: Any) -> int | None:
    return getattr(instance, "organisation_id", None)


def register(
    model: type[models.Model],
    *,
    exclude: tuple[str, ...] = (),
    secret: tuple[str, ...] = (),
    organisation: Callable[[Any], int | None] = _own_organisation_id,
    choices: Mapping[str, Iterable[tuple[Any, Any]]] | None = None,
) -> None:
    """Record every create, update and delete of ``model`` (and changes to its many-to-many fields).

    ``organisation`` gives the id of the organisation a record belongs to, so that a change made by the
    system (no actor) is shown to that organisation's administrator and no other. ``secret`` fields are
    compared but written as a mask: the trail says that they changed, never what they hold. ``choices``
    names the labels of fields that hold a list of codes (a JSON list has no choices of its own), so that
    the trail shows "Day care", not ``day_care``.
    """
    _registered[model] = set(exclude) | IGNORED_FIELDS
    _value_labels[model] = {name: dict(pairs) for name, pairs in (choices or {}).items()}
    _secret[model] = set(secret) | SECRET_FIELDS
    _organisation_of[model] = organisation
    uid = f"audit-{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}-pre", weak=False)
    post_save.connect(_record_save, sender=model, dispatch_uid=f"{uid}-post", weak=False)
    post_delete.connect(_record_delete, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        m2m_changed.connect(_record_m2m, sender=through, dispatch_uid=f"{uid}-{field.name}", weak=False)


def is_registered(model: type[models.Model]) -> bool:
    return model in _registered


def registered_models() -> list[type[models.Model]]:
    return list(_registered)


def value_labels(model: type[models.Model], field_name: str) -> dict[Any, Any]:
    """The labels of the codes a list field of ``model`` holds (given to ``register``), or none."""
    return _value_labels.get(model, {}).get(field_name, {})


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited fields' values, secret ones included (masked only when written: see ``_masked``)."""
    skipped = _registered.get(type(instance), IGNORED_FIELDS)
    return {
        field.name: _plain(field.value_from_object(instance))
        for field in instance._meta.concrete_fields
        if field.name not in skipped
    }


def _masked(instance: models.Model, changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    secret = _secret.get(type(instance), SECRET_FIELDS)
    return {
        name: [None if v in (None, "") else MASK for v in values] if name in secret else values
        for name, values in changes.items()
    }


def _remember_before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance._state.adding or instance.pk is None:
        instance._audit_before = None  # type: ignore[attr-defined]
        return
    previous = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous else None  # type: ignore[attr-defined]


def _write(instance: models.Model, action: str, changes: dict[str, Any]) -> None:
    ChangeEvent.objects.create(
        actor=current_actor(),
        organisation_id=_organisation_of.get(type(instance), _own_organisation_id)(instance),
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        changes=changes,
    )


def _record_save(sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        _write(
            instance, ChangeAction.CREATED, _masked(instance, {name: [None, value] for name, value in after.items()})
        )
        return
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if changes:
        _write(instance, ChangeAction.CHANGED, _masked(instance, changes))


def _record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    changes = {name: [value, None] for name, value in snapshot(instance).items()}
    _write(instance, ChangeAction.DELETED, _masked(instance, changes))


def _record_m2m(
    sender: Any, instance: models.Model, action: str, reverse: bool, model: Any, pk_set: Any, **kwargs: Any
) -> None:
    # The model that declares the field: ``instance``'s, or, for a change made from the other side
    # (``service.programmes.add(programme)``), the model of the records added or removed.
    owner = model if reverse else type(instance)
    if action not in {"pre_clear", "post_add", "post_remove", "post_clear"} or owner not in _registered:
        return
    field = next(f for f in owner._meta.many_to_many if f.remote_field.through is sender)
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    if reverse:
        source, target = target, source
    if action == "pre_clear":
        # clear() does not say what it removes: remember it while it is still there.
        cleared = set(sender._base_manager.filter(**{source: instance.pk}).values_list(target, flat=True))
        instance._audit_cleared = cleared  # type: ignore[attr-defined]
        return
    if action == "post_clear":
        pk_set = getattr(instance, "_audit_cleared", set())
    if not pk_set:
        return
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    others = model._base_manager.filter(pk__in=pk_set)
    if not reverse:
        _write(instance, ChangeAction.CHANGED, {field.name: {verb: sorted(str(obj) for obj in others)}})
        return
    for other in others:
        _write(other, ChangeAction.CHANGED, {field.name: {"removed" if verb == "cleared" else verb: [str(instance)]}})
