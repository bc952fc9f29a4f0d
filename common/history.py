"""Reading the change history that django-simple-history records: who made a change, and which
fields differ between two versions of a record.

No domain here. Each reader (the admin's recent changes, the overview's "changed in the last 7
days", the initiative page's history, the digests) decides which records to read and how to word
them; this module answers the questions they all ask the same way.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _

# The values of a historical record's `history_type`.
CREATED = "+"
CHANGED = "~"
DELETED = "-"

EMPTY = "—"  # how a missing value reads
DISPLAY_LIMIT = 80  # characters of a value shown, the ellipsis included


def who(record, *, username: bool = False) -> str:
    """Who made the historical record: the user's full name (or username when it has none), or
    "the system" for a change no user made (a command, an import, the engine).

    `username=True` answers with the username, and "(system)", as the admin's recent changes list
    them next to a "changed by" filter of usernames. Select `history_user` with the records.
    """
    user = record.history_user
    if user is None:
        return _("(system)") if username else _("the system")
    if username:
        return user.get_username()
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field whose value differs between two versions of a record.

    As field_changes() returns it, `field` is the field's attname and `old` and `new` the stored
    values; described() puts it in words (the field's verbose name, the values as shown). `when`
    and `user` tell which version made the change, for readers that gather the changes of many
    versions in one list.
    """

    field: str
    old: object
    new: object
    when: datetime.datetime | None = None
    user: str = ""


def _value(version, name: str):
    """A field of a version: a historical record, or a row of `.values()` (a dict)."""
    return version[name] if isinstance(version, Mapping) else getattr(version, name)


def field_changes(older, newer, *, fields: Iterable[str] | None = None, user: str = "") -> list[FieldChange]:
    """The fields whose values differ from `older` to `newer`, two versions of the same record.

    The versions are historical records, or rows of `.values()` on the history model (the cheap
    form for reading thousands of them). With `fields` (attnames), only those are compared, in the
    order given. Without, every field simple-history tracks is, many-to-many ones included (this
    reads their history tables), in name order; that needs historical records. Each change carries
    the `history_date` of `newer` and the given `user`.
    """
    when = _value(newer, "history_date")
    if fields is None:
        delta = newer.diff_against(older, foreign_keys_are_objs=False)
        return [FieldChange(change.field, change.old, change.new, when, user) for change in delta.changes]
    changes = []
    for name in fields:
        old, new = _value(older, name), _value(newer, name)
        if old != new:
            changes.append(FieldChange(name, old, new, when, user))
    return changes


def display_value(field, value) -> str:
    """A stored value of `field` as a reader sees it: a choice's label, yes or no, "#id" for a
    related row given by its id (its name when given the row), many-to-many rows joined, long text
    cut short; EMPTY for nothing."""
    if value is None or value == "":
        return EMPTY
    if field.many_to_many:
        return ", ".join(str(row) for row in value) or EMPTY
    labels = dict(field.flatchoices) if field.choices else {}
    if labels and value in labels:
        return str(labels[value])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field.is_relation and not isinstance(value, models.Model):
        return f"#{value}"
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.strftime("%d.%m.%Y")  # as the pages show dates, in both languages
    text = str(value)
    return text if len(text) <= DISPLAY_LIMIT else text[: DISPLAY_LIMIT - 1] + "…"


def described(change: FieldChange, model) -> FieldChange:
    """The change in words: the field's verbose name, and the values as display_value() shows them."""
    field = model._meta.get_field(change.field)
    return FieldChange(
        str(field.verbose_name),
        display_value(field, change.old),
        display_value(field, change.new),
        change.when,
        change.user,
    )
