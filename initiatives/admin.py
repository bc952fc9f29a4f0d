from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Dependency, Initiative, Milestone, Participation
from .services import initiative_sync_lead


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["authority"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class DependencyInline(admin.TabularInline):
    model = Dependency
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["target"]
    fields = ["target", "kind", "criticality", "needed_by", "note"]


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title_da", "strategy", "lead", "status", "health", "forecast_end", "is_illustrative"]
    list_filter = ["strategy", "status", "health", "lead__level", "is_illustrative"]
    list_select_related = ["strategy", "lead"]
    search_fields = ["code", "title_da", "title_en"]
    autocomplete_fields = ["lead", "focus_area", "strategy"]
    readonly_fields = ["schedule_health", "cost_health", "health"]
    inlines = [ParticipationInline, MilestoneInline, DependencyInline]

    def save_model(self, request, obj, form, change):
        previous_lead_id = form.initial.get("lead") if change else None
        obj.refresh_health()
        super().save_model(request, obj, form, change)
        initiative_sync_lead(initiative=obj, previous_lead_id=previous_lead_id)


@admin.register(Participation)
class ParticipationAdmin(SimpleHistoryAdmin):
    list_display = ["initiative", "authority", "role"]
    list_filter = ["role"]
    list_select_related = ["initiative", "authority"]
    autocomplete_fields = ["initiative", "authority"]
    search_fields = ["initiative__code", "initiative__title_da", "authority__name_da"]


@admin.register(Dependency)
class DependencyAdmin(SimpleHistoryAdmin):
    list_display = ["source", "target", "kind", "criticality", "needed_by"]
    list_filter = ["kind", "criticality"]
    list_select_related = ["source", "target"]
    autocomplete_fields = ["source", "target"]
    search_fields = ["source__code", "source__title_da", "target__code", "target__title_da"]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title_da", "initiative", "baseline_date", "forecast_date", "done_on"]
    list_select_related = ["initiative"]
    autocomplete_fields = ["initiative"]
    search_fields = ["title_da", "title_en", "initiative__code"]
