"""Which rows a staff user may see and touch: the secretariat everything, a coordinator their own.

Model permissions (portfolio/roles.py) say *what kind* of record a coordinator may edit; the
functions here say *which rows*. The admin (ScopedAdminMixin), the import resources and the
view-on-site redirect all ask these same functions, so no path answers differently.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from portfolio.roles import SECRETARIAT


def is_secretariat(user) -> bool:
    """Superusers and members of the Secretariat group see and edit everything."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_secretariat", None)
    if cached is None:
        # Cached on the request's user object: asked many times per admin page.
        cached = user.groups.filter(name=SECRETARIAT).exists()
        user._is_secretariat = cached
    return cached


def coordinated_authority_ids(user) -> frozenset[int]:
    """The ids of the authorities the user coordinates (empty for anyone else)."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    cached = getattr(user, "_coordinated_authority_ids", None)
    if cached is None:
        from authorities.models import Coordinator

        cached = frozenset(Coordinator.objects.filter(user=user).values_list("authority_id", flat=True))
        user._coordinated_authority_ids = cached
    return cached


# --- Initiatives -------------------------------------------------------------------------------


def initiatives_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Initiatives a coordinator's authorities lead or take part in (all for the secretariat)."""
    from initiatives.models import Initiative, Participation

    queryset = Initiative.objects.all() if queryset is None else queryset
    if is_secretariat(user):
        return queryset
    ids = coordinated_authority_ids(user)
    # EXISTS rather than a join: no duplicate rows, so no DISTINCT that would break ordering.
    takes_part = Participation.objects.filter(initiative=OuterRef("pk"), authority_id__in=ids)
    return queryset.filter(Q(lead_id__in=ids) | Exists(takes_part))


def initiatives_led_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """Initiatives a coordinator may edit: those their authorities lead."""
    from initiatives.models import Initiative

    queryset = Initiative.objects.all() if queryset is None else queryset
    if is_secretariat(user):
        return queryset
    return queryset.filter(lead_id__in=coordinated_authority_ids(user))


def can_edit_initiative(user, initiative) -> bool:
    return is_secretariat(user) or initiative.lead_id in coordinated_authority_ids(user)


# --- Participations, milestones, dependencies -----------------------------------------------------


def participations_visible_to(user, queryset: QuerySet) -> QuerySet:
    if is_secretariat(user):
        return queryset
    return queryset.filter(initiative__in=initiatives_visible_to(user).values("pk"))


def can_edit_participation(user, participation) -> bool:
    """The lead coordinator edits every participation; a participant edits its own row."""
    if is_secretariat(user):
        return True
    ids = coordinated_authority_ids(user)
    return participation.initiative.lead_id in ids or participation.authority_id in ids


def milestones_visible_to(user, queryset: QuerySet) -> QuerySet:
    if is_secretariat(user):
        return queryset
    return queryset.filter(initiative__in=initiatives_visible_to(user).values("pk"))


def can_edit_milestone(user, milestone) -> bool:
    return is_secretariat(user) or milestone.initiative.lead_id in coordinated_authority_ids(user)


def dependencies_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Dependencies *of* initiatives the user sees; the target may belong to anyone."""
    if is_secretariat(user):
        return queryset
    return queryset.filter(source__in=initiatives_visible_to(user).values("pk"))


def can_edit_dependency(user, dependency) -> bool:
    return is_secretariat(user) or dependency.source.lead_id in coordinated_authority_ids(user)


# --- Authorities -----------------------------------------------------------------------------------


def authorities_visible_to(user, queryset: QuerySet) -> QuerySet:
    if is_secretariat(user):
        return queryset
    return queryset.filter(pk__in=coordinated_authority_ids(user))


def can_edit_authority(user, authority) -> bool:
    return is_secretariat(user) or authority.pk in coordinated_authority_ids(user)


# --- The admin ---------------------------------------------------------------------------------------


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

    Subclasses define `scope_queryset(request, queryset)` (rows the user may see) and
    `can_edit(request, obj)` (may the user change or delete this row). Everything the admin
    builds on get_queryset — change lists, filters' counts, exports, bulk actions — follows;
    the object views, history views and deletes check the object itself.
    """

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError

    def can_edit(self, request, obj) -> bool:
        raise NotImplementedError

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
