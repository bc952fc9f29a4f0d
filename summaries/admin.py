from django.contrib import admin

from .models import SummaryRun


@admin.register(SummaryRun)
class SummaryRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "scope", "trigger", "status", "duration_ms", "data_version"]
    list_filter = ["status", "trigger", "scope"]
    readonly_fields = [f.name for f in SummaryRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
