from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DigestDelivery, Subscription


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    """Each digest built: to whom, for which date, and whether it went out (read-only)."""

    list_display = ["date", "recipient", "to_address", "status", "change_count", "attempts", "sent_at", "error"]
    list_filter = ["status", "date", "language"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "to_address", "subject", "error"]
    date_hierarchy = "date"
    readonly_fields = [f.name for f in DigestDelivery._meta.fields if f.name != "snapshot"]
    exclude = ["snapshot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["user", "scope", "frequency", "language", "send_when_empty", "is_benchmark", "updated_at"]
    list_filter = ["frequency", "scope", "language", "is_benchmark"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "authorities", "initiatives"]
    filter_horizontal = ["strategies"]
