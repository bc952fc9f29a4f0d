"""The admin site: scoped autocomplete and view-on-site, and the secretariat's recent-changes page.

Installed in place of django.contrib.admin (INSTALLED_APPS names admin_apps.PortfolioAdminConfig), so every
`@admin.register` lands here.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import get_user_model
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accesslog.models import Purpose
from accesslog.services import access_record
from authorities.models import Authority, coordinated_authority_ids
from common.history import CHANGED, CREATED, DELETED, FieldChange, described, field_changes, who
from common.roles import is_secretariat, reads_everything
from nemlogin.services import admin_refusal_record
from nemlogin.views import single_logout_redirect

# Apps whose models are portfolio data; each has `history = HistoricalRecords()`.
# NemLog-in's privilege mappings too: a mapping decides who gets which rights.
HISTORY_APPS = ("authorities", "strategies", "initiatives", "digests", "nemlogin")
RECENT_CHANGES_LIMIT = 100


class ScopedAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete answers that show what a choice needs: an initiative's code, title and lead."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


@dataclass
class RecentChange:
    """One historical record, flattened for the recent-changes table."""

    when: datetime.datetime
    user: str
    action: str
    model: str
    object_repr: str
    history_url: str | None
    changes: list[FieldChange]  # in words, by common.history.described()
    reason: str


ACTIONS = {CREATED: gettext_lazy("Created"), CHANGED: gettext_lazy("Changed"), DELETED: gettext_lazy("Deleted")}


def history_models() -> list:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in HISTORY_APPS and hasattr(model._meta, "simple_history_manager_attribute")
    ]


def related_for_str(tracked) -> list[str]:
    """The relations a record's str() may follow, two levels deep: a participation names its
    initiative with the initiative's strategy ("4.2 · 2022–25")."""
    relations = []
    for field in tracked._meta.concrete_fields:
        if field.is_relation:
            relations.append(field.name)
            relations += [
                f"{field.name}__{inner.name}"
                for inner in field.related_model._meta.concrete_fields
                if inner.is_relation and inner.many_to_one
            ]
    return relations


def recent_changes(*, model=None, user_id: int | None = None, limit: int = RECENT_CHANGES_LIMIT) -> list[RecentChange]:
    """The latest historical records across the portfolio models, each with its field diff.

    Two queries per model whatever the history's size: the latest records with the id of the
    record before each (a subquery), then those previous records.
    """
    records = []
    for tracked in [model] if model else history_models():
        history = tracked.history.model
        pk_name = tracked._meta.pk.attname
        previous = history.objects.filter(
            **{pk_name: OuterRef(pk_name)}, history_date__lt=OuterRef("history_date")
        ).order_by("-history_date", "-history_id")
        relations = related_for_str(tracked)
        latest = history.objects.select_related("history_user", *relations).annotate(
            previous_history_id=Subquery(previous.values("history_id")[:1])
        )
        if user_id is not None:
            latest = latest.filter(history_user_id=user_id)
        page = list(latest.order_by("-history_date", "-history_id")[:limit])
        previous_ids = [record.previous_history_id for record in page if record.previous_history_id]
        before = history.objects.in_bulk(previous_ids) if previous_ids else {}
        records.extend((tracked, record, before.get(record.previous_history_id)) for record in page)

    records.sort(key=lambda item: item[1].history_date, reverse=True)
    return [_recent_change(tracked, record, previous) for tracked, record, previous in records[:limit]]


def _recent_change(tracked, record, previous) -> RecentChange:
    opts = tracked._meta
    changes = []
    if previous is not None and record.history_type == CHANGED:
        changes = [described(change, tracked) for change in field_changes(previous, record)]
    try:
        history_url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_history", args=[getattr(record, opts.pk.attname)]
        )
    except NoReverseMatch:
        history_url = None
    return RecentChange(
        when=record.history_date,
        user=who(record, username=True),
        action=str(ACTIONS.get(record.history_type, record.history_type)),
        model=str(opts.verbose_name),
        object_repr=_history_repr(tracked, record),
        history_url=history_url,
        changes=changes,
        reason=record.history_change_reason or "",
    )


