"""The version of a record as an edit form opened it, and what others saved since: read from the
history django-simple-history keeps, so a form can refuse to save over changes it never showed.

No domain here. A version covers the record and the rows that hang off it (an admin's inlines):
the newest history id of each. Every save through the ORM leaves a history record, deletions too,
so any change to the record or to one of those rows gives a new version; and the same records
tell who changed what since, and what the form showed when it was opened.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models, router, transaction
from django.db.models import Subquery
from django.db.transaction import TransactionManagementError

from .history import CHANGED, CREATED, DELETED, FieldChange, described, field_changes, who


def history_model(model: type[models.Model]) -> type[models.Model]:
    """The model of `model`'s historical records."""
    return getattr(model, model._meta.simple_history_manager_attribute).model


@dataclass(frozen=True)
class Tracked:
    """Rows whose history is part of a record's version: the record itself (`link` is its primary
    key), or the rows whose `link` (an attname, e.g. "initiative_id") holds the record's key."""

    model: type[models.Model]
    link: str

    @classmethod
    def record(cls, model: type[models.Model]) -> "Tracked":
        return cls(model, model._meta.pk.attname)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def version_of(record: models.Model, tracked: Sequence[Tracked]) -> str:
    """The record's version now, as a string a form carries: the newest history id of each tracked
    kind of row, e.g. "initiatives.initiative:41,initiatives.milestone:0". One query."""
    newest = {
        f"v{index}": Subquery(
            history_model(part.model)
            .objects.filter(**{part.link: record.pk})
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        for index, part in enumerate(tracked)
    }
    row = type(record)._default_manager.filter(pk=record.pk).order_by().values(**newest).first() or {}
    return ",".join(f"{part.label}:{row.get(f'v{index}') or 0}" for index, part in enumerate(tracked))


def parse_version(text: str | None) -> dict[str, int] | None:
    """The newest history id per model label in a version string; None when it is not one."""
    if not text:
        return None
    version = {}
    for item in text.split(","):
        label, _, number = item.rpartition(":")
        if not label or not (number.isascii() and number.isdigit()):
            return None
        version[label] = int(number)
    return version


def lock(record: models.Model, tracked: Sequence[Tracked]) -> None:
    """Hold the record's row and its tracked rows until the transaction ends, so that two saves
    of them run one after the other and the second reads the version the first left: whether both
    come through this record's form, or one through a form of one of its rows (an inline row's own
    admin page). PostgreSQL's SELECT ... FOR NO KEY UPDATE (the lock an UPDATE takes, so a row
    added under the record meanwhile is not held up). SQLite has no row locks; the embedded
    default takes the whole database for each transaction instead (settings: transaction_mode
    IMMEDIATE), which serialises the saves as well."""
    using = router.db_for_write(type(record))
    if not transaction.get_connection(using).in_atomic_block:
        # Outside a transaction the lock would end with the query; say so on SQLite too, where
        # Django itself would not notice.
        raise TransactionManagementError("A version check must run inside transaction.atomic().")
    for part in tracked:  # the record first, always: a fixed order, so no two saves deadlock
        rows = part.model._default_manager.using(using).filter(**{part.link: record.pk})
        # order_by(): no default ordering's join, which PostgreSQL would refuse to lock.
        list(rows.select_for_update(no_key=True).order_by().values_list("pk"))


@dataclass(frozen=True)
class Edit:
    """A historical record saved after the version a form opened, with the record of the same row
    before it (None for a row added since)."""

    model: type[models.Model]
    record: models.Model
    previous: models.Model | None


def edits_since(record: models.Model, tracked: Sequence[Tracked], opened: dict[str, int]) -> list[Edit]:
    """Every history record of the record and its tracked rows newer than the `opened` version,
    oldest first. Read only when a form turns out to be stale: a query per kind and per row changed."""
    edits = []
    for part in tracked:
        history = history_model(part.model)
        pk_name = part.model._meta.pk.attname
        opened_id = opened.get(part.label, 0)
        since = list(
            history.objects.filter(**{part.link: record.pk, "history_id__gt": opened_id})
            .select_related("history_user")
            .order_by("history_id")
        )
        previous = {}
        for historical in since:
            row = getattr(historical, pk_name)
            if row not in previous:
                previous[row] = (
                    history.objects.filter(**{pk_name: row, "history_id__lte": opened_id}).order_by("-history_id").first()
                )
            edits.append(Edit(part.model, historical, previous[row]))
            previous[row] = historical
    edits.sort(key=lambda edit: edit.record.history_date)
    return edits


def described_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a change is told in: those simple-history compares (editable ones, and the
    many-to-many ones it tracks)."""
    history = history_model(model)
    return [
        *(field for field in history.tracked_fields if field.editable and not field.primary_key),
        *sorted(history._history_m2m_fields, key=lambda field: field.name),
    ]


def state(historical: models.Model, model: type[models.Model]) -> dict[str, object]:
    """A row as a historical record saved it, by field name: foreign keys as ids, many-to-many
    fields as sorted lists of ids (as a form's initial data has them); and the record's
    `history_date`, which common.history.field_changes() dates a change by."""
    values: dict[str, object] = {"history_date": historical.history_date}
    for field in described_fields(model):
        if field.many_to_many:
            related = getattr(historical, field.name).values_list(field.m2m_reverse_field_name(), flat=True)
            values[field.name] = sorted(related)
        else:
            values[field.name] = getattr(historical, field.attname)
    return values


def with_related_rows(model: type[models.Model], values: dict[str, object]) -> dict[str, object]:
    """The values with related ids replaced by the rows, so a change reads "Aarhus Kommune", not "#7";
    a row since deleted stays an id."""
    named = dict(values)
    for field in described_fields(model):
        value = values.get(field.name)
        if field.many_to_many:
            rows = field.related_model._default_manager.in_bulk(value) if value else {}
            named[field.name] = [rows.get(pk, f"#{pk}") for pk in value or ()]
        elif field.is_relation and value is not None:
            named[field.name] = field.related_model._default_manager.filter(pk=value).first() or value
    return named


@dataclass(frozen=True)
class EditInWords:
    """An edit as a reader sees it: which row, what happened to it, the field changes in words
    (common.history.described), who and when."""

    model: type[models.Model]
    row: str  # the row as str() shows it
    action: str  # common.history's CREATED, CHANGED or DELETED
    changes: list[FieldChange]
    user: str
    when: datetime.datetime


def in_words(edit: Edit, *, skip: Sequence[str] = ()) -> EditInWords:
    """The edit told field by field (leaving out the fields in `skip`, e.g. the link to the record)."""
    record, previous, model = edit.record, edit.previous, edit.model
    changes = []
    if record.history_type == CHANGED and previous is not None:
        names = [field.name for field in described_fields(model) if field.name not in skip]
        older, newer = with_related_rows(model, state(previous, model)), with_related_rows(model, state(record, model))
        changes = [described(change, model) for change in field_changes(older, newer, fields=names)]
    # A changed row is named as the form showed it, before the change.
    named_as = previous if record.history_type == CHANGED and previous is not None else record
    try:
        row = str(named_as.instance)
    except models.ObjectDoesNotExist:
        row = f"#{getattr(record, model._meta.pk.attname)}"
    action = record.history_type if record.history_type in (CREATED, CHANGED, DELETED) else CHANGED
    return EditInWords(model, row, action, changes, who(record), record.history_date)
