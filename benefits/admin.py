"""The benefits register and the follow-ups in the admin, scoped like the initiatives: a coordinator
sees those of the initiatives their authority leads or takes part in and changes only those it leads.
Saving and deleting go through benefits.services, so the initiative's benefits light follows."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ScopedAdminMixin, VersionCheckedAdminMixin
from common.amounts import KronerField, KronerInput
from common.roles import is_secretariat
from initiatives.admin import restrict_to_led
from initiatives.admin_spreadsheets import SpreadsheetImportExportMixin

from .models import Benefit, FollowUp
from .resources import BenefitResource
from .services import benefit_delete, benefit_save, follow_up_check, follow_up_record, shortfall_percent


@admin.register(Benefit)
class BenefitAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [BenefitResource]
    list_display = ["title_da", "initiative", "kind", "baseline_shown", "forecast_shown", "shortfall", "realised_by"]
    list_filter = ["kind", "initiative__strategy"]
    list_select_related = ["initiative__strategy", "realised_by"]
    search_fields = ["title_da", "title_en", "indicator", "initiative__code", "initiative__title_da"]
    autocomplete_fields = ["initiative", "realised_by"]
    formfield_overrides = {models.DecimalField: {"form_class": KronerField, "widget": KronerInput}}
    fields = ["initiative", "kind", "title_da", "title_en", "indicator", "higher_is_better", "from_year",
              "baseline", "forecast", "realised", "realised_by"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "initiative":
            restrict_to_led(request, field)
        return field

    def save_model(self, request, obj, form, change):
        benefit_save(benefit=obj)

    def delete_model(self, request, obj):
        benefit_delete(benefit=obj)

    def delete_queryset(self, request, queryset):
        if not is_secretariat(request.user) and any(not b.is_editable_by(request.user) for b in queryset):
            raise PermissionDenied
        for benefit in queryset:
            benefit_delete(benefit=benefit)

    @admin.display(description=_("baseline (target)"), ordering="baseline")
    def baseline_shown(self, obj):
        return KronerInput().format_value(obj.baseline)

    @admin.display(description=_("forecast"), ordering="forecast")
    def forecast_shown(self, obj):
        return KronerInput().format_value(obj.forecast)

    @admin.display(description=_("short of the baseline"))
    def shortfall(self, obj):
        return f"{number_format(shortfall_percent(obj), decimal_pos=1)} %"


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["summary"]

    def clean(self):
        cleaned = super().clean()
        follow_up_check(follow_up=self.instance, summary=cleaned.get("summary") or "")
        return cleaned


@admin.register(FollowUp)
class FollowUpAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    form = FollowUpForm
    list_display = ["initiative", "due_on", "state", "recorded_by"]
    list_filter = [("recorded_at", admin.EmptyFieldListFilter), "initiative__strategy"]
    list_select_related = ["initiative__strategy", "recorded_by"]
    search_fields = ["initiative__code", "initiative__title_da"]
    fields = ["initiative", "due_on", "summary", "recorded_at", "recorded_by"]
    readonly_fields = ["initiative", "due_on", "recorded_at", "recorded_by"]

    def has_add_permission(self, request):
        return False  # scheduled when an initiative is completed

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The realised values are recorded on each benefit; here the follow-up in words.
        follow_up_record(follow_up=obj, summary=obj.summary, realised={}, user=request.user)

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.recorded_at:
            return _("Recorded")
        if obj.due_on < timezone.localdate():
            return format_html('<span class="health health-red">{}</span>', _("Overdue"))
        return _("Due")
