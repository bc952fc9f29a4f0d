from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accesslog.admin import PeopleShownAdminMixin
from accesslog.models import Purpose
from common.admin import KeyCheckedAutocompleteMixin, VersionCheckedAdminMixin
from common.roles import is_secretariat

from .models import LoginEvent, PrivilegeMapping


class SecretariatOnly:
    def has_module_permission(self, request):
        return is_secretariat(request.user)

    def has_view_permission(self, request, obj=None):
        return is_secretariat(request.user)


@admin.register(PrivilegeMapping)
class PrivilegeMappingAdmin(SecretariatOnly, KeyCheckedAutocompleteMixin, VersionCheckedAdminMixin, SimpleHistoryAdmin):
    list_display = ["privilege", "role", "authority"]
    list_filter = ["role"]
    list_select_related = ["authority"]
    search_fields = ["privilege"]
    autocomplete_fields = ["authority"]

    def has_add_permission(self, request):
        return is_secretariat(request.user)

    def has_change_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_secretariat(request.user)


class ReasonListFilter(admin.AllValuesFieldListFilter):
    """The reasons recorded, without the empty one of the logins that succeeded (a link with no text)."""

    def choices(self, changelist):
        return [choice for choice in super().choices(changelist) if choice["display"] != ""]


@admin.register(LoginEvent)
class LoginEventAdmin(PeopleShownAdminMixin, SecretariatOnly, admin.ModelAdmin):
    """Read-only: what logins happened, through NemLog-in or with a password, and why some were refused."""

    # Who logged in when: each view is logged for the people on the page.
    list_purpose = row_purpose = Purpose.LOGIN_RECORD

    list_display = ["at", "method", "outcome", "reason", "cvr", "user", "username"]
    list_filter = ["method", "outcome", ("reason", ReasonListFilter)]
    list_select_related = ["user"]
    search_fields = ["cvr", "user__username", "username"]
    readonly_fields = ["at", "method", "outcome", "reason", "cvr", "user", "username", "message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
