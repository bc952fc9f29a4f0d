"""The admin for initiatives and what hangs off them, scoped per coordinator (the models' visible_to and is_editable_by).

A coordinator sees the initiatives their authority leads or takes part in, edits those it leads
(with their milestones, participations and dependencies), edits its own participation in others',
and adds dependencies from its initiatives onto any initiative.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from authorities.models import coordinated_authority_ids
from common.admin import KeyCheckedAutocompleteMixin, ScopedAdminMixin, VersionCheckedAdminMixin, autocomplete_source
from common.amounts import AmountField, AmountInput
from common.roles import is_secretariat, reads_everything

from .admin_spreadsheets import SpreadsheetImportExportMixin
from .forms import DependencyForm
from .models import BASELINE_FIELDS, OPEN_STATUSES, Dependency, Initiative, Milestone, Participation, Role
from .resources import DependencyResource, InitiativeResource, MilestoneResource, ParticipationResource
from .services import initiative_sync_lead, participation_remove

NON_LEAD_ROLES = [(value, label) for value, label in Role.choices if value != Role.LEAD]


class PortfolioAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin):
    """Scoped, importable, with per-object history; a stale change form is refused, never saved over another's edit."""


def restrict_to_led(request, field: forms.ModelChoiceField) -> None:
    if field is not None and not is_secretariat(request.user):
        field.queryset = field.queryset.editable_by(request.user)


# --- Inlines on the initiative ---------------------------------------------------------------------


class EditableWhenInitiativeIs:
    """Inline rows are added, changed and deleted only by whoever may edit the initiative."""

    def _parent_editable(self, request, obj) -> bool:
        return obj is None or obj.is_editable_by(request.user)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_editable(request, obj)


class ParticipationInlineForm(forms.ModelForm):
    """A non-lead participation. The lead's row follows the initiative's lead field."""

    role = forms.ChoiceField(label=_("role"), choices=NON_LEAD_ROLES)

    class Meta:
        model = Participation
        fields = ["authority", "role"]

    def _becomes_lead(self) -> bool:
        initiative = getattr(self.instance, "initiative", None) if self.instance.initiative_id else None
        parent = self.cleaned_data.get("initiative") or initiative
        authority = self.cleaned_data.get("authority")
        return bool(parent and authority and authority.pk == parent.lead_id)

    def _post_clean(self):
        # When the initiative's lead changes to an authority already listed here, its unchanged
        # row is promoted by initiative_sync_lead after saving; validating it now as "not the
        # lead" would refuse a legitimate change of lead.
        if self.instance.pk and not self.has_changed() and self._becomes_lead():
            return
        if self._becomes_lead():
            self.add_error(
                "authority",
                _("This authority is the initiative's lead; change the lead on the initiative instead."),
            )
            return
        super()._post_clean()


class ParticipationInline(KeyCheckedAutocompleteMixin, EditableWhenInitiativeIs, admin.TabularInline):
    model = Participation
    form = ParticipationInlineForm
    extra = 0
    autocomplete_fields = ["authority"]
    verbose_name = _("other participant")
    verbose_name_plural = _("other participants (the lead is set above)")

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(role=Role.LEAD).select_related("authority")


