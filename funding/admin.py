"""Funding in the admin: an initiative's budget for a year with its split between the parties as
inline rows, and the re-phasings. Scoped like the initiatives: a coordinator sees the funding of the
initiatives their authority leads or takes part in, and changes only that of those it leads."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import KeyCheckedAutocompleteMixin, ScopedAdminMixin, VersionCheckedAdminMixin
from common.amounts import KronerField, KronerInput
from common.roles import reads_everything
from initiatives.admin import EditableWhenInitiativeIs, restrict_to_led
from initiatives.admin_spreadsheets import SpreadsheetImportExportMixin

from .models import FundingShare, FundingYear, Rephasing
from .resources import FundingShareResource
from .services import kroner, rephase, split_check, year_within_strategy_check

KRONER = {models.DecimalField: {"form_class": KronerField, "widget": KronerInput}}


class SharesAddUp(forms.BaseInlineFormSet):
    """The shares kept on the form add up to the year's budget (funding.services.split_check)."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept = [form.cleaned_data.get("budget") for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        budget = self.instance.budget
        if budget is None:
            return
        try:
            split_check(budget=budget, share_budgets=[amount for amount in kept if amount is not None])
        except ValidationError as error:
            raise ValidationError(error.message_dict["budget"]) from None


class FundingShareInline(KeyCheckedAutocompleteMixin, EditableWhenInitiativeIs, admin.TabularInline):
    model = FundingShare
    formset = SharesAddUp
    fields = ["party", "ministry", "budget", "actual"]
    formfield_overrides = KRONER
    extra = 0
    min_num = 1
    autocomplete_fields = ["ministry"]


class FundingYearForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        initiative, year = cleaned.get("initiative") or getattr(self.instance, "initiative", None), cleaned.get("year")
        if initiative is not None and year is not None and {"initiative", "year"} & set(self.changed_data):
            try:
                year_within_strategy_check(initiative=initiative, year=year)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(FundingYear)
class FundingYearAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    form = FundingYearForm
    inlines = [FundingShareInline]
    list_display = ["initiative", "initiative_lead", "year", "budget_shown", "spent_shown"]
    list_filter = ["year", "initiative__strategy"]
    list_select_related = ["initiative__strategy", "initiative__lead"]
    search_fields = ["initiative__code", "initiative__title_da", "initiative__title_en"]
    autocomplete_fields = ["initiative"]
    formfield_overrides = KRONER
    ordering = [F("initiative__strategy__start_year").desc(nulls_last=True), "initiative__code", "year"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(spent=Sum("shares__actual"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "initiative":
            restrict_to_led(request, field)
        return field

    @admin.display(description=_("lead"), ordering="initiative__lead__name_da")
    def initiative_lead(self, obj):
        return obj.initiative.lead

    @admin.display(description=_("budget"), ordering="budget")
    def budget_shown(self, obj):
        return kroner(obj.budget)

    @admin.display(description=_("spent"), ordering="spent")
    def spent_shown(self, obj):
        return "–" if obj.spent is None else kroner(obj.spent)


@admin.register(FundingShare)
class FundingShareAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    """Every party's share, one row per initiative, year and party: the list that is exported and
    imported (funding.resources). A share is changed with its year, where the split is checked (and
    where a stale save is refused; the mixin is here so that no path to a share could ever save one)."""

    resource_classes = [FundingShareResource]
    list_display = ["initiative", "year", "party", "ministry", "budget_shown", "actual_shown"]
    list_filter = ["party", "funding_year__year", "funding_year__initiative__strategy"]
    list_select_related = ["funding_year__initiative__strategy", "ministry"]
    search_fields = ["funding_year__initiative__code", "funding_year__initiative__title_da"]
    ordering = [F("funding_year__initiative__strategy__start_year").desc(nulls_last=True),
                "funding_year__initiative__code", "funding_year__year", "party"]

    def has_add_permission(self, request):
        return False  # added with its year, where the shares must add up

    def has_change_permission(self, request, obj=None):
        # The list's import needs the model permission; one share alone is changed with its year.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return super().has_change_permission(request)

    @admin.display(description=_("initiative"), ordering="funding_year__initiative__code")
    def initiative(self, obj):
        return obj.funding_year.initiative.code_with_strategy

    @admin.display(description=_("year"), ordering="funding_year__year")
    def year(self, obj):
        return obj.funding_year.year

    @admin.display(description=_("budget"), ordering="budget")
    def budget_shown(self, obj):
        return kroner(obj.budget)

    @admin.display(description=_("spent"), ordering="actual")
    def actual_shown(self, obj):
        return kroner(obj.actual)


class RephasingForm(forms.ModelForm):
    """A re-phasing, made by funding.services.rephase (which checks it and moves the amounts)."""

    class Meta:
        model = Rephasing
        fields = ["initiative", "party", "from_year", "to_year", "amount", "reason"]
        field_classes = {"amount": KronerField}
        widgets = {"amount": KronerInput, "reason": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        # The service validates and saves; a refusal names the field it is about.
        if self.errors:
            return
        try:
            self.instance = rephase(user=self.user, **self.cleaned_data)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Rephasing)
class RephasingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RephasingForm
    list_display = ["initiative", "party", "from_year", "to_year", "amount_shown", "reason", "created_by", "created_at"]
    list_filter = ["party", "initiative__strategy"]
    list_select_related = ["initiative__strategy", "created_by"]
    search_fields = ["initiative__code", "initiative__title_da", "reason"]
    autocomplete_fields = ["initiative"]

    def can_edit(self, request, obj) -> bool:
        return False  # a re-phasing is a record: a mistake is undone by another one

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "initiative":
            restrict_to_led(request, field)
        return field

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in the form's validation, in the admin's transaction

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return kroner(obj.amount)

    def get_list_filter(self, request):
        return self.list_filter if reads_everything(request.user) else ["party"]
