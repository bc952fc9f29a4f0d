"""Dependency agreements in the admin, scoped like the pages: a coordinator sees the agreements their
authority is party to. Read-only for everyone: a change is a step of the round, with its rules
(agreements.services), taken on the agreement's page in the product."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ScopedAdminMixin

from .models import Agreement, AgreementTransition


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(ReadOnlyMixin, admin.TabularInline):
    model = AgreementTransition
    fields = ("at", "action", "from_state", "to_state", "by_user", "by_authority", "date", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("dependency", "requester_name", "provider_name", "state", "needed_by", "committed_date")
    list_filter = ("state",)
    list_select_related = (
        "dependency__source__strategy", "dependency__source__lead",
        "dependency__target__strategy", "dependency__target__lead",
    )
    search_fields = ("dependency__source__code", "dependency__target__code", "what_needed")
    readonly_fields = (
        "dependency", "state", "needed_by", "what_needed", "requested_at", "committed_date", "proposed_date",
        "reason", "answered_at",
    )
    fields = readonly_fields
    inlines = [TransitionInline]

    def can_edit(self, request, obj) -> bool:
        return False

    @admin.display(description=_("Asked by"))
    def requester_name(self, obj: Agreement) -> str:
        return obj.requester.name

    @admin.display(description=_("Asked of"))
    def provider_name(self, obj: Agreement) -> str:
        return obj.provider.name