class MilestoneInline(EditableWhenInitiativeIs, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title_da", "title_en", "baseline_date", "forecast_date", "done_on"]


class DependencyInline(KeyCheckedAutocompleteMixin, EditableWhenInitiativeIs, admin.TabularInline):
    model = Dependency
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["target"]
    form = DependencyForm
    fields = ["target", "kind", "criticality", "needed_by", "note"]
    verbose_name = _("depends on")
    verbose_name_plural = _("depends on (what this initiative needs from others)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target__lead", "target__strategy")


# --- Initiative --------------------------------------------------------------------------------------


@admin.register(Initiative)
class InitiativeAdmin(PortfolioAdmin):
    resource_classes = [InitiativeResource]
    list_display = [
        # What a coordinator needs, and what fits 1366 px beside the filters.
        "code_and_strategy", "title_in_language", "lead", "status", "health_light", "forecast_end_date", "last_changed",
    ]
    list_display_links = ["code_and_strategy", "title_in_language"]
    ordering = [F("strategy__start_year").desc(nulls_last=True), "code", "pk"]  # the current strategies first
    list_filter = [
        "strategy", "status", "health", "schedule_health", "cost_health", "lead__level",
        ("lead", admin.RelatedOnlyFieldListFilter), "is_illustrative",
    ]
    list_select_related = ["strategy", "lead"]
    list_per_page = 50
    search_fields = ["code", "title_da", "title_en", "lead__name_da"]
    search_help_text = _("Search by code, title or lead authority.")
    autocomplete_fields = ["lead", "focus_area", "strategy"]
    readonly_fields = ["schedule_health", "cost_health", "health", "health_reasons", "created_at", "updated_at"]
    inlines = [ParticipationInline, MilestoneInline, DependencyInline]
    fieldsets = [
        (None, {"fields": ["strategy", "focus_area", "code", "title_da", "title_en", "lead", "status"]}),
        (_("Description"), {"fields": ["description_da", "description_en", "expected_benefits"], "classes": ["collapse"]}),
        (_("Schedule"), {"fields": [("baseline_start", "baseline_end"), ("forecast_start", "forecast_end")]}),
        (_("Money (DKK)"), {"fields": [("baseline_budget", "forecast_cost")]}),
        (_("Health"), {"fields": ["benefits_health", ("schedule_health", "cost_health", "health"), "health_reasons"]}),
        (_("Source"), {"fields": ["reference_key", "source_url", "is_illustrative", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_list_filter(self, request):
        if reads_everything(request.user):
            # Thousands of leads at national scale: the secretariat searches by lead instead.
            return [f for f in self.list_filter if not isinstance(f, tuple)]
        return self.list_filter

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not is_secretariat(request.user):
            readonly += ["reference_key", "is_illustrative"]
        if obj is not None and obj.benefits_computed:
            readonly.append("benefits_health")  # computed from the benefits register
        if obj is not None:
            # Once created, the baseline changes only through an approved rebaseline request
            # (a field read-only here is ignored when posted, so a forged form changes nothing).
            readonly += list(BASELINE_FIELDS)
        return readonly

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("baseline_budget", "forecast_cost"):
            # "109.000.000", not 109000000 (the admin's own number widget would win otherwise).
            kwargs.update(form_class=AmountField, widget=AmountInput)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "lead" and not is_secretariat(request.user):
            # A coordinator creates initiatives for their own authority and cannot hand one away.
            field.queryset = field.queryset.filter(pk__in=coordinated_authority_ids(request.user))
        return field

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        own = coordinated_authority_ids(request.user)
        if "lead" not in initial and len(own) == 1 and not is_secretariat(request.user):
            initial["lead"] = next(iter(own))
        return initial

    def get_search_results(self, request, queryset, search_term):
        source = autocomplete_source(request)
        if source is not None:
            if not is_secretariat(request.user):
                if source == ("initiatives", "dependency", "target"):
                    # A dependency may point at any initiative; the answer shows only code,
                    # title and lead (autocomplete_label).
                    queryset = Initiative.objects.all()
                elif source in {
                    ("initiatives", "participation", "initiative"),
                    ("initiatives", "milestone", "initiative"),
                    ("initiatives", "dependency", "source"),
                }:
                    queryset = queryset.editable_by(request.user)
            queryset = queryset.select_related("lead", "strategy")
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if source is not None:
            # What a coordinator most likely means first: open initiatives of the newest strategies.
            results = results.order_by(
                Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)),
                F("strategy__start_year").desc(nulls_last=True),
                "code",
                "pk",
            )
        return results, may_have_duplicates

    @staticmethod
    def autocomplete_label(obj) -> str:
        where = "" if obj.strategy_id else f" ({_('outside the strategies')})"
        return f"{obj.code_with_strategy} {obj.title} — {obj.lead}{where}"

    @admin.display(description=_("code"), ordering="code")
    def code_and_strategy(self, obj):
        return format_html('<span class="nowrap">{}</span>', obj.code_with_strategy)

    @admin.display(description=_("forecast end"), ordering="forecast_end")
    def forecast_end_date(self, obj):
        return date_format(obj.forecast_end, "d.m.Y") if obj.forecast_end else "–"

    @admin.display(description=_("last changed"), ordering="updated_at")
    def last_changed(self, obj):
        return date_format(timezone.localtime(obj.updated_at), "d.m.Y")  # as the pages show dates

    @admin.display(description=_("title"), ordering="title_da")
    def title_in_language(self, obj):
        return obj.title

    @admin.display(description=_("health"), ordering="health")
    def health_light(self, obj):
        return format_html('<span class="health health-{}">{}</span>', obj.health, obj.get_health_display())

    @admin.display(description=_("why these lights"))
    def health_reasons(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        assessment = obj.assess_health()
        return format_html(
            "{}: {}<br>{}: {}<br>{}: {}",
            _("Schedule"), assessment.schedule_reason, _("Cost"), assessment.cost_reason,
            _("Benefits"), assessment.benefits_reason,
        )

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The lead's participation is never deleted on its own (the lead is changed instead), but it
        # goes with its initiative: only the other rows' permissions decide whether the cascade may run.
        participation_admin = self.admin_site.get_model_admin(Participation)
        others = Participation.objects.filter(initiative__in=list(objs)).exclude(role=Role.LEAD).select_related("initiative")
        if participation_admin.has_delete_permission(request) and all(
            participation_admin.has_delete_permission(request, participation) for participation in others
        ):
            perms_needed.discard(Participation._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        # The stored lead and light, not the form's initial: a revert's form starts from the old version.
        stored = Initiative.objects.filter(pk=obj.pk).values_list("lead_id", "health").first() if change else None
        obj._previous_lead_id = stored[0] if stored else None
        if stored:
            obj.health_stored_as(stored[1])
        obj.refresh_health()
        super().save_model(request, obj, form, change)
        # Also here, not only in save_related: a revert from the history page saves no inlines.
        initiative_sync_lead(initiative=obj, previous_lead_id=obj._previous_lead_id)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Again after the inline rows are saved: a row of the new lead deleted in the same form
        # comes back as the lead's row. Idempotent.
        initiative_sync_lead(initiative=form.instance, previous_lead_id=form.instance._previous_lead_id)


# --- Participation -------------------------------------------------------------------------------------


class ParticipationForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("role"), choices=NON_LEAD_ROLES)

    class Meta:
        model = Participation
        fields = ["initiative", "authority", "role"]


@admin.register(Participation)
class ParticipationAdmin(PortfolioAdmin):
    resource_classes = [ParticipationResource]
    form = ParticipationForm
    list_display = ["initiative", "initiative_lead", "authority", "role"]
    list_filter = ["role", "authority__level", ("authority", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["initiative__lead", "initiative__strategy", "authority"]
    # The current strategies first (on PostgreSQL too, where NULL would otherwise sort first).
    ordering = [F("initiative__strategy__start_year").desc(nulls_last=True), "initiative__code", "pk"]
    search_fields = ["initiative__code", "initiative__title_da", "authority__name_da", "authority__code"]
    autocomplete_fields = ["initiative", "authority"]

    def get_list_filter(self, request):
        if reads_everything(request.user):
            return [f for f in self.list_filter if not isinstance(f, tuple)]
        return self.list_filter

    def has_change_permission(self, request, obj=None):
        # The lead's row is not edited here: it follows Initiative.lead.
        if obj is not None and obj.role == Role.LEAD:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.role == Role.LEAD:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not is_secretariat(request.user) and obj.initiative.lead_id not in coordinated_authority_ids(request.user):
            # Their own row in another authority's initiative: the role only.
            return ["initiative", "authority"]
        return super().get_readonly_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "initiative":
            restrict_to_led(request, field)
        return field

    @admin.display(description=_("lead"), ordering="initiative__lead__name_da")
    def initiative_lead(self, obj):
        return obj.initiative.lead

    def delete_model(self, request, obj):
        participation_remove(participation=obj)

    def delete_queryset(self, request, queryset):
        if queryset.filter(role=Role.LEAD).exists():
            messages.error(request, _("The lead's participation cannot be deleted; change the initiative's lead instead."))
            queryset = queryset.exclude(role=Role.LEAD)
        super().delete_queryset(request, queryset)


# --- Dependency -------------------------------------------------------------------------------------------


@admin.register(Dependency)
class DependencyAdmin(PortfolioAdmin):
    resource_classes = [DependencyResource]
    form = DependencyForm
    list_display = ["source", "source_lead", "target", "target_lead", "kind", "criticality", "needed_by"]
    list_filter = ["kind", "criticality"]
    list_select_related = ["source__lead", "source__strategy", "target__lead", "target__strategy"]
    # The current strategies first.
    ordering = [F("source__strategy__start_year").desc(nulls_last=True), "source__code", "target__code", "pk"]
    autocomplete_fields = ["source", "target"]
    search_fields = ["source__code", "source__title_da", "target__code", "target__title_da"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "source":
            restrict_to_led(request, field)
        return field

    @admin.display(description=_("lead"), ordering="source__lead__name_da")
    def source_lead(self, obj):
        return obj.source.lead

    @admin.display(description=_("lead of the depended-on"), ordering="target__lead__name_da")
    def target_lead(self, obj):
        return obj.target.lead


# --- Milestone -----------------------------------------------------------------------------------------------


@admin.register(Milestone)
class MilestoneAdmin(PortfolioAdmin):
    resource_classes = [MilestoneResource]
    list_display = ["title_da", "initiative", "initiative_lead", "baseline_date", "forecast_date", "done_on"]
    list_filter = ["initiative__strategy", ("done_on", admin.EmptyFieldListFilter)]
    list_select_related = ["initiative__lead", "initiative__strategy"]
    # The current strategies first.
    ordering = [F("initiative__strategy__start_year").desc(nulls_last=True), "initiative__code", "baseline_date", "pk"]
    autocomplete_fields = ["initiative"]
    search_fields = ["title_da", "title_en", "initiative__code", "initiative__title_da"]
    date_hierarchy = "baseline_date"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "initiative":
            restrict_to_led(request, field)
        return field

    @admin.display(description=_("lead"), ordering="initiative__lead__name_da")
    def initiative_lead(self, obj):
        return obj.initiative.lead

