"""Admin helpers with no domain: a ModelAdmin scoped to the rows a user may see and change, and
change forms that refuse to overwrite what someone else saved after they were opened.

Which rows those are is the models' own answer (`Model.objects.visible_to(user)`,
`obj.is_editable_by(user)`), so the admin, imports, exports, pages and the API ask the same
question the same way (NetBox's RestrictedQuerySet idea).
"""

import functools

from django import forms
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection, models, router, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .forms import VERSION_FIELD, TheirsBoundField, VersionCheckedForm, keep_theirs_in_rows
from .roles import is_secretariat, reads_everything
from .versions import Tracked

# ModelAdmin.formfield_overrides for models with URL fields: a URL typed without a scheme gets
# https:// (Django 6's default; saying so now also silences the RemovedInDjango60Warning).
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class SafeChangeList(ChangeList):
    """A change list whose date drill-down refuses impossible dates as bad parameters.

    Django turns `?date__year=…` into a datetime and catches only ValueError there: a year of 20
    digits overflows, and year 9999 overflows when the next year is computed. Either is a bad
    address, answered like any other unknown filter (the list, with "?e=1"), not a server error.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


def is_key_of(field: models.Field, value) -> bool:
    """Whether `value` can be a key of the rows `field` (a relation) points at: the right type and,
    for a number, within the database's range. Garbage is answered as "no such row"."""
    remote = field.remote_field
    target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
    try:
        key = target.get_prep_value(target.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    if isinstance(key, int):
        low, high = connection.ops.integer_field_range(target.get_internal_type())
        return (low is None or key >= low) and (high is None or key <= high)
    return True


class _KnownKeysOnly:
    """Django's autocomplete widgets look the posted values up as given when a form is shown again
    with its errors: a value that is no key (garbage posted) raised ValueError, a server error."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if is_key_of(self.field, v)], attr)


class KeyCheckedAutocompleteSelect(_KnownKeysOnly, AutocompleteSelect):
    pass


class KeyCheckedAutocompleteSelectMultiple(_KnownKeysOnly, AutocompleteSelectMultiple):
    pass


class KeyCheckedAutocompleteMixin:
    """For a ModelAdmin or inline with `autocomplete_fields`: their widgets survive garbage."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def autocomplete_source(request) -> tuple[str, str, str] | None:
    """(app_label, model_name, field_name) when the request is the admin's autocomplete view."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "autocomplete":
        return None
    return (
        request.GET.get("app_label", ""),
        request.GET.get("model_name", ""),
        request.GET.get("field_name", ""),
    )


class ScopedAdminMixin(KeyCheckedAutocompleteMixin):
    """A ModelAdmin limited to the rows the user may see, with per-object edit rights.

    By default the rows are the model QuerySet's `visible_to(user)` (every row for the secretariat
    and its readers) and an object is changeable when `obj.is_editable_by(user)`; subclasses may
    narrow either. Everything the admin
    builds on get_queryset — change lists, filters' counts, exports, bulk actions — follows;
    the object views, history views and deletes check the object itself.
    """

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        return queryset.visible_to(request.user)

    def can_edit(self, request, obj) -> bool:
        return obj.is_editable_by(request.user)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if reads_everything(request.user):
            return queryset
        return self.scope_queryset(request, queryset)

    def is_in_scope(self, request, obj) -> bool:
        if reads_everything(request.user):
            return True
        return self.scope_queryset(request, self.model._default_manager.filter(pk=obj.pk)).exists()

    def get_object(self, request, object_id, from_field=None):
        # Django would redirect to the index with "does not exist"; an object out of scope is
        # answered with 404, exactly like one that does not exist, so its existence does not leak.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such record, or not one you may see."))
        return obj

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.is_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or is_secretariat(request.user) or self.can_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or is_secretariat(request.user) or self.can_edit(request, obj)

    def delete_queryset(self, request, queryset):
        # Bulk "delete selected": every row must be the user's to delete, or none is deleted.
        if not is_secretariat(request.user):
            refused = [obj for obj in queryset if not self.has_delete_permission(request, obj)]
            if refused:
                raise PermissionDenied
        super().delete_queryset(request, queryset)

    # django-simple-history: the history list falls back to the last historical record when
    # the object is not in get_queryset() (e.g. deleted). For a coordinator that fallback would
    # show another authority's history, so the object must be in scope now.
    def history_view(self, request, object_id, extra_context=None):
        if not is_secretariat(request.user):
            self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not is_secretariat(request.user):
            self.get_object(request, unquote(object_id))
            if request.method == "POST":
                # Reverting is the secretariat's: a revert can rewrite fields a coordinator's
                # form would never offer.
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return not is_secretariat(request.user) or super().revert_disabled(request, obj)


@functools.cache
def showing_theirs(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """The form class, with fields that can show what someone else saved (common.forms.keep_theirs)."""
    return type(form_class.__name__, (form_class,), {"bound_field_class": TheirsBoundField, "__module__": form_class.__module__})


class VersionCheckedAdminMixin:
    """Change forms, inlines included, that never overwrite silently (common.forms.VersionCheckedForm).

    The form carries the version of the record and of its inline rows as it was opened; a save
    after someone else's is refused with what they changed, their values put into the fields the
    user left alone, so that saving again keeps both. Every inline's model must keep history.
    Put it before the ModelAdmin base (its history_form_view runs in a transaction).
    """

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # On the instance, wrapping whatever form the admin declares (ModelAdmin.form included).
        self.form = type(
            self.form.__name__,
            (VersionCheckedForm, self.form),
            {"version_tracked": self.version_tracked(), "__module__": self.form.__module__},
        )

    def version_tracked(self) -> tuple[Tracked, ...]:
        """The inline rows whose changes make a change form stale: each inline's rows of the record."""
        tracked = []
        for inline in self.inlines:
            if not hasattr(inline.model._meta, "simple_history_manager_attribute"):
                raise ImproperlyConfigured(f"{inline.__name__}: a version-checked admin's inline model must keep history.")
            [link] = [
                field
                for field in inline.model._meta.fields
                if field.many_to_one and field.related_model is self.model and inline.fk_name in (None, field.name)
            ]
            tracked.append(Tracked(inline.model, link.attname))
        return tuple(tracked)

    def get_fieldsets(self, request, obj=None):
        # The version goes in a fieldset of its own, hidden, and only on a form that can be saved:
        # a view-only form would list it as a read-only field of the model, which it is not.
        fieldsets = [
            (name, {**options, "fields": [line for line in options["fields"] if line != VERSION_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None and self.has_change_permission(request, obj):
            fieldsets.append((None, {"fields": [VERSION_FIELD], "classes": ["hidden"]}))
        return fieldsets

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            # So that a refused form's inline rows can show what someone else saved in them.
            inline.form = showing_theirs(inline.form)
        return inlines

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        edits = getattr(context["adminform"].form, "edits_since_opened", None)
        if edits:
            for inline_admin_formset in context.get("inline_admin_formsets", []):
                keep_theirs_in_rows(inline_admin_formset.formset, edits)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting saves through the same version-checked form, whose lock needs a transaction
        # (the change form's view has one; simple-history's revert view does not).
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)