def _history_repr(tracked, record) -> str:
    """str() of the object as it was, with its related rows taken from the select_related join
    (so the page runs a fixed number of queries); "#id" when a related row has since gone."""
    instance = record.instance
    try:
        for field in tracked._meta.concrete_fields:
            if field.is_relation:
                setattr(instance, field.name, getattr(record, field.name))
        return str(instance)
    except (ObjectDoesNotExist, AttributeError, ValueError, TypeError):
        return f"#{getattr(record, tracked._meta.pk.attname)}"


class RecordedAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, whose one refusal after a right password (a user who is not staff) goes into
    the login record like every other refusal."""

    def confirm_login_allowed(self, user):
        try:
            super().confirm_login_allowed(user)
        except ValidationError:
            admin_refusal_record(user=user)
            raise


class PortfolioAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Strategy portfolio administration")
    login_form = RecordedAdminAuthenticationForm
    # The sidebar took a quarter of a 1366 px screen from the change lists; the breadcrumbs and
    # the index lead everywhere it did.
    enable_nav_sidebar = False
    site_title = gettext_lazy("Strategy portfolio")
    index_title = gettext_lazy("Records")

    def get_urls(self):
        urls = [
            path("recent-changes/", self.admin_view(self.recent_changes_view), name="recent_changes"),
            # Replaces Django's own view-on-site redirect: that one does not ask who is asking.
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.scoped_view_on_site),
                name="view_on_site",
            ),
        ]
        return urls + super().get_urls()

    def autocomplete_view(self, request):
        return ScopedAutocompleteJsonView.as_view(admin_site=self)(request)

    def logout(self, request, extra_context=None):
        # After a NemLog-in login, the admin's "Log out" ends the NemLog-in session too.
        return single_logout_redirect(request) or super().logout(request, extra_context)

    def each_context(self, request):
        context = super().each_context(request)
        context["is_secretariat"] = is_secretariat(request.user)
        context["reads_everything"] = reads_everything(request.user)
        if request.user.is_authenticated and not context["is_secretariat"]:
            # Said beside the user's name: whose records this admin shows and changes.
            context["coordinated_authorities"] = [
                authority.name for authority in Authority.objects.filter(pk__in=coordinated_authority_ids(request.user))
            ]
        return context

    def scoped_view_on_site(self, request, content_type_id, object_id):
        """Redirect to the object's public page only when the user's admin may show the object."""
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ValueError, ContentType.DoesNotExist):
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None:
            raise Http404
        if not model_admin.get_queryset(request).filter(pk=object_id).exists():
            raise Http404(_("No such record, or not one you may see."))
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def recent_changes_view(self, request):
        """Every change to portfolio data, newest first: who, when, what (the secretariat and its readers)."""
        if not reads_everything(request.user):
            raise PermissionDenied
        models_by_label = {model._meta.label_lower: model for model in history_models()}
        model = models_by_label.get(request.GET.get("model", ""))
        user_id = request.GET.get("user")
        user_id = int(user_id) if user_id and user_id.isascii() and user_id.isdigit() else None
        if user_id is not None and get_user_model().objects.filter(pk=user_id).exists():
            # The page is then that person's changes: what they did, and when.
            access_record(viewer=request.user, subject_ids=[user_id], purpose=Purpose.RECENT_CHANGES_BY_USER)
        users = get_user_model().objects.filter(is_staff=True).order_by("username")
        context = {
            **self.each_context(request),
            "title": _("Recent changes"),
            "changes": recent_changes(model=model, user_id=user_id),
            "model_choices": sorted(
                ((label, str(m._meta.verbose_name_plural)) for label, m in models_by_label.items()),
                key=lambda choice: choice[1],
            ),
            "selected_model": model._meta.label_lower if model else "",
            "user_choices": list(users.values_list("pk", "username")),
            "selected_user": user_id,
            "limit": RECENT_CHANGES_LIMIT,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/recent_changes.html", context)
