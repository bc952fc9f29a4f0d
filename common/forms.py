"""Edit forms that never overwrite silently: a form refuses to save over what someone else saved
after it was opened (a lost update), tells the user what that was, and shows it in the form so
that saving again keeps both people's changes.

No domain here. The version and the changes are read from the history (common.versions); which
rows besides the record count (an admin's inlines) is the caller's to say.
"""

from collections.abc import Mapping, Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .history import CREATED, DELETED, display_value, who
from .versions import (
    Edit,
    EditInWords,
    Tracked,
    edits_since,
    in_words,
    lock,
    parse_version,
    state,
    version_of,
    with_related_rows,
)

VERSION_FIELD = "opened_version"


class VersionField(forms.CharField):
    """The version of the record the form was opened on, carried in a hidden input."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data) -> bool:
        # Not a change to the record: it stays out of the admin's "Changed …" history messages.
        return False


class TheirsBoundField(BoundField):
    """A field showing what someone else saved (the form's `kept_theirs`, set by keep_theirs())
    instead of the submitted value, in a refused form whose user had left that field alone."""

    def value(self):
        kept = getattr(self.form, "kept_theirs", None) or {}
        if self.name in kept:
            return self.field.prepare_value(kept[self.name])
        return super().value()


def keep_theirs(form: forms.BaseForm, *, opened: Mapping, current: Mapping) -> list[str]:
    """Put into a refused form what someone else saved in each field the user left as it was.

    `opened` and `current` are the row as the form was opened and as it is now (common.versions.state).
    Returns the fields both changed, to different values: those keep the user's value.
    """
    kept = form.__dict__.setdefault("kept_theirs", {})
    both = []
    for name, field in form.fields.items():
        if field.disabled or name not in opened or opened[name] == current.get(name):
            continue
        submitted = form[name].data
        if not field.has_changed(opened[name], submitted):
            kept[name] = current[name]
        elif field.has_changed(current[name], submitted):
            both.append(name)
    return both


def _when(moment) -> str:
    # As the pages write dates (dd.mm.yyyy), in both languages.
    return formats.date_format(timezone.localtime(moment), "d.m.Y H:i")


def _edit_lines(edit: EditInWords, *, is_record: bool) -> list[str]:
    """An edit as lines of the refusal: one per field changed, or one for a row added or deleted."""
    params = {"model": edit.model._meta.verbose_name, "row": edit.row, "who": edit.user, "when": _when(edit.when)}
    if edit.action == CREATED:
        return [_("%(model)s “%(row)s” added (%(who)s, %(when)s)") % params]
    if edit.action == DELETED:
        if is_record:
            return [_("The %(model)s was deleted (%(who)s, %(when)s)") % params]
        return [_("%(model)s “%(row)s” deleted (%(who)s, %(when)s)") % params]
    lines = []
    for change in edit.changes:
        field = {**params, "field": change.field, "old": change.old, "new": change.new}
        if is_record:
            lines.append(_("%(field)s: “%(old)s” → “%(new)s” (%(who)s, %(when)s)") % field)
        else:
            lines.append(_("%(model)s “%(row)s”, %(field)s: “%(old)s” → “%(new)s” (%(who)s, %(when)s)") % field)
    return lines


def refusal_messages(edits: Sequence[Edit], tracked: Sequence[Tracked]) -> list[str]:
    """What the user reads when a stale form is refused: what happened, what to do, and what
    others changed since the form was opened (field, old → new, who, when)."""
    record = tracked[0]
    links = {part.model: part.model._meta.get_field(part.link).name for part in tracked[1:]}
    lines = []
    for edit in edits:
        is_record = edit.model is record.model
        words = in_words(edit, skip=() if is_record else (links.get(edit.model, ""),))
        lines.extend(_edit_lines(words, is_record=is_record))
    headline = _(
        "Not saved: someone else saved this %(model)s after you opened it. Their changes, listed below, "
        "are now in the form wherever you had not changed the field yourself; your own changes are kept. "
        "Check the form and save again to keep both."
    ) % {"model": record.model._meta.verbose_name}
    if not lines:
        lines = [_("They saved it without changing a field this form shows.")]
    return [headline, *lines]


def _also_changed(model, name: str, current: Mapping, who: str) -> str:
    """The error next to a field both changed: whose value the form no longer shows."""
    theirs = with_related_rows(model, {name: current[name]})[name]
    return _(
        "%(who)s changed this to “%(theirs)s” after you opened the form. Your value is kept here and "
        "replaces theirs if you save again."
    ) % {"who": who, "theirs": display_value(model._meta.get_field(name), theirs)}


def keep_theirs_in_rows(formset: forms.BaseFormSet, edits: Sequence[Edit]) -> None:
    """keep_theirs() for each row of a refused form's formset (an admin inline) that someone else
    changed since the form was opened; a field both changed says so next to it."""
    model = formset.model
    rows: dict[object, tuple[Edit, Edit]] = {}
    for edit in edits:
        if edit.model is model:
            pk = getattr(edit.record, model._meta.pk.attname)
            rows[pk] = (rows.get(pk, (edit, edit))[0], edit)
    for form in formset.initial_forms:
        first, last = rows.get(form.instance.pk, (None, None))
        if first is None or first.previous is None or last.record.history_type == DELETED:
            continue
        opened, current = state(first.previous, model), state(last.record, model)
        for name in keep_theirs(form, opened=opened, current=current):
            form.add_error(name, _also_changed(model, name, current, who(last.record)))


class VersionCheckedForm(forms.ModelForm):
    """A ModelForm that refuses to save over changes saved since it was opened (issue 12).

    The form carries the record's version (common.versions) in a hidden field. On saving, under a
    lock on the record's row, a different version means someone else saved in between: the form
    is invalid, so nothing is saved, and it says what they changed, shows their values in the
    fields the user left alone, and carries the new version, so that saving again keeps both.
    `version_tracked` names the rows besides the record that count (an admin's inline rows). The
    form must be validated inside transaction.atomic(), which the lock lasts (the admin's are).
    """

    opened_version = VersionField()
    bound_field_class = TheirsBoundField
    version_tracked: Sequence[Tracked] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_theirs: dict[str, object] = {}
        # None while the form is not refused as stale; the edits since it was opened when it is.
        self.edits_since_opened: list[Edit] | None = None
        if self._is_existing() and not self.is_bound:
            self.initial[VERSION_FIELD] = version_of(self.instance, self.tracked())

    def _is_existing(self) -> bool:
        return self.instance.pk is not None and not self.instance._state.adding

    def tracked(self) -> tuple[Tracked, ...]:
        return (Tracked.record(self._meta.model), *self.version_tracked)

    def clean(self):
        cleaned = super().clean()
        if self._is_existing():
            self._refuse_if_stale()
        return cleaned

    def _refuse_if_stale(self) -> None:
        tracked = self.tracked()
        lock(self.instance, tracked)
        # Read after the lock, in a statement of its own: on PostgreSQL it then sees whatever the
        # save that held the lock before us committed.
        current = version_of(self.instance, tracked)
        submitted = self.data.get(self.add_prefix(VERSION_FIELD))
        if submitted == current:
            return
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION_FIELD)] = current  # saving again applies on top of now
        opened = parse_version(submitted)
        if opened is None:
            raise ValidationError(
                _(
                    "Not saved: the form did not say which version of this %(model)s it was opened on, so "
                    "changes others saved since cannot be told apart from yours. Reload the page to see the "
                    "current version, or save again to keep the values in the form."
                ) % {"model": self._meta.model._meta.verbose_name},
                code="version_missing",
            )
        self.edits_since_opened = edits = edits_since(self.instance, tracked, opened)
        own = [edit for edit in edits if edit.model is self._meta.model]
        if own and own[0].previous is not None and own[-1].record.history_type != DELETED:
            model = self._meta.model
            opened_state, current_state = state(own[0].previous, model), state(own[-1].record, model)
            for name in keep_theirs(self, opened=opened_state, current=current_state):
                self.add_error(name, _also_changed(model, name, current_state, who(own[-1].record)))
        raise ValidationError(refusal_messages(edits, tracked), code="stale")
