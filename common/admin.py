"""Admin helpers with no domain: a ModelAdmin scoped to the rows a user may see and change.

Which rows those are is the models' own answer (`Model.objects.visible_to(user)`,
`obj.is_editable_by(user)`), so the admin, imports, exports, pages and the API ask the same
question the same way (NetBox's RestrictedQuerySet idea).
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .roles import is_secretariat

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


class ScopedAdminMixin:
    """A ModelAdmin limited to the rows the user may see, with per-object edit rights.

    By default the rows are the model QuerySet's `visible_to(user)` and an object is changeable
    when `obj.is_editable_by(user)`; subclasses may narrow either. Everything the admin
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
        if is_secretariat(request.user):
            return queryset
        return self.scope_queryset(request, queryset)

    def is_in_scope(self, request, obj) -> bool:
        if is_secretariat(request.user):
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
