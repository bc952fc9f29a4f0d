"""Dependency agreements in the admin, scoped like the pages: a coordinator sees the agreements their
authority is party to. No form edits them: a change is a step of the round, with its rules
(agreements.services), taken on the agreement's page in the product or by an import whose rows
name their steps (agreements.resources); the export writes the agreements the user may see."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from authorities.models import coordinated_authority_ids
from common.admin import ScopedAdminMixin, VersionCheckedAdminMixin
from common.roles import is_secretariat
from initiatives.admin_spreadsheets import SpreadsheetImportExportMixin

from .models import Agreement
from .resources import AgreementResource


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyMixin, VersionCheckedAdminMixin, ScopedAdminMixin, SpreadsheetImportExportMixin,
                     SimpleHistoryAdmin):
    resource_classes = [AgreementResource]
    import_template_name = "admin/agreements/agreement/import.html"
    list_display = ("dependency", "requester_name", "provider_name", "state", "needed_by", "committed_date")
    list_filter = ("state",)
    list_select_related = (
        "dependency__source__strategy", "dependency__source__lead",
        "dependency__target__strategy", "dependency__target__lead",
    )
    search_fields = ("dependency__source__code", "dependency__target__code", "what_needed")
    readonly_fields = (
        "dependency", "state", "needed_by", "what_needed", "requested_at", "committed_date", "proposed_date",
        "reason", "answered_at", "steps",
    )
    fields = readonly_fields

    def can_edit(self, request, obj) -> bool:
        return False

    def has_import_permission(self, request):
        # Steps are taken by the parties (and the secretariat); the services decide each row.
        user = request.user
        return is_secretariat(user) or (bool(coordinated_authority_ids(user)) and self.has_view_permission(request))

    @admin.display(description=_("Steps"))
    def steps(self, obj: Agreement) -> str:
        # The transition records (who, for which authority, when, what, date, reason); the agreement's
        # page shows them as a table. Joined as text: escaped by the admin like any read-only value.
        return "\n".join(
            f"{step.at:%d.%m.%Y %H:%M} {step.get_action_display()}"
            f" ({step.by_authority.name if step.by_authority else '–'}, {step.by_user or '–'})"
            f"{' ' + step.date.strftime('%d.%m.%Y') if step.date else ''}{': ' + step.reason if step.reason else ''}"
            for step in obj.transitions.select_related("by_user", "by_authority").order_by("at", "pk")
        )

    @admin.display(description=_("Asked by"))
    def requester_name(self, obj: Agreement) -> str:
        return obj.requester.name

    @admin.display(description=_("Asked of"))
    def provider_name(self, obj: Agreement) -> str:
        return obj.provider.name
