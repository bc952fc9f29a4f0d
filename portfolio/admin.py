from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FocusArea, Strategy, SummaryRun


class FocusAreaInline(admin.TabularInline):
    model = FocusArea
    extra = 0
    fields = ["code", "name_da", "name_en", "order", "is_illustrative"]


@admin.register(Strategy)
class StrategyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_da", "start_year", "end_year", "kind", "planned_initiative_count"]
    list_filter = ["kind"]
    search_fields = ["code", "name_da", "name_en"]
    inlines = [FocusAreaInline]


@admin.register(FocusArea)
class FocusAreaAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_da", "strategy", "order", "is_illustrative"]
    list_filter = ["strategy"]
    list_select_related = ["strategy"]
    search_fields = ["code", "name_da", "name_en"]


@admin.register(SummaryRun)
class SummaryRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "scope", "trigger", "status", "duration_ms", "data_version"]
    list_filter = ["status", "trigger", "scope"]
    readonly_fields = [f.name for f in SummaryRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Summary emails: the record of each summary (read-only) and the subscriptions. ---------------

from portfolio.models import Subscription, SummaryDelivery  # noqa: E402 - appended section


@admin.register(SummaryDelivery)
class SummaryDeliveryAdmin(admin.ModelAdmin):
    """Each summary built: to whom, for which date, and whether it went out (read-only)."""

    list_display = ["date", "recipient", "to_address", "status", "change_count", "attempts", "sent_at", "error"]
    list_filter = ["status", "date", "language"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "to_address", "subject", "error"]
    date_hierarchy = "date"
    readonly_fields = [f.name for f in SummaryDelivery._meta.fields if f.name != "snapshot"]
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
