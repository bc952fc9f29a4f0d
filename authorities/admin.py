from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Authority, Coordinator, Sector


@admin.register(Sector)
class SectorAdmin(SimpleHistoryAdmin):
    list_display = ["name_da", "name_en", "slug"]
    search_fields = ["name_da", "name_en", "slug"]


class CoordinatorInline(admin.TabularInline):
    model = Coordinator
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Authority)
class AuthorityAdmin(SimpleHistoryAdmin):
    list_display = ["name_da", "name_en", "level", "kind", "code", "region", "parent", "is_illustrative"]
    list_filter = ["level", "kind", "is_illustrative", "outside_municipal_division"]
    list_select_related = ["region", "parent"]
    search_fields = ["name_da", "name_en", "code"]
    autocomplete_fields = ["parent", "region"]
    filter_horizontal = ["sectors"]
    inlines = [CoordinatorInline]


@admin.register(Coordinator)
class CoordinatorAdmin(SimpleHistoryAdmin):
    list_display = ["user", "authority", "created_at"]
    list_select_related = ["user", "authority"]
    search_fields = ["user__username", "authority__name_da"]
    autocomplete_fields = ["user", "authority"]
