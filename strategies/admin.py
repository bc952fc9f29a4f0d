from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import URL_FIELDS_ASSUME_HTTPS, VersionCheckedAdminMixin

from .models import FocusArea, Strategy


class FocusAreaInline(admin.TabularInline):
    model = FocusArea
    extra = 0
    fields = ["code", "name_da", "name_en", "order", "is_illustrative"]


@admin.register(Strategy)
class StrategyAdmin(VersionCheckedAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name_da", "start_year", "end_year", "kind", "planned_initiative_count"]
    list_filter = ["kind"]
    search_fields = ["code", "name_da", "name_en"]
    inlines = [FocusAreaInline]
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS


@admin.register(FocusArea)
class FocusAreaAdmin(VersionCheckedAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name_da", "strategy", "order", "is_illustrative"]
    list_filter = ["strategy"]
    list_select_related = ["strategy"]
    search_fields = ["code", "name_da", "name_en"]
