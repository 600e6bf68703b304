"""How the audit trail reads to a person: labels instead of codes, names instead of ids, local time.

The one place that turns events into text, for both pages and for the exports to come: a page of events
and the names it needs go in, rows of plain strings come out. Names cost two queries for a page however
many rows it has: the organisation's staff (asked once for the filter as well) and the trail's own record
of what each other record was called when it was created. A record the trail never saw created is
"<type> #id".
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from opora.accounts.models import User
from opora.audit.models import ChangeAction, ChangeEvent, ViewEvent
from opora.audit.registry import value_labels

EMPTY = "—"


def type_key(model: type[models.Model]) -> str:
    """How a record type is named in a URL: ``cases.referral``."""
    return model._meta.label_lower


def type_label(model: type[models.Model] | None, content_type: ContentType | None = None) -> str:
    if model is not None:
        return str(capfirst(model._meta.verbose_name))
    return content_type.model if content_type is not None else EMPTY


def local_time(moment: datetime.datetime) -> str:
    """``moment`` in the project's time zone (Europe/Sofia), as 04.12.2026 19:48 whatever the request's zone."""
    return date_format(timezone.localtime(moment, timezone.get_default_timezone()), "SHORT_DATETIME_FORMAT")


def user_name(user: User | None) -> str:
    """A member of staff as the administrator knows them: the full name, with the username to tell two apart."""
    if user is None:
        return _("system")
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


@dataclass(frozen=True)
class Record:
    type: str
    label: str
    key: str  # the record type in a URL (``cases.referral``), for "this record's events"
    object_id: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeRow:
    at: datetime.datetime
    when: str
    who: str
    kind: str  # the action's code, for the template: a new record lists its values, a deleted one its last
    action: str
    record: Record
    changes: list[FieldChange]


@dataclass(frozen=True)
class ViewRow:
    at: datetime.datetime
    when: str
    who: str
    outcome: str
    record: Record | None
    path: str


class Names:
    """The names of the records a page of events mentions: staff by name and username, other records as
    the trail recorded them, anything else "<type> #id"."""

    def __init__(self, staff: Mapping[int, User], recorded: Mapping[tuple[str, str], str]) -> None:
        self.staff = staff
        self.recorded = recorded

    def of(self, model: type[models.Model], object_id: Any) -> str:
        if model is User and str(object_id).isdigit() and int(object_id) in self.staff:
            return user_name(self.staff[int(object_id)])
        name = self.recorded.get((type_key(model), str(object_id)))
        return name or f"{model._meta.verbose_name} #{object_id}"


def recorded_names(changes: QuerySet[ChangeEvent], wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """What each wanted record (type key, id) was called when the trail saw it created, in one query over the
    events the reader may see (``changes``), so that a name never comes from outside their trail."""
    ids_by_type: dict[str, set[str]] = defaultdict(set)
    for key, object_id in wanted:
        ids_by_type[key].add(object_id)
    if not ids_by_type:
        return {}
    conditions = [
        Q(content_type__app_label=key.split(".")[0], content_type__model=key.split(".")[1], object_id__in=ids)
        for key, ids in ids_by_type.items()
    ]
    found = changes.filter(reduce(or_, conditions), action=ChangeAction.CREATED).values_list(
        "content_type__app_label", "content_type__model", "object_id", "object_repr"
    )
    return {(f"{app}.{model}", object_id): name for app, model, object_id, name in found}


# --- Changes --------------------------------------------------------------------------------------------


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name) if model else None  # type: ignore[return-value]
    except FieldDoesNotExist:
        return None


def _related_model(field: models.Field | None) -> type[models.Model] | None:
    if field is not None and field.many_to_one and isinstance(field.related_model, type):
        return field.related_model
    return None


def mentioned_records(events: Iterable[ChangeEvent]) -> set[tuple[str, str]]:
    """The records (type key, id) the events' foreign-key values point at, other than staff."""
    wanted = set()
    for event in events:
        model = event.content_type.model_class()
        for name, values in event.changes.items():
            related = _related_model(_field(model, name))
            if related is None or related is User or not isinstance(values, list):
                continue
            wanted |= {(type_key(related), str(value)) for value in values if value is not None}
    return wanted


def _show(model: type[models.Model] | None, field: models.Field | None, value: Any, names: Names) -> str:
    """One stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return EMPTY
    if field is None:
        return str(value)
    related = _related_model(field)
    if related is not None:
        return names.of(related, value)
    labels = value_labels(model, field.name) if model else {}
    labels = labels or (dict(field.flatchoices) if field.choices else {})
    if isinstance(value, list):
        return ", ".join(str(labels.get(item, item) if isinstance(item, (str, int)) else item) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if not isinstance(value, dict) and value in labels:
        return str(labels[value])
    if isinstance(value, str) and isinstance(field, (models.DateTimeField, models.DateField)):
        return _moment(field, value)
    return str(value)


def _moment(field: models.Field, value: str) -> str:
    """A date or a moment the trail keeps in ISO 8601, as a date (15.03.2026) or local time."""
    try:
        if isinstance(field, models.DateTimeField):
            return local_time(datetime.datetime.fromisoformat(value))
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except ValueError:
        return value


def field_changes(event: ChangeEvent, names: Names) -> list[FieldChange]:
    """Each changed field: its translated label, before and after. A new record lists what it was given and
    a deleted one what it held, without its number (the record column shows it) and without empty fields.
    A many-to-many change reads as the records removed (before) and added (after)."""
    model = event.content_type.model_class()
    rows = []
    for name, values in event.changes.items():
        field = _field(model, name)
        label = str(capfirst(field.verbose_name)) if field is not None else name
        if isinstance(values, dict):
            removed = values.get("removed") or values.get("cleared") or []
            rows.append(FieldChange(label, ", ".join(removed) or EMPTY, ", ".join(values.get("added", [])) or EMPTY))
            continue
        before, after = (_show(model, field, value, names) for value in values)
        if event.action != ChangeAction.CHANGED and (
            (field is not None and field.primary_key)
            or (after if event.action == ChangeAction.CREATED else before) == EMPTY
        ):
            continue
        rows.append(FieldChange(label, before, after))
    return rows


def change_rows(events: list[ChangeEvent], names: Names) -> list[ChangeRow]:
    return [
        ChangeRow(
            at=event.at,
            when=local_time(event.at),
            who=user_name(event.actor),
            kind=event.action,
            action=event.get_action_display(),
            record=_record(event.content_type, event.object_id, event.object_repr),
            changes=field_changes(event, names),
        )
        for event in events
    ]


def _record(content_type: ContentType, object_id: str, label: str) -> Record:
    model = content_type.model_class()
    key = type_key(model) if model else f"{content_type.app_label}.{content_type.model}"
    return Record(type=type_label(model, content_type), label=label, key=key, object_id=object_id)


# --- Views ----------------------------------------------------------------------------------------------


def looked_at(events: Iterable[ViewEvent]) -> set[tuple[str, str]]:
    return {
        (type_key(model), event.object_id)
        for event in events
        if event.content_type is not None and (model := event.content_type.model_class()) is not None
    }


def view_rows(events: list[ViewEvent], names: Names) -> list[ViewRow]:
    rows = []
    for event in events:
        record = None
        if event.content_type is not None:
            model = event.content_type.model_class()
            label = names.of(model, event.object_id) if model else f"#{event.object_id}"
            record = _record(event.content_type, event.object_id, label)
        rows.append(
            ViewRow(
                at=event.at,
                when=local_time(event.at),
                who=user_name(event.actor),
                outcome=event.get_outcome_display(),
                record=record,
                path=event.path,
            )
        )
    return rows
