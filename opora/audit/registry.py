"""Which models are audited, and the signal handlers that record their changes.

Signals are used here (and nowhere else for business logic) because the trail must not depend on
every caller remembering to write it: a change made through any form, service or command is kept.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from opora.audit.context import current_actor
from opora.audit.models import ChangeAction, ChangeEvent

# Fields whose values are never written into the trail (only that they changed).
SECRET_FIELDS = {"password"}
# Fields that change on their own and would only add noise.
IGNORED_FIELDS = {"last_login"}

_registered: dict[type[models.Model], set[str]] = {}


def register(model: type[models.Model], *, exclude: tuple[str, ...] = ()) -> None:
    """Record every create, update and delete of ``model`` (and changes to its many-to-many fields)."""
    _registered[model] = set(exclude) | IGNORED_FIELDS
    uid = f"audit-{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}-pre", weak=False)
    post_save.connect(_record_save, sender=model, dispatch_uid=f"{uid}-post", weak=False)
    post_delete.connect(_record_delete, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        m2m_changed.connect(_record_m2m, sender=through, dispatch_uid=f"{uid}-{field.name}", weak=False)


def is_registered(model: type[models.Model]) -> bool:
    return model in _registered


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    skipped = _registered.get(type(instance), IGNORED_FIELDS)
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in skipped:
            continue
        value = field.value_from_object(instance)
        values[field.name] = "•••" if field.name in SECRET_FIELDS else _plain(value)
    return values


def _remember_before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance._state.adding or instance.pk is None:
        instance._audit_before = None  # type: ignore[attr-defined]
        return
    previous = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous else None  # type: ignore[attr-defined]


def _write(instance: models.Model, action: str, changes: dict[str, Any]) -> None:
    ChangeEvent.objects.create(
        actor=current_actor(),
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
        _write(instance, ChangeAction.CREATED, {name: [None, value] for name, value in after.items()})
        return
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value or (name in SECRET_FIELDS and _password_changed(instance))
    }
    if changes:
        _write(instance, ChangeAction.CHANGED, changes)


def _password_changed(instance: models.Model) -> bool:
    # AbstractBaseUser keeps the raw password until save when it has just been set.
    return getattr(instance, "_password", None) is not None


def _record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    _write(instance, ChangeAction.DELETED, {name: [value, None] for name, value in snapshot(instance).items()})


def _record_m2m(sender: Any, instance: models.Model, action: str, model: Any, pk_set: Any, **kwargs: Any) -> None:
    if action not in {"post_add", "post_remove", "post_clear"} or type(instance) not in _registered:
        return
    field = next(f for f in instance._meta.many_to_many if f.remote_field.through is sender)
    names = sorted(str(obj) for obj in model._base_manager.filter(pk__in=pk_set or []))
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    _write(instance, ChangeAction.CHANGED, {field.name: {verb: names}})
