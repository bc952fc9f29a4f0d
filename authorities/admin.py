from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accesslog.admin import PeopleShownAdminMixin
from accesslog.models import Purpose
from accesslog.services import access_record
from common.admin import (
    URL_FIELDS_ASSUME_HTTPS,
    KeyCheckedAutocompleteMixin,
    ScopedAdminMixin,
    VersionCheckedAdminMixin,
    autocomplete_source,
)
from common.roles import is_secretariat, password_login_for_everyone, reads_everything

from .models import Authority, Coordinator, Sector
from .services import INVITATION_LANGUAGES, coordinator_invite

# What a coordinator may change on their own authority's profile; the rest is the register's.
COORDINATOR_EDITABLE_AUTHORITY_FIELDS = {"name_en", "website", "sectors"}


@admin.register(Sector)
class SectorAdmin(VersionCheckedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name_da", "name_en", "slug"]
    search_fields = ["name_da", "name_en", "slug"]


class CoordinatorInline(KeyCheckedAutocompleteMixin, admin.TabularInline):
    model = Coordinator
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


class InviteCoordinatorForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    language = forms.ChoiceField(
        label=_("Language of the email"),
        choices=[("da", _("Danish")), ("en", _("English"))],
        initial="da",
    )


@admin.register(Authority)
class AuthorityAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name_da", "name_en", "level", "kind", "code", "region", "parent", "coordinator_count", "is_illustrative"]
    list_filter = ["level", "kind", "is_illustrative", "outside_municipal_division"]
    list_select_related = ["region", "parent"]
    search_fields = ["name_da", "name_en", "code", "cvr"]
    search_help_text = _("Search by name, official code (e.g. 0101) or CVR number.")
    autocomplete_fields = ["parent", "region"]
    filter_horizontal = ["sectors"]
    inlines = [CoordinatorInline]
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS

    def get_queryset(self, request):
        coordinators = (
            Coordinator.objects.filter(authority=OuterRef("pk")).order_by().values("authority").annotate(n=Count("pk")).values("n")
        )
        return super().get_queryset(request).annotate(
            coordinator_count=Coalesce(Subquery(coordinators, output_field=IntegerField()), 0)
        )

    @admin.display(description=_("coordinators"), ordering="coordinator_count")
    def coordinator_count(self, obj):
        return obj.coordinator_count

    def get_readonly_fields(self, request, obj=None):
        if is_secretariat(request.user):
            return super().get_readonly_fields(request, obj)
        return [
            field.name
            for field in Authority._meta.get_fields()
            if field.concrete and field.editable and not field.auto_created and field.name not in COORDINATOR_EDITABLE_AUTHORITY_FIELDS
        ]

    def get_list_filter(self, request):
        return self.list_filter if reads_everything(request.user) else []

    def get_search_results(self, request, queryset, search_term):
        source = autocomplete_source(request)
        if source == ("initiatives", "participation", "authority") and not is_secretariat(request.user):
            # Any authority may be asked to take part in an initiative the coordinator leads; the
            # answer is the public register's name, nothing of the authority's own records.
            queryset = Authority.objects.all()
        return super().get_search_results(request, queryset, search_term)

    # --- Inviting a coordinator ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/invite-coordinator/",
                self.admin_site.admin_view(self.invite_coordinator_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_invite_coordinator",
            )
        ] + super().get_urls()

    def has_invite_permission(self, request) -> bool:
        user = request.user
        return (
            is_secretariat(user)
            and user.has_perms(["auth.add_user", "authorities.add_coordinator"])
            and password_login_for_everyone()  # else coordinators come through NemLog-in, uninvited
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "has_invite_permission": self.has_invite_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # its coordinators' user names are on the page (the inline)
            access_record(
                viewer=request.user,
                subject_ids=obj.coordinators.values_list("user_id", flat=True),
                purpose=Purpose.AUTHORITY_COORDINATORS,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def invite_coordinator_view(self, request, object_id):
        if not self.has_invite_permission(request):
            raise PermissionDenied
        authority = self.get_object(request, object_id)
        form = InviteCoordinatorForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation = coordinator_invite(
                    email=form.cleaned_data["email"],
                    authority=authority,
                    language=form.cleaned_data["language"],
                    invited_by=request.user,
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(
                    request,
                    _("Invitation sent: %(email)s is now a coordinator for %(authority)s.")
                    % {"email": invitation.user.email, "authority": authority},
                )
                return HttpResponseRedirect(reverse("admin:authorities_authority_change", args=[authority.pk]))
        # list() runs the query here, so the coordinators logged are the ones the page shows.
        coordinators = list(authority.coordinators.select_related("user"))
        access_record(
            viewer=request.user, subject_ids=[c.user_id for c in coordinators], purpose=Purpose.AUTHORITY_COORDINATORS
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite a coordinator for %(authority)s") % {"authority": authority},
            "opts": self.opts,
            "original": authority,
            "form": form,
            "coordinators": coordinators,
            "languages": INVITATION_LANGUAGES,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/authorities/authority/invite_coordinator.html", context)


@admin.register(Coordinator)
class CoordinatorAdmin(PeopleShownAdminMixin, KeyCheckedAutocompleteMixin, VersionCheckedAdminMixin, SimpleHistoryAdmin):
    list_display = ["user", "authority", "created_at"]
    list_select_related = ["user", "authority"]
    list_filter = ["authority__level"]
    search_fields = ["user__username", "user__email", "authority__name_da", "authority__code"]
    autocomplete_fields = ["user", "authority"]
    # The pages show coordinators' user names: each view is logged for them.
    list_purpose, row_purpose = Purpose.COORDINATOR_LIST, Purpose.COORDINATOR_PROFILE


User = get_user_model()


class PortfolioUserAdmin(UserAdmin):
    """The secretariat manages users, but only a superuser makes superusers or grants raw permissions."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The page shows these users' names and email addresses: each view is logged for them.
        access_record(
            viewer=request.user, subject_ids=[user.pk for user in changelist.result_list], purpose=Purpose.USER_LIST
        )
        return changelist

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # a user's profile, shown to open it or again with a form's errors
            access_record(viewer=request.user, subject_ids=[obj.pk], purpose=Purpose.USER_PROFILE)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if response.status_code == 200:  # the form, naming the user (a redirect after saving shows nothing)
            access_record(viewer=request.user, subject_ids=[response.context_data["original"].pk], purpose=Purpose.USER_PROFILE)
        return response

    def history_view(self, request, object_id, extra_context=None):
        # What was changed on the profile, and by whom: the user's data as much as the profile itself.
        response = super().history_view(request, object_id, extra_context)
        user = self.get_object(request, unquote(object_id)) if response.status_code == 200 else None
        if user is not None:
            access_record(viewer=request.user, subject_ids=[user.pk], purpose=Purpose.USER_HISTORY)
        return response


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, PortfolioUserAdmin)
